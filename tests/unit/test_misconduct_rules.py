"""The misconduct decision rules (assessment_app/misconduct.py): one decision, with a reason;
an upheld case fails the attempt at the results release, or by an amendment once recorded."""

import pytest

from assessment_app.misconduct import (
    Applied,
    Decision,
    DecisionRefused,
    check_decision,
    how_applied,
)


@pytest.mark.parametrize(("decided", "decision", "reason", "message"), [
    (True, "upheld", "Copied.", "already has a decision"),
    (False, "expelled", "Copied.", "Choose a decision"),
    (False, "upheld", "  \n ", "Give the reason"),
])
def test_a_decision_is_refused_with_what_to_do(decided, decision, reason, message):
    with pytest.raises(DecisionRefused, match=message):
        check_decision(decided, decision, reason)


def test_a_decision_with_a_reason_is_taken():
    assert check_decision(False, "no_case", "Common phrases only.") is Decision.NO_CASE


@pytest.mark.parametrize(("decision", "recorded", "outcome", "applied"), [
    (Decision.NO_CASE, True, "passed", Applied.NOTHING),
    (Decision.NO_CASE, False, None, Applied.NOTHING),
    (Decision.UPHELD, False, None, Applied.AT_RELEASE),
    (Decision.UPHELD, True, "passed", Applied.AMEND),
    (Decision.UPHELD, True, "voided", Applied.AMEND),
    (Decision.UPHELD, True, "failed", Applied.ALREADY),
])
def test_how_an_upheld_case_reaches_the_attempt(decision, recorded, outcome, applied):
    assert how_applied(decision, recorded, outcome) is applied
