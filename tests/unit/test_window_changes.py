"""The rule of which changes to a live window hurt participants, help them, or touch no one."""

import ast
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from assessment_app.deadlines import deadline_closes_at, window_instants
from assessment_app.window_changes import GateChangeKind, Terms, length_warning, review

# The test window: 24 November to 1 December 2026 (GMT), released at 00:01 on day 1.
INSTANTS = window_instants(date(2026, 11, 24))
BEFORE_RELEASE = datetime(2026, 11, 24, 0, 0, 59, tzinfo=UTC)
RELEASED = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
LAST_SECOND = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
CLOSED = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
CURRENT = Terms(release_at=INSTANTS.release_at, closes_at=INSTANTS.closes_at, length_days=8,
                deadline_time=time(23, 59), word_limit=1500, tolerance_percent=10,
                max_extension_days=14, npq_codes=frozenset({"NPQLTD", "NPQSL"}))


def proposed(length_days=8, deadline_time=time(23, 59), **changes) -> Terms:
    instants = window_instants(date(2026, 11, 24), length_days, time(0, 1),
                               deadline_time)
    return replace(CURRENT, closes_at=instants.closes_at, length_days=length_days,
                   deadline_time=deadline_time, **changes)


def fields(result):
    return [r.field for r in result.refusals]


@pytest.mark.parametrize("change,field", [
    (dict(length_days=7), "length_days"),
    (dict(deadline_time=time(17, 0)), "deadline_time"),
    (dict(word_limit=1000), "word_limit"),
    (dict(tolerance_percent=5), "tolerance_percent"),
    (dict(npq_codes=frozenset({"NPQLTD"})), "npq_codes"),
    (dict(release_at=INSTANTS.release_at + timedelta(hours=9)), "release_time"),
])
def test_after_release_every_change_that_hurts_is_refused_on_its_field(change, field):
    """Fewer days, an earlier time, a lower limit or tolerance, a dropped NPQ, a moved release."""
    result = review(CURRENT, proposed(**change), RELEASED)
    assert fields(result) == [field]
    assert not result.improvements


def test_the_same_changes_are_free_a_second_before_release():
    """Before the release minute nobody has the case study: nothing is refused or emailed."""
    result = review(CURRENT, proposed(length_days=8, deadline_time=time(17, 0), word_limit=1000,
                                      tolerance_percent=0), BEFORE_RELEASE)
    assert not result.refusals and not result.improvements and not result.needs_confirmation


def test_refusals_name_the_current_value():
    result = review(CURRENT, proposed(length_days=6, word_limit=1000, tolerance_percent=0),
                    RELEASED)
    messages = " ".join(r.message for r in result.refusals)
    assert "it is 8 days long, with the deadline at 11:59pm on Tuesday 1 December 2026" in messages
    assert "The word limit cannot be lowered" in messages and "it is 1,500 words" in messages
    assert "The tolerance cannot be lowered" in messages and "it is 10%" in messages


def test_an_earlier_deadline_by_any_route_is_refused_even_if_one_part_moves_later():
    """Seven days ending at 23:59 is earlier than eight ending at 09:00: the length is blamed."""
    assert fields(review(CURRENT, proposed(length_days=7, deadline_time=time(23, 59)), RELEASED)) \
        == ["length_days"]
    both = review(CURRENT, proposed(length_days=7, deadline_time=time(9, 0)), RELEASED)
    assert fields(both) == ["length_days", "deadline_time"]


def test_more_days_with_an_earlier_time_is_still_a_later_deadline():
    """Judged by the deadline instant: 9 days to 09:00 ends after 8 days to 23:59."""
    result = review(CURRENT, proposed(length_days=9, deadline_time=time(9, 0)), RELEASED)
    assert not result.refusals
    assert [i.field for i in result.improvements] == ["deadline"]


def test_a_lower_tolerance_is_refused_even_when_the_limit_rises():
    result = review(CURRENT, proposed(word_limit=2000, tolerance_percent=0), RELEASED)
    assert fields(result) == ["tolerance_percent"]
    assert not result.improvements


def test_changes_that_help_need_confirmation_and_describe_before_and_after():
    """A later deadline and a higher limit are allowed at the last second, with confirmation."""
    result = review(CURRENT, proposed(length_days=10, word_limit=2000), LAST_SECOND)
    assert not result.refusals and result.needs_confirmation
    deadline, limit = result.improvements
    assert (deadline.before, deadline.after) == ("11:59pm on Tuesday 1 December 2026",
                                                 "11:59pm on Thursday 3 December 2026")
    assert limit.before.startswith("1,500 words") and limit.after.startswith("2,000 words")


def test_a_higher_tolerance_alone_helps():
    result = review(CURRENT, proposed(tolerance_percent=20), RELEASED)
    assert [i.field for i in result.improvements] == ["word_limit"]
    assert "20%" in result.improvements[0].after


@pytest.mark.parametrize("change", [
    dict(length_days=10), dict(word_limit=2000), dict(tolerance_percent=20),
])
def test_after_the_deadline_even_helpful_changes_are_refused(change):
    """From the first late instant, submissions are closed: extensions give more time."""
    result = review(CURRENT, proposed(**change), CLOSED)
    assert len(result.refusals) == 1 and not result.improvements


def test_changes_that_touch_no_participant_need_no_confirmation():
    """A longer extension limit (or a shorter one still covering every extension) is neutral."""
    for change in (dict(max_extension_days=30), dict(max_extension_days=5)):
        result = review(CURRENT, proposed(**change), RELEASED)
        assert not result.refusals and not result.needs_confirmation


def test_the_extension_limit_cannot_fall_below_an_extension_already_granted():
    """An extension to 6 December is 5 days after the deadline: 5 is allowed, 4 is not."""
    granted = deadline_closes_at(date(2026, 12, 6), time(23, 59))
    assert not review(CURRENT, proposed(max_extension_days=5), RELEASED, granted).refusals
    result = review(CURRENT, proposed(max_extension_days=4), RELEASED, granted)
    assert fields(result) == ["max_extension_days"]
    assert "cannot be less than 5 days" in result.refusals[0].message
    assert "11:59pm on Sunday 6 December 2026" in result.refusals[0].message
    assert "It is 14 days now" in result.refusals[0].message


def test_an_extension_limit_across_the_end_of_bst_counts_london_days():
    """A window ending on Saturday 17 October 2026 (BST) with an extension granted to 31 October
    (GMT, after the clocks go back): a limit of 14 days still covers it, 13 does not."""
    autumn = window_instants(date(2026, 10, 10))
    current = replace(CURRENT, release_at=autumn.release_at, closes_at=autumn.closes_at)
    granted = deadline_closes_at(date(2026, 10, 31), time(23, 59))
    released = autumn.release_at
    assert not review(current, replace(current, max_extension_days=14), released, granted).refusals
    result = review(current, replace(current, max_extension_days=13), released, granted)
    assert fields(result) == ["max_extension_days"]
    assert "cannot be less than 14 days" in result.refusals[0].message


def test_the_engagement_deadline_cannot_change_after_release():
    moved = CURRENT.release_at - timedelta(days=3)
    assert fields(review(CURRENT, proposed(engagement_deadline=moved), RELEASED)) \
        == ["engagement_deadline"]


@pytest.mark.parametrize("length,previous,warned", [
    (8, None, False), (7, None, True), (9, None, True), (1, None, True),
    (10, 10, False), (10, 8, True), (8, 10, False),
])
def test_a_window_is_8_days_unless_the_admin_confirms_another_length(length, previous, warned):
    assert (length_warning(length, previous) is not None) is warned


def test_a_non_8_day_length_asks_for_confirmation_before_release_too():
    result = review(CURRENT, proposed(length_days=9), BEFORE_RELEASE)
    assert result.warnings == ["This window will be 9 days long. Assessment windows are "
                               "normally 8 days."]
    assert result.needs_confirmation and not result.improvements


def test_the_fingerprint_changes_with_what_is_confirmed():
    """A confirmation of a 10-day window never confirms an 11-day one."""
    ten = review(CURRENT, proposed(length_days=10), RELEASED)
    eleven = review(CURRENT, proposed(length_days=11), RELEASED)
    assert ten.fingerprint != eleven.fingerprint
    assert ten.fingerprint == review(CURRENT, proposed(length_days=10), RELEASED).fingerprint


def test_the_rule_imports_no_flask():
    source = Path(__file__).resolve().parents[2] / "assessment_app" / "window_changes.py"
    tree = ast.parse(source.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if "flask" in name.lower()]


# The engagement deadline before release: it reaches the entries waiting at its 90% gate.
ENGAGEMENT = deadline_closes_at(date(2026, 11, 10), time(23, 59))  # 00:00 UTC on 11 November
GATED = replace(CURRENT, engagement_deadline=ENGAGEMENT)
BEFORE_GATE = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def engagement_on(day: date | None):
    return replace(GATED, engagement_deadline=deadline_closes_at(day, time(23, 59)) if day
                   else None)


def test_moving_the_engagement_deadline_earlier_needs_confirming_for_those_waiting():
    result = review(GATED, engagement_on(date(2026, 11, 5)), BEFORE_GATE, waiting=3)
    assert not result.refusals and result.needs_confirmation
    change = result.gate_change
    assert (change.kind, change.helps, change.waiting) == (GateChangeKind.EARLIER, False, 3)
    assert change.describe() == (
        "The engagement deadline moves earlier, from 11:59pm on Tuesday 10 November 2026 to "
        "11:59pm on Thursday 5 November 2026. 3 participants waiting for the 90% engagement "
        "check will have less time to reach 90% or ask to defer, and each is emailed the new "
        "deadline.")


def test_moving_the_engagement_deadline_later_helps_those_waiting():
    change = review(GATED, engagement_on(date(2026, 11, 20)), BEFORE_GATE, waiting=1).gate_change
    assert (change.kind, change.helps) == (GateChangeKind.LATER, True)
    assert "1 participant waiting for the 90% engagement check will have more time" in \
        change.describe()


def test_clearing_the_engagement_deadline_needs_confirming_and_says_the_gate_applies_at_once():
    result = review(GATED, engagement_on(None), BEFORE_GATE, waiting=2)
    assert result.gate_change.kind is GateChangeKind.CLEARED and result.needs_confirmation
    assert "checked as soon as you save" in result.gate_change.describe()


def test_clearing_it_is_refused_while_a_deferral_request_waits_for_a_decision():
    result = review(GATED, engagement_on(None), BEFORE_GATE, waiting=2, deferrals_pending=1)
    assert fields(result) == ["engagement_deadline"] and result.gate_change is None
    assert "while 1 deferral request waits for a decision" in result.refusals[0].message


def test_moving_it_to_a_moment_already_past_is_refused_to_the_second():
    """The new deadline (00:00 UTC on 6 November, after 23:59 on the 5th) is refused from that
    instant on, and needs confirming a second before it."""
    new = engagement_on(date(2026, 11, 5))
    passed = datetime(2026, 11, 6, 0, 0, tzinfo=UTC)
    result = review(GATED, new, passed, waiting=3)
    assert fields(result) == ["engagement_deadline"]
    assert result.refusals[0].message == (
        "The engagement deadline cannot be 11:59pm on Thursday 5 November 2026: that has "
        "already passed, so participants waiting for the 90% engagement check would lose "
        "their attempt at once, with no time to reach 90% or ask to defer. Choose a date "
        "still to come.")
    a_second_before = review(GATED, new, passed - timedelta(seconds=1), waiting=3)
    assert not a_second_before.refusals
    assert a_second_before.gate_change.kind is GateChangeKind.EARLIER
    assert fields(review(GATED, new, passed, waiting=0)) == ["engagement_deadline"]


def test_once_the_engagement_deadline_has_passed_it_cannot_change():
    for change in (engagement_on(date(2026, 11, 20)), engagement_on(None)):
        assert fields(review(GATED, change, ENGAGEMENT)) == ["engagement_deadline"]
        assert not review(GATED, change, ENGAGEMENT - timedelta(seconds=1), waiting=1).refusals
    message = review(GATED, engagement_on(None), ENGAGEMENT).refusals[0].message
    assert message == ("The engagement deadline passed at 11:59pm on Tuesday 10 November 2026 "
                       "and entries were decided by it, so it can no longer change.")


def test_an_engagement_deadline_change_with_nobody_waiting_touches_no_one():
    for change in (engagement_on(date(2026, 11, 5)), engagement_on(date(2026, 11, 20)),
                   engagement_on(None)):
        result = review(GATED, change, BEFORE_GATE, waiting=0)
        assert not result.refusals and not result.needs_confirmation


def test_a_past_engagement_deadline_set_where_there_was_none_is_refused_only_if_someone_waits():
    """With no deadline everyone was checked when entered; a stranded entry waiting at no gate
    would be lost at once."""
    past = replace(CURRENT, engagement_deadline=ENGAGEMENT)
    assert not review(CURRENT, past, BEFORE_RELEASE).refusals
    assert fields(review(CURRENT, past, BEFORE_RELEASE, waiting=1)) == ["engagement_deadline"]


def test_confirming_one_engagement_deadline_change_never_confirms_another():
    earlier = review(GATED, engagement_on(date(2026, 11, 5)), BEFORE_GATE, waiting=3)
    other = review(GATED, engagement_on(date(2026, 11, 6)), BEFORE_GATE, waiting=3)
    cleared = review(GATED, engagement_on(None), BEFORE_GATE, waiting=3)
    assert len({earlier.fingerprint, other.fingerprint, cleared.fingerprint}) == 3


def test_a_release_moved_earlier_asks_for_confirmation_and_says_who_can_read_it():
    """Before release: a release brought forward to a minute already past goes out as soon as
    the change is saved; one brought forward to a later minute goes out sooner than planned.
    A release moved later is not asked about."""
    at = BEFORE_RELEASE - timedelta(days=2)
    now = review(CURRENT, replace(proposed(), release_at=at - timedelta(hours=1)), at, entered=3)
    assert now.warnings == [
        "The case study will be released as soon as you save, not at 12:01am on Tuesday 24 "
        "November 2026: 3 participants entered can read it straight away. A release cannot be "
        "undone."]
    sooner = review(CURRENT, replace(proposed(), release_at=at + timedelta(hours=1)), at,
                    entered=1)
    assert sooner.warnings[0].startswith("The case study will be released earlier, at ")
    assert "1 participant entered can read it from then" in sooner.warnings[0]
    assert sooner.needs_confirmation and sooner.fingerprint != now.fingerprint
    later = review(CURRENT, replace(proposed(), release_at=INSTANTS.release_at + timedelta(
        days=1)), at, entered=3)
    assert not later.needs_confirmation
