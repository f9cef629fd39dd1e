"""Allocation of scripts to markers: the hard rules always hold; the load follows each share."""

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment_app.allocation import Marker, Script, allocate, can_mark, conflicts


def marker(id, npqs=("NPQLTD",), capacity=10, share=1.0, partner=None, school=None, load=0):
    return Marker(id=id, npqs=frozenset(npqs), capacity=capacity, share=share,
                  delivery_partner=partner, school=school, current_load=load)


def test_only_qualified_markers_get_a_script():
    result = allocate([Script(1, "NPQH")], [marker(1, npqs=("NPQLTD",))])
    assert result.unallocated == {1: "no qualified marker"}


def test_never_the_same_delivery_partner_or_school_ignoring_case_and_spaces():
    script = Script(1, "NPQLTD", delivery_partner=" Midlands Alliance", school="Oakfield")
    result = allocate([script], [marker(1, partner="midlands alliance "), marker(2, school="OAKFIELD"),
                                 marker(3)])
    assert result.assignments == {1: 3}


def test_never_the_first_attempts_marker():
    script = Script(1, "NPQLTD", excluded_markers=frozenset({1}))
    assert allocate([script], [marker(1), marker(2)]).assignments == {1: 2}


def test_every_qualified_marker_conflicted_is_reported():
    script = Script(1, "NPQLTD", school="Oakfield")
    result = allocate([script], [marker(1, school="Oakfield")])
    assert result.unallocated == {1: "every qualified marker has a conflict of interest"}


def test_capacity_counts_scripts_already_held():
    result = allocate([Script(1, "NPQLTD"), Script(2, "NPQLTD")], [marker(1, capacity=3, load=2)])
    assert result.assignments == {1: 1}
    assert result.unallocated == {2: "all qualified markers at capacity"}


def test_load_follows_the_contracted_share():
    """A marker on share 2.0 gets twice the scripts of one on share 1.0."""
    scripts = [Script(i, "NPQLTD") for i in range(300)]
    result = allocate(scripts, [marker(1, share=1.0, capacity=500), marker(2, share=2.0, capacity=500)])
    counts = [list(result.assignments.values()).count(m) for m in (1, 2)]
    assert counts == [100, 200]


def test_scarce_markers_are_kept_for_the_scripts_that_need_them():
    """Script 2 can only go to marker 1, so script 1 (which either could take) goes to marker 2."""
    scripts = [Script(1, "NPQLTD"), Script(2, "NPQLTD", school="Elm")]
    markers = [marker(1, capacity=1), marker(2, capacity=1, school="Elm")]
    assert allocate(scripts, markers).assignments == {1: 2, 2: 1}


def test_allocation_is_deterministic():
    scripts = [Script(i, "NPQLTD") for i in range(20)]
    markers = [marker(m) for m in range(5)]
    assert allocate(scripts, markers) == allocate(list(scripts), list(markers))


NPQS = ["NPQLTD", "NPQH", "NPQSL"]
NAMES = st.sampled_from([None, "A", "B", "c"])
markers_strategy = st.lists(
    st.builds(Marker, id=st.integers(0, 1_000_000), npqs=st.frozensets(st.sampled_from(NPQS), min_size=1),
              capacity=st.integers(0, 6), share=st.sampled_from([0.5, 1.0, 2.0]),
              delivery_partner=NAMES, school=NAMES, current_load=st.integers(0, 3)),
    max_size=8, unique_by=lambda m: m.id)
scripts_strategy = st.lists(
    st.builds(Script, id=st.integers(0, 1_000_000), npq=st.sampled_from(NPQS), delivery_partner=NAMES,
              school=NAMES, excluded_markers=st.frozensets(st.integers(0, 20), max_size=3)),
    max_size=30, unique_by=lambda s: s.id)


@settings(max_examples=300, deadline=None)
@given(scripts_strategy, markers_strategy)
def test_no_assignment_ever_breaks_a_hard_rule(scripts, markers):
    """Qualified, no conflict, within capacity; every script assigned or given a reason."""
    result = allocate(scripts, markers)
    by_id = {m.id: m for m in markers}
    added: dict[int, int] = {}
    for script in scripts:
        assert (script.id in result.assignments) != (script.id in result.unallocated)
        if script.id in result.assignments:
            chosen = by_id[result.assignments[script.id]]
            assert script.npq in chosen.npqs and not conflicts(chosen, script)
            added[chosen.id] = added.get(chosen.id, 0) + 1
    for marker_id, count in added.items():
        assert by_id[marker_id].current_load + count <= max(by_id[marker_id].capacity, by_id[marker_id].current_load)


@settings(max_examples=300, deadline=None)
@given(scripts_strategy, markers_strategy)
def test_a_script_is_left_over_only_if_no_eligible_marker_has_room(scripts, markers):
    result = allocate(scripts, markers)
    final = {m.id: m.current_load for m in markers}
    for marker_id in result.assignments.values():
        final[marker_id] += 1
    for script in scripts:
        if script.id in result.unallocated:
            assert not any(
                can_mark(Marker(m.id, m.npqs, m.capacity, m.share, m.delivery_partner, m.school,
                                final[m.id]), script)
                for m in markers
            )
