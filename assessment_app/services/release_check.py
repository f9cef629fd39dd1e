"""The counts behind the admin's check before releasing a window's results
(release_check.py words them): a fixed number of statements whatever the window's size."""

import dataclasses
from collections import Counter
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ..attempt_outcome import Rule, decide
from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..extensions import db
from ..models import (
    AssessmentWindow,
    EcClaim,
    Entry,
    MisconductCase,
    SimilarityPair,
    SimilarityRun,
    SubmissionVersion,
    User,
)
from ..release_check import MISCONDUCT, NO_RESULT, ReleaseFacts
from . import outcomes
from .allocations import marked_versions
from .checking import (
    draw_second_marking_sample,
    first_marking_complete,
    outstanding_checks,
    refusal,
)
from .similarity import threshold


def gather(window: AssessmentWindow, at: datetime, actor: User) -> ReleaseFacts:
    """The facts of releasing now. Once first marking is complete the second-marking sample is
    drawn first, as the release itself does (and the scheduler within the minute), so the check
    lists every script the release would wait for."""
    closed = window.state(at).value == "closed"
    if closed and first_marking_complete(window, at):
        draw_second_marking_sample(window, at, actor)
    outstanding = outstanding_checks(window, at) if closed else []
    versions = marked_versions(window, at)
    entries = [v.entry for v in versions.values() if v.entry.outcome is None]
    facts = outcomes.facts_for(entries, at)
    # The rule as it will stand once results are out: every one of these deadlines has passed.
    decided = [decide(dataclasses.replace(facts[e.id], results_out=True)) for e in entries]
    pairs, top, checked = _unopened_pairs(window)
    return ReleaseFacts(
        closed=closed, closes_at=window.closes_at, release_set=window.results_release_at,
        results=Counter(_label(d.outcome, d.rule) for d in decided),
        emailed=sum(d.rule in (Rule.MARKS, Rule.MISCONDUCT) for d in decided),
        still_open=_still_open(window, at),
        refusal=refusal(outstanding) if outstanding else None,
        unfinished=Counter(o.stage for o in outstanding),
        unopened_pairs=pairs, top_overlap=top, threshold=threshold(), checked=checked,
        scripts=len(versions),
        undecided_cases=db.session.scalar(
            select(func.count(MisconductCase.id)).join(Entry, Entry.id == MisconductCase.entry_id)
            .where(Entry.window_id == window.id, MisconductCase.decision.is_(None))),
        open_claims=db.session.scalar(
            select(func.count(EcClaim.id)).join(Entry, Entry.id == EcClaim.entry_id)
            .where(Entry.window_id == window.id, EcClaim.decided_at.is_(None))),
    )


def _label(outcome: AttemptOutcome | None, rule: Rule) -> str:
    if outcome is None:
        return NO_RESULT
    return MISCONDUCT if rule is Rule.MISCONDUCT else OUTCOME_TEXT[outcome]


def _still_open(window: AssessmentWindow, at: datetime) -> int:
    """Entries with no outcome whose own deadline (an extension) is still ahead."""
    return db.session.scalar(select(func.count(Entry.id)).where(
        Entry.window_id == window.id, Entry.outcome.is_(None), Entry.entered.is_(True),
        Entry.extended_closes_at > at))


def _unopened_pairs(window: AssessmentWindow) -> tuple[int, float | None, bool]:
    """Pairs of the latest finished check at or above the threshold where neither script has
    a misconduct case (one decided "no case to answer" is a pair looked at): how many, the
    highest overlap, and whether any check has finished."""
    latest = db.session.scalar(
        select(SimilarityRun.id).where(SimilarityRun.window_id == window.id,
                                       SimilarityRun.finished_at.is_not(None))
        .order_by(SimilarityRun.finished_at.desc(), SimilarityRun.id.desc()).limit(1))
    if latest is None:
        return 0, None, False
    mine, theirs = aliased(SubmissionVersion), aliased(SubmissionVersion)
    cased = select(MisconductCase.entry_id)
    count, top = db.session.execute(
        select(func.count(SimilarityPair.id), func.max(SimilarityPair.overlap_percent))
        .join(mine, mine.id == SimilarityPair.version_id)
        .outerjoin(theirs, theirs.id == SimilarityPair.other_version_id)
        .where(SimilarityPair.run_id == latest, SimilarityPair.overlap_percent >= threshold(),
               mine.entry_id.not_in(cased),
               or_(theirs.entry_id.is_(None), theirs.entry_id.not_in(cased)))).one()
    return count, top, True
