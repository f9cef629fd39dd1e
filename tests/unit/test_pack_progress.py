"""How a moderation pack's build is told: counts, estimated time left and file size."""

from datetime import UTC, datetime, timedelta

from assessment_app.pack_progress import (
    percent,
    scripts_text,
    seconds_left,
    size_text,
    time_left_text,
)

START = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)


def test_the_count_reads_as_a_person_would_say_it():
    assert scripts_text(4200, 20000) == "4,200 of 20,000 scripts"
    assert scripts_text(1, 1) == "1 of 1 script"
    assert (percent(4200, 20000), percent(0, 0), percent(3, 3)) == (21, 0, 100)


def test_time_left_goes_by_the_pace_so_far_and_is_unknown_before_any_pace():
    assert seconds_left(5000, 20000, START, START + timedelta(seconds=2)) == 6
    assert seconds_left(0, 20000, START, START + timedelta(seconds=2)) is None
    assert seconds_left(10, 0, START, START) is None
    assert seconds_left(10, 20, None, START) is None


def test_time_left_is_said_roughly():
    assert time_left_text(None) == "Working out how long is left"
    assert time_left_text(6) == "Less than 10 seconds left"
    assert time_left_text(44) == "About 40 seconds left"
    assert time_left_text(200) == "About 3 minutes left"


def test_sizes_in_the_units_browsers_show():
    assert (size_text(812), size_text(81_200), size_text(59_812_345)) == (
        "812 bytes", "81 KB", "59.8 MB")
