"""The window rules: release and deadline instants from London wall-clock times."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from assessment_app import deadlines
from assessment_app.deadlines import WindowState, window_instants
from assessment_app.timeformat import deadline_text, london_time, time_left

LONDON_WINTER = date(2026, 11, 24)  # GMT throughout


def test_default_window_releases_at_0001_day_1_and_closes_after_2359_day_8():
    """Defaults: release 00:01 on day 1, deadline the end of 23:59 on day 8 (London)."""
    w = window_instants(LONDON_WINTER)
    assert w.release_at == datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    assert w.closes_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def test_deadline_boundary_to_the_second():
    """23:59:59 on day 8 is in time; 00:00:00 the next day is late."""
    closes_at = window_instants(LONDON_WINTER).closes_at
    assert deadlines.is_in_time(closes_at, datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC))
    assert deadlines.is_in_time(closes_at, datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC))
    assert not deadlines.is_in_time(closes_at, datetime(2026, 12, 2, 0, 0, 0, tzinfo=UTC))
    assert not deadlines.is_in_time(closes_at, datetime(2026, 12, 2, 0, 0, 1, tzinfo=UTC))


def test_release_boundary():
    """The case study is released at the release minute, not a moment before."""
    release_at = window_instants(LONDON_WINTER).release_at
    assert not deadlines.is_released(release_at, release_at - timedelta(microseconds=1))
    assert deadlines.is_released(release_at, release_at)


def test_window_crossing_autumn_clock_change_keeps_wall_clock_times():
    """Day 1 in BST, day 8 in GMT (clocks go back 25 Oct 2026): both at their London times."""
    w = window_instants(date(2026, 10, 20))
    assert w.release_at == datetime(2026, 10, 19, 23, 1, tzinfo=UTC)  # 00:01 BST
    assert w.closes_at == datetime(2026, 10, 28, 0, 0, tzinfo=UTC)  # end of 23:59 GMT


def test_window_crossing_spring_clock_change_keeps_wall_clock_times():
    """Day 1 in GMT, day 8 in BST (clocks go forward 28 Mar 2027)."""
    w = window_instants(date(2027, 3, 25))
    assert w.release_at == datetime(2027, 3, 25, 0, 1, tzinfo=UTC)
    assert w.closes_at == datetime(2027, 4, 1, 23, 0, tzinfo=UTC)  # 00:00 BST on 2 April


def test_custom_times_and_length():
    """Release and deadline times and the length are per-window settings."""
    w = window_instants(date(2026, 6, 1), length_days=3, release_time=time(9, 0),
                        deadline_time=time(17, 0))
    assert w.release_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert w.closes_at == datetime(2026, 6, 3, 16, 1, tzinfo=UTC)


def test_a_window_has_at_least_one_day():
    with pytest.raises(ValueError):
        window_instants(LONDON_WINTER, length_days=0)


def test_window_state_follows_the_clock():
    """Scheduled before release, open until the deadline, closed from the first late instant."""
    w = window_instants(LONDON_WINTER)
    assert deadlines.window_state(w, w.release_at - timedelta(seconds=1)) is WindowState.SCHEDULED
    assert deadlines.window_state(w, w.release_at) is WindowState.OPEN
    assert deadlines.window_state(w, w.closes_at - timedelta(seconds=1)) is WindowState.OPEN
    assert deadlines.window_state(w, w.closes_at) is WindowState.CLOSED


def test_extension_only_moves_the_deadline_later():
    """A personal deadline from an extension replaces the window's, but never shortens it."""
    closes = window_instants(LONDON_WINTER).closes_at
    later = closes + timedelta(days=7)
    assert deadlines.personal_closes_at(closes, None) == closes
    assert deadlines.personal_closes_at(closes, later) == later
    assert deadlines.personal_closes_at(closes, closes - timedelta(days=1)) == closes


def test_deadline_is_shown_as_the_last_minute_in_london_time():
    """People read "11:59pm on Tuesday 1 December 2026", the last minute that is in time."""
    assert deadline_text(window_instants(LONDON_WINTER).closes_at) == \
        "11:59pm on Tuesday 1 December 2026"
    assert london_time(datetime(2026, 7, 1, 11, 0, tzinfo=UTC)) == "midday on Wednesday 1 July 2026"
    assert london_time(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "9:05am on Wednesday 1 July 2026"


def test_time_left_in_words():
    closes = datetime(2026, 12, 2, tzinfo=UTC)
    assert time_left(closes, closes - timedelta(days=2, hours=5, minutes=3, seconds=30)) == \
        "2 days, 5 hours and 3 minutes"
    assert time_left(closes, closes - timedelta(hours=1)) == "1 hour"
    assert time_left(closes, closes - timedelta(seconds=20)) == "less than a minute"
    assert time_left(closes, closes) == ""


def test_naive_datetimes_are_refused():
    """Instants must be aware; a naive datetime is a bug, not a London or UTC time."""
    with pytest.raises(ValueError):
        london_time(datetime(2026, 1, 1))


def test_a_deadlines_day_is_the_london_day_of_its_last_minute_in_winter_and_summer():
    """closes_at is the next day's first instant; the deadline's day is the day before it."""
    for day in (date(2026, 12, 1), date(2026, 6, 30)):
        assert deadlines.deadline_day(deadlines.deadline_closes_at(day, time(23, 59))) == day


@pytest.mark.parametrize(("first_day", "latest_text"), [
    # Deadline Saturday 17 October (BST); 14 days on is Saturday 31 October (GMT): BST ends
    # on Sunday 25 October 2026 in between.
    (date(2026, 10, 10), "11:59pm on Saturday 31 October 2026"),
    # Deadline Saturday 20 March 2027 (GMT); BST starts on Sunday 28 March 2027.
    (date(2027, 3, 13), "11:59pm on Saturday 3 April 2027"),
])
def test_the_longest_extension_is_counted_in_london_days_across_a_clock_change(first_day,
                                                                               latest_text):
    """14 days after the deadline means the deadline time on the London day 14 days later,
    not 14 x 24 hours (which is an hour short or over when the clocks change)."""
    closes = window_instants(first_day).closes_at
    latest = deadlines.latest_extension(closes, time(23, 59), 14)
    assert deadline_text(latest) == latest_text
    last_day = deadlines.deadline_day(closes) + timedelta(days=14)
    assert latest == deadlines.deadline_closes_at(last_day, time(23, 59))
