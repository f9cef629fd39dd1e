"""Similarity checks of a window: which scripts are compared, running a check, the admin's list.

A check is asked for (by an admin, or by the scheduler once every participant's deadline has
passed) and run by the scheduler's minute job, so a long check never holds a web request.
Each script of the window (its latest version; voided and deferred attempts are not marked,
so not checked) is compared, per NPQ, with the window's other scripts, with every script of
earlier windows for the same NPQ, and with the NPQ's case study (similarity.script_matches and
source_matches), through the scripts' kept signatures (script_signatures.py): the window's own
are held, earlier ones read a chunk at a time, and no text is held beyond a chunk.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload

from .. import similarity
from ..extensions import db
from ..models import (
    AssessmentWindow,
    CasePaper,
    CheckTrigger,
    Entry,
    MisconductCase,
    SimilarityPair,
    SimilarityRun,
    SubmissionVersion,
    User,
    WindowPaper,
)
from ..savepoints import savepoint
from . import audit, script_signatures
from .admin_lists import Page, _page


def threshold() -> int:
    return int(current_app.config["SIMILARITY_THRESHOLD_PERCENT"])


def _latest_scripts(*where):
    """(id, npq_code) of each matching entry's latest version, as a subquery."""
    newest = (
        select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
        .join(Entry, Entry.id == SubmissionVersion.entry_id)
        .where(*where)
        .group_by(SubmissionVersion.entry_id)
        .subquery()
    )
    return (
        select(SubmissionVersion.id, Entry.npq_code)
        .join(newest, (SubmissionVersion.entry_id == newest.c.entry_id)
              & (SubmissionVersion.number == newest.c.number))
        .join(Entry, Entry.id == SubmissionVersion.entry_id)
    ).subquery()


def request_check(window: AssessmentWindow, actor: User, at: datetime) -> SimilarityRun:
    """An admin's request: the scheduler runs it within a minute or two."""
    run = SimilarityRun(window_id=window.id, trigger=CheckTrigger.ADMIN, requested_by=actor.id,
                        requested_at=at)
    db.session.add(run)
    audit.record("similarity.requested", actor=actor, window_id=window.id)
    db.session.flush()
    return run


def latest_deadline(window: AssessmentWindow) -> datetime:
    """The last personal deadline of the window (extensions only move deadlines later)."""
    extended = db.session.scalar(
        select(func.max(Entry.extended_closes_at)).where(Entry.window_id == window.id))
    return window.closes_at if extended is None else max(window.closes_at, extended)


def request_after_deadline(window: AssessmentWindow, at: datetime) -> SimilarityRun | None:
    """Ask for the window's check once every deadline has passed; once per latest deadline
    (a unique key), however often the scheduler calls this. None if not due or already asked."""
    last = latest_deadline(window)
    if at < last:
        return None
    key = f"{window.id}@{last.isoformat()}"
    if db.session.scalar(select(SimilarityRun.id).where(SimilarityRun.deadline_key == key)):
        return None
    run = SimilarityRun(window_id=window.id, trigger=CheckTrigger.DEADLINE, deadline_key=key,
                        requested_at=at)
    try:
        with savepoint():  # losing the race undoes this row only, not the duty's work
            db.session.add(run)
    except IntegrityError:  # another process asked first
        return None
    return run


def pending_runs() -> list[SimilarityRun]:
    """The checks asked for and not yet finished (one cut short is run again), oldest first."""
    return list(db.session.scalars(
        select(SimilarityRun).where(SimilarityRun.finished_at.is_(None)).order_by(SimilarityRun.id)
    ))


def run_pending(at: datetime) -> list[int]:
    """Run every check asked for and not yet finished. (The scheduler runs each in a
    transaction of its own.)"""
    pending = pending_runs()
    for run in pending:
        run_check(run, at)
    return [run.id for run in pending]


def run_check(run: SimilarityRun, at: datetime) -> list[SimilarityPair]:
    """Compare the window's scripts and record the pairs over the threshold, all together.
    Scripts without a kept signature (or with a stale one) get one first."""
    window = db.session.get(AssessmentWindow, run.window_id)
    limit = threshold()
    current = _latest_scripts(
        Entry.window_id == window.id,
        Entry.outcome.is_(None) | Entry.outcome.in_(["passed", "failed"]))
    npqs = list(db.session.scalars(select(current.c.npq_code).distinct()
                                   .order_by(current.c.npq_code)))
    earlier_windows = select(AssessmentWindow.id).where(
        AssessmentWindow.release_at < window.release_at)
    earlier = _latest_scripts(Entry.window_id.in_(earlier_windows), Entry.npq_code.in_(npqs))
    script_signatures.keep(select(current.c.id))
    script_signatures.keep(select(earlier.c.id))
    papers = {wp.npq_code: wp.case_paper for wp in db.session.scalars(
        select(WindowPaper).where(WindowPaper.window_id == window.id)
        .options(joinedload(WindowPaper.case_paper)))}
    pairs = []
    for npq in npqs:
        mine = select(current.c.id).where(current.c.npq_code == npq)
        before = select(earlier.c.id).where(earlier.c.npq_code == npq)
        keys, signed, sizes = script_signatures.signatures(mine)
        found = similarity.script_matches(
            keys, signed, sizes, script_signatures.signature_chunks(before),
            script_signatures.shingle_sets, limit, script_signatures.chunk_size())
        paper = papers.get(npq)
        if paper is not None:
            found += similarity.source_matches(
                script_signatures.shingle_chunks(mine),
                {("paper", paper.id): similarity.shingles(paper.markdown)}, limit)
        for match in found:
            is_paper = isinstance(match.other, tuple)
            pairs.append(SimilarityPair(
                run_id=run.id, version_id=match.key,
                other_version_id=None if is_paper else match.other,
                paper_id=match.other[1] if is_paper else None,
                shared_shingles=match.shared, overlap_percent=round(match.percent, 1)))
    db.session.add_all(pairs)
    run.finished_at, run.threshold_percent = at, limit
    run.scripts_checked = db.session.scalar(select(func.count()).select_from(current))
    run.earlier_scripts = db.session.scalar(select(func.count()).select_from(earlier))
    run.pairs_found = len(pairs)
    audit.record("similarity.checked", window_id=window.id, run=run.id, trigger=run.trigger.value,
                 scripts=run.scripts_checked, earlier=run.earlier_scripts, pairs=len(pairs),
                 threshold=limit)
    db.session.flush()
    return pairs


@dataclass(frozen=True)
class Overview:
    """What the window's Similarity page shows: the latest finished check, whether another is
    waiting, one page of its pairs and the window's misconduct cases."""

    latest: SimilarityRun | None
    waiting: SimilarityRun | None
    pairs: Page
    cases: list[MisconductCase]


def overview(window: AssessmentWindow, page: int = 1) -> Overview:
    """Five statements, whatever the number of scripts or pairs."""
    runs = db.session.scalars(
        select(SimilarityRun).where(SimilarityRun.window_id == window.id)
        .order_by(SimilarityRun.finished_at.is_(None), SimilarityRun.finished_at.desc(),
                  SimilarityRun.id.desc())
        .options(joinedload(SimilarityRun.requester))
    ).all()
    latest = next((r for r in runs if r.finished_at is not None), None)
    waiting = next((r for r in runs if r.finished_at is None), None)
    if latest is None:
        pairs = Page([], 0, 1)
    else:
        order = (SimilarityPair.overlap_percent.desc(), SimilarityPair.id)
        total, page, keys = _page(
            select(SimilarityPair.id).where(SimilarityPair.run_id == latest.id), order, page)
        rows = select(SimilarityPair).where(SimilarityPair.id.in_([k for k, in keys])).options(
            joinedload(SimilarityPair.version).joinedload(SubmissionVersion.entry)
            .joinedload(Entry.participant),
            joinedload(SimilarityPair.other_version).joinedload(SubmissionVersion.entry)
            .options(joinedload(Entry.participant), joinedload(Entry.window)),
            joinedload(SimilarityPair.paper).options(defer(CasePaper.markdown)))
        pairs = Page(list(db.session.scalars(rows.order_by(*order))), total, page)
    cases = list(db.session.scalars(
        select(MisconductCase).join(Entry, Entry.id == MisconductCase.entry_id)
        .where(Entry.window_id == window.id).order_by(MisconductCase.opened_at)
        .options(joinedload(MisconductCase.entry).joinedload(Entry.participant))))
    return Overview(latest, waiting, pairs, cases)


def pair_in(window: AssessmentWindow, pair_id: int) -> SimilarityPair | None:
    """One pair of one of the window's checks, with both scripts' texts, or None."""
    return db.session.scalar(
        select(SimilarityPair).join(SimilarityRun, SimilarityRun.id == SimilarityPair.run_id)
        .where(SimilarityPair.id == pair_id, SimilarityRun.window_id == window.id)
        .options(joinedload(SimilarityPair.version).joinedload(SubmissionVersion.entry)
                 .joinedload(Entry.participant),
                 joinedload(SimilarityPair.other_version).joinedload(SubmissionVersion.entry)
                 .options(joinedload(Entry.participant), joinedload(Entry.window)),
                 joinedload(SimilarityPair.paper)))
