"""Who may moderate a script, and the second marker who would leave it with no moderator."""

from assessment_app.allocation import (
    Marker,
    Moderator,
    Script,
    allocate,
    may_moderate,
    only_possible_moderator,
)


def moderator(id, npqs=("NPQLTD",), partner=None, school=None):
    return Moderator(id=id, npqs=frozenset(npqs), delivery_partner=partner, school=school)


def script(id=1, npq="NPQLTD", partner=None, school=None, markers=()):
    return Script(id=id, npq=npq, delivery_partner=partner, school=school,
                  excluded_markers=frozenset(markers))


def test_a_moderator_must_be_qualified_unconflicted_and_not_a_marker_of_the_script():
    """Qualified for the NPQ, not the first or second marker, no shared partner or school."""
    assert may_moderate(moderator(9), script())
    assert not may_moderate(moderator(9, npqs=("NPQH",)), script())
    assert not may_moderate(moderator(9), script(markers=(9,)))
    assert not may_moderate(moderator(9, partner="Coastal  trust"), script(partner="coastal trust"))
    assert not may_moderate(moderator(9, school="Oakfield"), script(school="OAKFIELD"))


def test_the_only_possible_moderator_is_named():
    """With one eligible moderator, that moderator must not second-mark the script."""
    assert only_possible_moderator(script(markers=(1,)), [moderator(9)]) == 9


def test_with_two_possible_moderators_neither_is_held_back():
    """If one of two eligible moderators second-marks, the other can still decide."""
    assert only_possible_moderator(script(markers=(1,)), [moderator(9), moderator(8)]) is None


def test_the_first_marker_and_conflicted_moderators_do_not_count_as_possible():
    """Moderator 8 first-marked it and moderator 7 shares the school: 9 is the only one left."""
    moderators = [moderator(9), moderator(8), moderator(7, school="Oakfield")]
    assert only_possible_moderator(script(school="Oakfield", markers=(8,)), moderators) == 9


def test_with_no_possible_moderator_no_second_marker_is_held_back():
    """Nobody could moderate anyway (the admin resolves it): second marking is not blocked."""
    assert only_possible_moderator(script(markers=(9,)), [moderator(9)]) is None
    assert only_possible_moderator(script(), []) is None


def test_allocation_skips_the_only_possible_moderator_when_told_to():
    """The service adds the only possible moderator to excluded_markers: another marker second-marks
    it even though the moderator has the lighter load; with no other marker it stays unallocated."""
    first_marker, moderator_who_marks = 1, 9
    markers = [Marker(id=2, npqs=frozenset({"NPQLTD"}), capacity=10, current_load=5),
               Marker(id=moderator_who_marks, npqs=frozenset({"NPQLTD"}), capacity=10)]
    held_back = only_possible_moderator(script(markers=(first_marker,)), [moderator(9)])
    second = script(markers=(first_marker, held_back))
    assert allocate([second], markers).assignments == {1: 2}
    assert allocate([second], markers[1:]).unallocated == {1: "every qualified marker has a conflict of interest"}
