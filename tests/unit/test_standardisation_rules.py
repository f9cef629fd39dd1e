"""Standardisation rules: tolerance, standing, seed rate (no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from assessment_app.rubrics import load_rubric
from assessment_app.settings import PROJECT_ROOT
from assessment_app.standardisation import (
    Decision,
    SeedState,
    Standing,
    compare,
    last_good_seed,
    seeds_due,
    standing,
)

RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
IDS = [c.id for c in RUBRIC.criteria]
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def levels(default="secure", **overrides):
    return {c: overrides.get(c, default) for c in IDS}


AGREED = levels("strong", **{IDS[0]: "secure"})  # a pass


def test_the_same_levels_agree():
    result = compare(RUBRIC, AGREED, AGREED, criteria_off_allowed=1)
    assert result.agrees and result.differences == ()


def test_one_criterion_one_level_off_is_within_tolerance_a_second_is_not():
    one = dict(AGREED, **{IDS[1]: "secure"})
    two = dict(one, **{IDS[2]: "secure"})
    assert compare(RUBRIC, AGREED, one, 1).agrees
    assert not compare(RUBRIC, AGREED, two, 1).agrees
    assert compare(RUBRIC, AGREED, two, 2).agrees  # the window's setting decides


def test_a_criterion_two_levels_off_is_outside_tolerance():
    """Both fails, so the outcome agrees; the two-level gap alone puts it out."""
    result = compare(RUBRIC, levels("developing"), levels("developing", **{IDS[1]: "strong"}), 3)
    assert result.outcome_agrees and result.differences[0].gap == 2 and not result.agrees


def test_a_different_outcome_is_outside_tolerance_even_one_level_off():
    fail = dict(AGREED, **{IDS[0]: "developing"})
    result = compare(RUBRIC, AGREED, fail, 5)
    assert not result.outcome_agrees and not result.agrees
    assert "outcome differs" in result.summary()


@pytest.mark.parametrize("live, given, due", [(18, 0, 0), (19, 0, 1), (37, 1, 0), (38, 1, 1)])
def test_one_script_in_twenty_is_a_seed(live, given, due):
    assert seeds_due(live, given, 20) == due


def q(minutes, agrees=True):
    return SeedState(True, T0 + timedelta(minutes=minutes), agrees)


def live(minutes, agrees):
    return SeedState(False, T0 + timedelta(minutes=minutes), agrees)


def test_standing_through_qualification():
    assert standing(False, [], []) is Standing.NOT_REQUIRED
    assert standing(True, [], []) is Standing.NOT_STARTED
    assert standing(True, [q(1), SeedState(True, None, None)], []) is Standing.QUALIFYING
    assert standing(True, [q(1), q(2)], []) is Standing.LIVE
    assert standing(True, [q(1), q(2, False)], []) is Standing.NOT_QUALIFIED
    cleared = [Decision("clear", T0 + timedelta(minutes=3))]
    assert standing(True, [q(1), q(2, False)], cleared) is Standing.LIVE


def test_drift_flags_until_the_lead_decides_and_stop_holds_until_cleared():
    seeds = [q(1), live(10, True), live(20, False), live(30, True)]
    assert standing(True, seeds, []) is Standing.FLAGGED  # a later good seed does not clear it
    for action in ("feedback", "second_mark"):
        assert standing(True, seeds, [Decision(action, T0 + timedelta(minutes=31))]) is Standing.LIVE
    stopped = [Decision("stop", T0 + timedelta(minutes=31))]
    assert standing(True, seeds, stopped) is Standing.STOPPED
    again = stopped + [Decision("clear", T0 + timedelta(minutes=40))]
    assert standing(True, seeds, again) is Standing.LIVE
    # A decision made at the instant of a seed's check has seen it.
    assert standing(True, seeds[:3], [Decision("feedback", T0 + timedelta(minutes=20))]) is Standing.LIVE


def test_last_good_seed_is_the_latest_within_tolerance():
    assert last_good_seed([q(1), live(10, True), live(20, False)]) == T0 + timedelta(minutes=10)
    assert last_good_seed([q(1, False)]) is None
