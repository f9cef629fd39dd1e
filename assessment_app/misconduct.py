"""Academic-misconduct decisions: what an admin may decide, and how it reaches the attempt.

A case ends in one decision, with a reason: no case to answer, or upheld, which the provider's
policy records as a failed attempt (it counts as one of the two). The outcome is recorded as
every marked outcome is (attempts.py, dfe_return.py): before results are recorded, the attempt
is recorded as failed at the results release instead of its marked outcome; after, the
recorded outcome is amended to failed with the reason (an OutcomeAmendment, so the DfE return
shows the row as amended).
"""

from enum import StrEnum

from .attempts import AttemptOutcome


class Decision(StrEnum):
    NO_CASE = "no_case"
    UPHELD = "upheld"


DECISION_TEXT = {
    Decision.NO_CASE: "No case to answer: the outcome stands",
    Decision.UPHELD: "Misconduct found: the attempt is recorded as failed",
}
# The outcome an upheld case gives the attempt, under the provider's policy.
UPHELD_OUTCOME = AttemptOutcome.FAILED


class Appeal(StrEnum):
    """The outcome of a participant's appeal against an upheld decision."""

    ALLOWED = "allowed"  # the misconduct finding is overturned: the marks decide again
    DISMISSED = "dismissed"  # the finding and the fail stand


APPEAL_TEXT = {
    Appeal.ALLOWED: "Appeal allowed: the misconduct finding is overturned",
    Appeal.DISMISSED: "Appeal dismissed: the finding and the fail stand",
}


class DecisionRefused(Exception):
    """A decision that cannot be recorded; the message says why."""


class Applied(StrEnum):
    NOTHING = "nothing"  # no case to answer
    AT_RELEASE = "at_release"  # results not yet recorded: failed when they are
    AMEND = "amend"  # a recorded outcome becomes failed by an amendment
    ALREADY = "already"  # already recorded as failed


def check_decision(already_decided: bool, decision: str, reason: str) -> Decision:
    if already_decided:
        raise DecisionRefused("This case already has a decision.")
    if decision not in {d.value for d in Decision}:
        raise DecisionRefused("Choose a decision.")
    if not reason.strip():
        raise DecisionRefused("Give the reason for the decision.")
    return Decision(decision)


def check_appeal(decision: str | None, already_decided: bool, appeal: str,
                 reason: str) -> Appeal:
    """An appeal's outcome may be recorded once, on an upheld case, with a reason."""
    if decision != Decision.UPHELD.value:
        raise DecisionRefused("Only an upheld misconduct decision can be appealed.")
    if already_decided:
        raise DecisionRefused("The appeal against this decision has already been decided.")
    if appeal not in {a.value for a in Appeal}:
        raise DecisionRefused("Choose the outcome of the appeal.")
    if not reason.strip():
        raise DecisionRefused("Give the reason for the appeal's outcome: the participant will "
                              "see it.")
    return Appeal(appeal)


def how_applied(decision: Decision, results_recorded: bool, outcome: str | None) -> Applied:
    """How the decision reaches the attempt's outcome."""
    if decision is Decision.NO_CASE:
        return Applied.NOTHING
    if not results_recorded or outcome is None:
        return Applied.AT_RELEASE
    return Applied.ALREADY if outcome == UPHELD_OUTCOME else Applied.AMEND
