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
from .confirmations import Check, Warning


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


# The checks before each step that cannot be undone (confirmations.Check); `who` names the
# participant and the attempt.

def opening_check(who: str, reason: str) -> Check:
    return Check("open a misconduct case", [
        ("Participant", who),
        ("Why you are opening it", reason.strip()),
        ("What happens", ("The case is recorded with your reason and in the audit log, and "
                          "listed on the window's Similarity page. The participant is not "
                          "told. Until you decide it, the marks decide the attempt's result. "
                          "A case is closed only by a decision.")),
    ])


_APPLIED_TEXT = {
    Applied.NOTHING: "Nothing changes: the marks decide the attempt's result.",
    Applied.AT_RELEASE: "The attempt will be recorded as failed when results are released, "
                        "whatever its marks. It counts as one of the two attempts.",
    Applied.AMEND: "The recorded outcome ({outcome}) becomes failed now, by an amendment: the "
                   "participant is emailed and the DfE return shows the row as amended. It "
                   "counts as one of the two attempts.",
    Applied.ALREADY: "The attempt is already recorded as failed; it stays failed, now for "
                     "misconduct. It counts as one of the two attempts.",
}


def decision_check(who: str, decision: Decision, reason: str, applied: Applied,
                   outcome_text: str, evidence: int, decided: bool) -> Check:
    """`outcome_text`: the recorded outcome in words; `evidence`: items on the case."""
    warnings = []
    if decision is Decision.UPHELD and not evidence:
        warnings.append(Warning("No evidence is recorded on this case."))
    return Check("record this decision", [
        ("Participant", who),
        ("Decision", DECISION_TEXT[decision]),
        ("Reason", reason.strip()),
        ("What happens to the attempt", _APPLIED_TEXT[applied].format(outcome=outcome_text)),
        ("Afterwards", ("The decision is final; only an appeal recorded on the case page "
                        "changes it.")),
    ], warnings, ["This case already has a decision."] if decided else [])


def appeal_check(who: str, appeal: Appeal, reason: str, decided: bool) -> Check:
    happens = (
        "The misconduct finding is lifted: the marks decide the attempt's outcome again (by an "
        "amendment if results are out). The participant is emailed."
        if appeal is Appeal.ALLOWED else
        "The finding and the fail stand. The participant is emailed the outcome and your "
        "reason.")
    return Check("record the appeal's outcome", [
        ("Participant", who),
        ("Outcome of the appeal", APPEAL_TEXT[appeal]),
        ("Reason (the participant will see it)", reason.strip()),
        ("What happens", happens),
        ("Afterwards", "The appeal's outcome is final."),
    ], blockers=["The appeal against this decision has already been decided."] if decided else [])
