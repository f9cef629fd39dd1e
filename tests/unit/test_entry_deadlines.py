"""One rule decides a participant's deadline: the latest of the window's, the access
arrangement's (capped) and every extension in force; no extension ever shortens it; days are
London days, across clock changes too."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_app.clock import LONDON
from assessment_app.deadlines import deadline_closes_at, window_instants
from assessment_app.entry_deadlines import (
    Granted,
    WindowTerms,
    arrangement_closes_at,
    entry_closes_at,
    extension_problem,
    stored_deadline,
    withdrawal_problem,
)

# The test window: 24 November to 1 December 2026 (GMT), 14 days' extension limit.
WINDOW = WindowTerms(window_instants(date(2026, 11, 24)).closes_at, time(23, 59), 14)
# A window whose deadline, 22 October 2026, is three days before the end of BST.
AUTUMN = WindowTerms(window_instants(date(2026, 10, 15)).closes_at, time(23, 59), 5)


def on(day: int, month: int = 12) -> datetime:
    return deadline_closes_at(date(2026, month, day), time(23, 59))


def test_the_window_deadline_without_extensions():
    assert entry_closes_at(WINDOW, []) == WINDOW.closes_at
    assert stored_deadline(WINDOW, []) is None


def test_the_latest_extension_wins_whatever_the_order():
    """An arrangement to 6 December and an EC extension to 10 December are not cut back by a
    one-day group extension to 2 December."""
    granted = [Granted(extra_days=5), Granted(closes_at=on(10)), Granted(closes_at=on(2))]
    assert entry_closes_at(WINDOW, granted) == on(10)
    assert entry_closes_at(WINDOW, granted[::-1]) == on(10)
    assert entry_closes_at(WINDOW, [Granted(extra_days=5), Granted(closes_at=on(2))]) == on(6)


def test_an_arrangement_is_capped_at_the_window_limit():
    assert arrangement_closes_at(WINDOW, 28) == on(15)
    assert arrangement_closes_at(replace_limit(WINDOW, 0), 3) is None


def replace_limit(window, days):
    return WindowTerms(window.closes_at, window.deadline_time, days)


def test_an_arrangement_across_the_end_of_bst_ends_at_the_deadline_time():
    """22 October (BST) + 5 days, capped at 5 days: 23:59 GMT on 27 October, not an hour early."""
    closes = arrangement_closes_at(AUTUMN, 9)
    assert closes == datetime(2026, 10, 28, 0, 0, tzinfo=UTC)
    assert closes == AUTUMN.latest


def test_an_extension_must_be_later_than_the_window_and_within_its_limit():
    assert extension_problem(WINDOW, WINDOW.closes_at) is not None
    assert extension_problem(WINDOW, on(15)) is None
    assert extension_problem(WINDOW, on(16)) is not None


def test_taking_an_extension_back_only_while_the_deadline_it_leaves_is_ahead():
    assert withdrawal_problem(on(4), on(4) - timedelta(seconds=1)) is None
    assert withdrawal_problem(on(4), on(4)) is not None


days = st.integers(min_value=2, max_value=15)
granted = st.one_of(st.builds(lambda d: Granted(closes_at=on(d)), days),
                    st.builds(lambda d: Granted(extra_days=d), st.integers(1, 28)))


@given(st.lists(granted, max_size=6), granted)
def test_no_extension_ever_moves_a_deadline_earlier(existing, new):
    before = entry_closes_at(WINDOW, existing)
    after = entry_closes_at(WINDOW, [*existing, new])
    assert after >= before >= WINDOW.closes_at


@given(st.lists(granted, max_size=6))
def test_the_deadline_is_one_of_the_facts(existing):
    closes = entry_closes_at(WINDOW, existing)
    assert closes in {WINDOW.closes_at} | {g.closes_at or arrangement_closes_at(WINDOW, g.extra_days)
                                          for g in existing}


@pytest.mark.parametrize("first_day", [date(2026, 3, 20), date(2026, 10, 20)])
def test_every_deadline_ends_at_the_deadline_time_in_london(first_day):
    window = WindowTerms(window_instants(first_day).closes_at, time(23, 59), 14)
    for extra in range(1, 15):
        closes = arrangement_closes_at(window, extra)
        assert closes.astimezone(LONDON).time() == time(0, 0)


WINDOW_CLOSES = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # after 23:59 on 1 December (GMT)


def test_an_arrangement_moves_the_deadline_by_whole_london_days_at_the_window_time():
    assert arrangement_closes_at(WindowTerms(WINDOW_CLOSES, time(23, 59), 14), 5) == datetime(
        2026, 12, 7, 0, 0, tzinfo=UTC)


def test_an_arrangement_never_passes_the_window_extension_limit():
    assert arrangement_closes_at(WindowTerms(WINDOW_CLOSES, time(23, 59), 14), 20) == datetime(
        2026, 12, 16, 0, 0, tzinfo=UTC)


def test_an_arrangement_across_the_clock_change_keeps_the_wall_clock_deadline():
    """A window ending 23:59 BST on Friday 23 October 2026, with 3 extra days: 23:59 GMT on
    Monday 26 October (the clocks went back on the 25th)."""
    closes = datetime(2026, 10, 23, 23, 0, tzinfo=UTC)
    assert arrangement_closes_at(WindowTerms(closes, time(23, 59), 14), 3) == datetime(
        2026, 10, 27, 0, 0, tzinfo=UTC)
