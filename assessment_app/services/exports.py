"""Exports for the DfE's external moderator: a CSV of marks and decisions, and a zip of scripts.

Scripts are identified by candidate number only, as markers see them.
"""

import csv
import io
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attempts import NOT_COUNTED
from ..clock import to_london
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    MarkingRole,
    Moderation,
)
from ..timeformat import london_time
from .marking import final_results, marked_versions

COLUMNS = [
    "candidate_number", "npq", "version", "words", "sha256", "submitted_at",
    "first_marker", "first_outcome", "first_levels", "second_marker", "second_outcome",
    "second_levels", "moderator", "moderated_outcome", "moderation_reason", "final_outcome",
    "rubric_version",
]


def _levels(mark) -> str:
    return "; ".join(f"{j.criterion_id}={j.level_id}" for j in mark.judgements) if mark else ""


def marks_csv(window: AssessmentWindow, at) -> str:
    versions = marked_versions(window, at)
    allocations = db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(versions.keys()),
                                 Allocation.status == AllocationStatus.SUBMITTED)
        .options(selectinload(Allocation.mark), selectinload(Allocation.marker))
    ).all()
    by_role = {(a.entry_id, a.role): a for a in allocations}
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(versions.keys()))
        .options(selectinload(Moderation.moderator)))}
    results = final_results(versions.keys())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry_id, v in sorted(versions.items(), key=lambda kv: kv[1].entry.candidate_number):
        first = by_role.get((entry_id, MarkingRole.FIRST))
        second = by_role.get((entry_id, MarkingRole.SECOND))
        case = cases.get(entry_id)
        result = results.get(entry_id)
        writer.writerow([
            v.entry.candidate_number, v.entry.npq_code, v.number, v.word_count, v.sha256,
            london_time(v.submitted_at),
            first.marker.name if first else "", first.mark.outcome.value if first else "",
            _levels(first.mark if first else None),
            second.marker.name if second else "", second.mark.outcome.value if second else "",
            _levels(second.mark if second else None),
            case.moderator.name if case and case.moderator else "",
            case.outcome.value if case and case.outcome else "", case.reason if case else "",
            result.outcome.value if result else "", result.rubric_version if result else "",
        ])
    return out.getvalue()


def scripts_zip(window: AssessmentWindow, at) -> bytes:
    """One text file per script, named by candidate number, plus the marks CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for v in marked_versions(window, at).values():
            archive.writestr(f"scripts/{v.entry.npq_code}/{v.entry.candidate_number}.txt", v.text)
        archive.writestr("marks.csv", marks_csv(window, at))
    return buffer.getvalue()


NOT_COUNTED_VALUES = {outcome.value for outcome in NOT_COUNTED}
RESULT_COLUMNS = ["name", "email", "npq", "cohort", "delivery_partner", "school",
                  "attempt_number", "outcome", "completion_date"]


def results_csv(window: AssessmentWindow) -> str:
    """One row per participant in the window, fit for the DfE return: which counted attempt
    this is, its outcome (passed, failed, voided, not_submitted, lost_engagement, deferred, or
    in_progress) and completion date."""
    entries = db.session.scalars(
        select(Entry).where(Entry.window_id == window.id)
        .options(selectinload(Entry.participant)).order_by(Entry.npq_code, Entry.id)
    ).all()
    history = db.session.execute(
        select(Entry.id, Entry.participant_id, Entry.npq_code, Entry.outcome)
        .join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .where(Entry.participant_id.in_([e.participant_id for e in entries]))
        .order_by(AssessmentWindow.release_at)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    for entry in entries:
        earlier = [h for h in history
                   if h.participant_id == entry.participant_id and h.npq_code == entry.npq_code]
        # Voided and deferred attempts do not count, so they have no attempt number.
        counted = [h for h in earlier if h.outcome not in NOT_COUNTED_VALUES]
        number = next((i for i, h in enumerate(counted, start=1) if h.id == entry.id), "")
        person = entry.participant
        writer.writerow([
            person.name, person.email, entry.npq_code, person.cohort or "",
            person.delivery_partner or "", person.school or "", number,
            entry.outcome or "in_progress",
            to_london(entry.completed_at).date().isoformat() if entry.completed_at else "",
        ])
    return out.getvalue()
