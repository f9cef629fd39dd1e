"""What a participant is told about an attempt once it has ended, and what it still allows.

Once an attempt has an outcome it takes no more writing, drafts or uploads, whatever the
clock says: a voided or deferred attempt may still be inside the window's deadline, and a
participant lost at the engagement gate was never entered at all.
"""

from .attempts import AttemptOutcome

# The short status, shown in place of the window's "Open" or "Closed" and the time left.
HEADLINE = {
    AttemptOutcome.PASSED: "Passed",
    AttemptOutcome.FAILED: "Failed",
    AttemptOutcome.VOIDED: "Voided: this attempt does not count",
    AttemptOutcome.NOT_SUBMITTED: "Not submitted by the deadline",
    AttemptOutcome.LOST_ENGAGEMENT: "Not entered: engagement below 90% at the deadline",
    AttemptOutcome.DEFERRED: "Deferred to a later window",
    AttemptOutcome.WITHDRAWN: "Withdrawn: you passed an earlier attempt",
}

EXPLANATION = {
    AttemptOutcome.PASSED: "Your result has been released.",
    AttemptOutcome.FAILED: "Your result has been released.",
    AttemptOutcome.VOIDED: "Your extenuating circumstances were accepted and this attempt was "
                           "voided. It does not count towards your two attempts, and no response "
                           "can be written or submitted for it.",
    AttemptOutcome.NOT_SUBMITTED: "Nothing was submitted by your deadline, so this counts as one "
                                  "of your two attempts. If something beyond your control stopped "
                                  "you, tell us about extenuating circumstances.",
    AttemptOutcome.LOST_ENGAGEMENT: "You had not completed 90% of your programme by the "
                                    "engagement deadline and no deferral was agreed, so you were "
                                    "not entered for this window. This counts as one of your two "
                                    "attempts.",
    AttemptOutcome.DEFERRED: "Your assessment was moved to a later window, shown in your "
                             "assessments. This attempt does not count, and no response can be "
                             "written or submitted for it.",
    AttemptOutcome.WITHDRAWN: "Your earlier attempt at this NPQ has passed, so this resit is no "
                              "longer needed and has been withdrawn. It does not count.",
}

# Outcomes whose deadline still means something to the participant (it passed).
_HAD_A_DEADLINE = {AttemptOutcome.PASSED, AttemptOutcome.FAILED, AttemptOutcome.NOT_SUBMITTED}
_MARKED = {AttemptOutcome.PASSED, AttemptOutcome.FAILED}


def headline(outcome: str) -> str:
    return HEADLINE[AttemptOutcome(outcome)]


def explanation(outcome: str) -> str:
    return EXPLANATION[AttemptOutcome(outcome)]


def has_deadline(outcome: str | None) -> bool:
    """Whether to show a deadline at all: not for attempts that never ran or were set aside."""
    return outcome is None or AttemptOutcome(outcome) in _HAD_A_DEADLINE


def marking_tag(outcome: str | None) -> str | None:
    """The tag on the latest version in the history, if it is or was to be marked."""
    if outcome is None:
        return "Will be marked"
    return "Marked" if AttemptOutcome(outcome) in _MARKED else None


def marking_note(outcome: str | None) -> str:
    """What happens to the latest submitted version."""
    if outcome is None:
        return "This is the version that will be marked."
    if AttemptOutcome(outcome) in _MARKED:
        return "This is the version that was marked."
    return "It will not be marked: this attempt has ended."
