"""The checks before an admin's decision that changes an attempt for good (confirmations.Check):
an extenuating-circumstances decision (a void above all) and an amendment of a recorded outcome.
Plain rules: the outcome before and the one the outcome rule gives after are passed in."""

from .attempts import OUTCOME_TEXT, AttemptOutcome
from .confirmations import Check
from .dfe_return import dfe_outcome


def _outcome(outcome: str | None) -> str:
    return OUTCOME_TEXT[AttemptOutcome(outcome) if outcome else None]


def outcome_change(before: str | None, after: str | None, reported: str | None) -> str:
    """What happens to the attempt's recorded outcome, and to its row in the DfE return."""
    if before == after:
        text = f"The attempt's outcome stays: {_outcome(after).lower()}."
    else:
        text = f"The attempt's outcome changes from {_outcome(before).lower()} to " \
               f"{_outcome(after).lower()}."
    if reported and after and dfe_outcome(after) != dfe_outcome(reported):
        text += (" It is already in the DfE return: the row is amended (and kept), and the "
                 "participant is emailed the amendment.")
    return text


# How each decision changes the attempt's facts (attempt_outcome.AttemptFacts), so the check
# shows the outcome the rule will give. A claim decided no longer holds a non-submission.
CLAIM_FACTS = {
    "reject": {"ec_pending": False},
    "extension": {"ec_pending": False, "deadline_passed": False},
    "defer": {"ec_pending": False, "deferred": True},
    "void": {"ec_pending": False, "voided": True},
}

CLAIM_ACTIONS = {
    "reject": "reject this claim",
    "extension": "grant this extension",
    "defer": "defer this attempt",
    "void": "void this attempt",
}


def claim_check(who: str, decision: str, decision_text: str, detail: str | None, reason: str,
                before: str | None, after: str | None, reported: str | None,
                decided: bool) -> Check:
    """`decision_text` says the decision in words and `detail` the date or window it names."""
    rows = [("Participant", who), ("Decision", decision_text)]
    if detail:
        rows.append(("Extension to" if decision == "extension" else "Moved to", detail))
    rows += [
        ("Reason (the participant will see it)", reason.strip()),
        ("What happens to the attempt", outcome_change(before, after, reported)),
        ("Emails", "The participant is emailed the decision and your reason."),
        ("Afterwards", "A claim is decided once." + (
            " An extension can be taken back while the deadline it gives is still ahead."
            if decision == "extension" else "")),
    ]
    return Check(CLAIM_ACTIONS[decision], rows,
                 blockers=["This claim has already been decided."] if decided else [])


def amendment_check(who: str, before: str, after: str, completion: str, reason: str,
                    reported: str | None) -> Check:
    return Check("amend this outcome", [
        ("Participant", who),
        ("New outcome", _outcome(after)),
        ("Completion date", completion),
        ("Reason (the participant will see it)", reason.strip()),
        ("What happens", outcome_change(before, after, reported)),
        ("Afterwards", ("The amendment is kept with who, when and why. Another amendment can "
                        "change the outcome again, but the participant has been told and the "
                        "DfE return keeps the row as amended.")),
    ])


def deferral_check(who: str, agree: bool, to_window: str | None, reason: str,
                   before: str | None, after: str | None, reported: str | None) -> Check:
    """A deferral request: agreed, the attempt ends as deferred and they are entered later."""
    rows = [("Participant", who), ("Decision", "Agree" if agree else "Refuse")]
    if agree:
        rows.append(("Moved to", (f"{to_window}: a new entry there, subject to that window's "
                                  "90% engagement check")))
    rows += [
        ("Reason (the participant will see it)", reason.strip()),
        ("What happens to the attempt", outcome_change(before, after, reported) if agree else
         "Nothing changes: they stay entered in this window."),
        ("Emails", "The participant is emailed the decision and your reason."),
        ("Afterwards", "A deferral request is decided once."),
    ]
    return Check("agree to this deferral" if agree else "refuse this deferral", rows)


def review_request_check(who: str, accept: bool, reviewer: str | None, reason: str) -> Check:
    """A request for a review of marking: one per attempt, so a rejection is final."""
    rows = [("Participant", who), ("Decision", "Accept" if accept else "Reject")]
    if accept:
        rows.append(("Reviewer", reviewer or ""))
    rows += [
        ("Reason (the participant will see it)", reason.strip()),
        ("What happens", (
            "The reviewer is emailed and marks the script again; a different outcome becomes an "
            "amendment, the same one is kept." if accept else
            "The request is closed. A review can be asked for once per attempt, so the "
            "participant cannot ask again.")),
        ("Emails", "The participant is emailed the decision and your reason."),
    ]
    return Check("accept this review request" if accept else "reject this review request", rows)
