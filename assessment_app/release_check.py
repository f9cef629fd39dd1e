"""What releasing a window's results will do and what still looks wrong, in words: the admin's
check before the release (confirmations.Check). Plain rules from counts gathered by
services/release_check.py; no Flask, no database."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from .confirmations import Check, Warning
from .timeformat import london_time, plural

ACTION = "release results"


@dataclass(frozen=True)
class ReleaseFacts:
    """Counts for one window at one moment (services/release_check.gather)."""

    closed: bool
    closes_at: datetime
    release_set: datetime | None  # a release already set (scheduled, or done)
    results: Counter  # outcome text (attempts.OUTCOME_TEXT, MISCONDUCT, NO_RESULT) -> people
    emailed: int  # participants told their result is ready
    still_open: int  # entries whose own deadline (an extension) has not passed
    refusal: str | None  # the scripts still being marked, second-marked or moderated
    unfinished: Counter  # stage (first marking, second marking, moderation) -> scripts
    unopened_pairs: int  # pairs at or above the threshold with no misconduct case
    top_overlap: float | None  # the highest overlap among them
    threshold: int
    checked: bool  # a similarity check has finished for the window
    scripts: int  # scripts whose deadline has passed
    undecided_cases: int
    open_claims: int


MISCONDUCT = "Failed for academic misconduct"
NO_RESULT = "No result yet"  # the rule cannot give one: checking unfinished


def check(facts: ReleaseFacts, when: datetime, at: datetime,
          links: dict[str, str]) -> Check:
    """The check for releasing at `when` (now if not later than `at`); `links` are the pages
    where each warning is put right: similarity, requests."""
    now = when <= at
    # "Now" names no minute: the fingerprint must not change while the admin reads the page.
    rows = [("When", "Now, when you confirm" if now else london_time(when))]
    if facts.release_set is not None and facts.release_set > at:
        rows.append(("Release already set", f"{london_time(facts.release_set)}: this replaces it"))
    rows.append(("Participants who get a result",
                 str(sum(n for label, n in facts.results.items() if label != NO_RESULT))))
    # Passes and fails always, then any other outcome the rule gives, most first.
    others = [(label, n) for label, n in facts.results.most_common()
              if label not in ("Passed", "Failed")]
    rows += [(label, str(facts.results[label])) for label in ("Passed", "Failed")]
    rows += [(label, str(n)) for label, n in others]
    rows.append(("Emails", (f"{plural(facts.emailed, 'participant')} emailed that their result "
                            f"is ready, {'now' if now else 'at the release time'}")))
    if facts.still_open:
        rows.append(("Results later", (
            f"{plural(facts.still_open, 'participant')} still within their own deadline (an "
            "extension): each result is released by itself once that script is marked")))
    if not now:
        rows.append(("At the release time", (
            "The results are worked out again. If any script's checking is unfinished then, "
            "nothing is released and the admins are emailed.")))
    return Check(ACTION, rows, _warnings(facts, links), _blockers(facts, at))


def _blockers(facts: ReleaseFacts, at: datetime) -> list[str]:
    if facts.release_set is not None and facts.release_set <= at:
        return [f"Results were released at {london_time(facts.release_set)}."]
    if not facts.closed:
        return [f"The window has not closed: it closes at {london_time(facts.closes_at)}."]
    if not facts.refusal:
        return []
    stages = [f"{plural(n, 'script')} waiting for {stage}"
              for stage, n in facts.unfinished.most_common()]
    return [f"Still to do: {', '.join(stages)}.", facts.refusal]


def _warnings(facts: ReleaseFacts, links: dict[str, str]) -> list[Warning]:
    out = []
    if facts.unopened_pairs:
        n = facts.unopened_pairs
        out.append(Warning(
            f"{plural(n, 'pair')} of scripts at or above the {facts.threshold}% similarity "
            f"threshold (up to {facts.top_overlap:.0f}%) {'has' if n == 1 else 'have'} no "
            "misconduct case: their participants get their marked result.",
            links["similarity"], "Look at the pairs"))
    if not facts.checked and facts.scripts:
        out.append(Warning("No similarity check has finished for this window: nobody has "
                           "looked for copying.", links["similarity"], "Check for similarity"))
    if facts.undecided_cases:
        n = facts.undecided_cases
        out.append(Warning(
            f"{plural(n, 'misconduct case')} {'is' if n == 1 else 'are'} not decided: "
            f"{'its participant gets the' if n == 1 else 'their participants get their'} marked "
            "result, and a finding of misconduct later becomes an amendment (emailed, and "
            "shown in the DfE return).", links["similarity"], "See the cases"))
    if facts.open_claims:
        n = facts.open_claims
        out.append(Warning(
            f"{plural(n, 'extenuating circumstances claim')} {'is' if n == 1 else 'are'} not "
            "decided: a claim decided later as a void or a deferral changes a released result "
            "by an amendment.", links["requests"], "Decide the claims"))
    return out
