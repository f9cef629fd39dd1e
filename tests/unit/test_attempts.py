"""Two counted attempts; voided and deferred attempts do not count; a pass or two counted
non-passes end the NPQ."""

import pytest

from assessment_app.attempts import Standing, ledger, meets_engagement


@pytest.mark.parametrize("outcomes, standing, counted", [
    ([], Standing.MAY_ENTER, 0),
    ([None], Standing.IN_PROGRESS, 1),
    (["passed"], Standing.ACHIEVED, 1),
    (["failed"], Standing.MAY_ENTER, 1),
    (["failed", "passed"], Standing.ACHIEVED, 2),
    (["failed", "failed"], Standing.NOT_ACHIEVED, 2),
    (["lost_engagement", "passed"], Standing.ACHIEVED, 2),
    (["not_submitted", "failed"], Standing.NOT_ACHIEVED, 2),
    (["voided", "failed"], Standing.MAY_ENTER, 1),
    (["deferred", "voided", "failed", "failed"], Standing.NOT_ACHIEVED, 2),
    (["deferred", None], Standing.IN_PROGRESS, 1),
    (["failed", None], Standing.IN_PROGRESS, 2),
])
def test_the_ledger(outcomes, standing, counted):
    result = ledger(outcomes)
    assert (result.standing, result.counted) == (standing, counted)


def test_attempts_left():
    assert ledger(["failed"]).attempts_left == 1
    assert ledger(["failed", "failed"]).attempts_left == 0


@pytest.mark.parametrize("percent, meets", [(None, False), (89.99, False), (90, True), (100, True)])
def test_the_engagement_gate_is_90_percent(percent, meets):
    assert meets_engagement(percent) is meets
