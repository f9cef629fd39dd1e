"""Exports: the DfE return, the provider's results report, and for the DfE's external moderator
a CSV of marks and decisions and a pack of scripts.

Scripts are identified by candidate number only, as markers see them. Every instant is written
as ISO 8601 in London time with its offset (timeformat.iso_london); dates as YYYY-MM-DD.
"""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attempts import NOT_COUNTED
from ..dfe_return import RETURN_COLUMNS, completion_date, dfe_outcome, return_row
from ..docx_privacy import without_personal_details
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Judgement,
    Mark,
    MarkingRole,
    Moderation,
    RubricVersion,
    WindowPaper,
)
from ..rubrics import parse_rubric
from ..timeformat import iso_london
from .amendments import as_amended, history
from .marking import final_results, marked_versions

COLUMNS = [
    "candidate_number", "npq", "version", "words", "sha256", "submitted_at",
    "first_marker", "first_outcome", "first_levels", "first_marked_at",
    "second_marker", "second_outcome", "second_levels", "second_marked_at",
    "moderator", "moderated_outcome", "moderation_reason", "moderated_at", "final_outcome",
    "rubric_version",
]


def _levels(mark) -> str:
    return "; ".join(f"{j.criterion_id}={j.level_id}" for j in mark.judgements) if mark else ""


@dataclass(frozen=True)
class _Marking:
    """Everything about the marking of one window's scripts, fetched in a few queries."""

    versions: dict
    by_role: dict
    cases: dict
    results: dict


def _marking(window: AssessmentWindow, at) -> _Marking:
    versions = marked_versions(window, at)
    allocations = db.session.scalars(
        select(Allocation).where(Allocation.entry_id.in_(versions.keys()),
                                 Allocation.status == AllocationStatus.SUBMITTED)
        .options(selectinload(Allocation.mark).selectinload(Mark.judgements),
                 selectinload(Allocation.marker))
    ).all()
    cases = {c.entry_id: c for c in db.session.scalars(
        select(Moderation).where(Moderation.entry_id.in_(versions.keys()))
        .options(selectinload(Moderation.moderator), selectinload(Moderation.judgements)))}
    return _Marking(dict(sorted(versions.items(), key=lambda kv: kv[1].entry.candidate_number)),
                    {(a.entry_id, a.role): a for a in allocations}, cases,
                    final_results(versions.keys()))


def _when(instant) -> str:
    return iso_london(instant) if instant else ""


def _marks_rows(data: _Marking):
    yield COLUMNS
    for entry_id, v in data.versions.items():
        first = data.by_role.get((entry_id, MarkingRole.FIRST))
        second = data.by_role.get((entry_id, MarkingRole.SECOND))
        case = data.cases.get(entry_id)
        result = data.results.get(entry_id)
        yield [
            v.entry.candidate_number, v.entry.npq_code, v.number, v.word_count, v.sha256,
            iso_london(v.submitted_at),
            first.marker.name if first else "", first.mark.outcome.value if first else "",
            _levels(first.mark if first else None), _when(first.mark.submitted_at if first else None),
            second.marker.name if second else "", second.mark.outcome.value if second else "",
            _levels(second.mark if second else None),
            _when(second.mark.submitted_at if second else None),
            case.moderator.name if case and case.moderator else "",
            case.outcome.value if case and case.outcome else "", (case.reason or "") if case else "",
            _when(case.decided_at if case else None),
            result.outcome.value if result else "", result.rubric_version if result else "",
        ]


def _csv(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def marks_csv(window: AssessmentWindow, at) -> str:
    """One row per marked script: each marker's outcome and levels, moderation, final outcome."""
    return _csv(_marks_rows(_marking(window, at)))


# The external moderator's pack --------------------------------------------------------


def paper_files(paper: WindowPaper | None) -> list[tuple[str, bytes, str]]:
    """The paper as participants were given it: (file name, content, what it is).
    The one place the pack reads a paper, so a change of paper model changes only this."""
    if paper is None or not paper.has_case_study:
        return []
    files = [("case-study.md", paper.case_study_markdown.encode("utf-8"),
              f"The case study “{paper.case_study_title}” (Markdown, as participants read it)")]
    for handout in paper.handouts:
        files.append((_safe_name(handout.filename), handout.data,
                      "A handout given with the case study"))
    return files


def _safe_name(name: str) -> str:
    """A file name that stays where it is put in the zip."""
    return re.sub(r"[^A-Za-z0-9._ -]", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".") or "file"


def _judgement_lines(judgements: list[Judgement], rubric) -> list[str]:
    lines = []
    for j in judgements:
        title = rubric.criterion(j.criterion_id).title if rubric else j.criterion_id
        level = rubric.level(j.level_id).title if rubric and j.level_id else (j.level_id or "none")
        lines.append(f"- {title}: {level}")
        if j.comment:
            lines.append(f"  Comment: {j.comment}")
    return lines


def _marking_text(v, data: _Marking, rubrics: dict, original: str | None) -> str:
    """The marking of one script, for a person to read: each mark, moderation and the result."""
    entry = v.entry
    lines = [f"Candidate {entry.candidate_number} ({entry.npq_code})", "",
             f"Marked version: {v.number}, submitted {iso_london(v.submitted_at)}, "
             f"{v.word_count} words (limit {v.word_limit}), SHA-256 of the text {v.sha256}",
             f"Response text: scripts/{entry.npq_code}/{entry.candidate_number}.txt"]
    if original:
        lines.append(f"Uploaded as a Word document: {original}")
    for role, label in ((MarkingRole.FIRST, "First mark"), (MarkingRole.SECOND, "Second mark")):
        allocation = data.by_role.get((entry.id, role))
        if allocation is None:
            continue
        mark = allocation.mark
        lines += ["", f"{label}: {allocation.marker.name}, submitted {_when(mark.submitted_at)}",
                  f"Outcome: {mark.outcome.value}{' (borderline)' if mark.borderline else ''}",
                  f"Rubric version: {mark.rubric_version}", "Criteria:"]
        lines += _judgement_lines(mark.judgements, rubrics.get(mark.rubric_version))
        lines += ["Overall feedback:", mark.feedback or "(none)"]
    case = data.cases.get(entry.id)
    if case is not None:
        lines += ["", f"Moderation: opened {iso_london(case.opened_at)} because {case.why}"]
        if case.decided_at:
            lines += [f"Moderator: {case.moderator.name}, decided {iso_london(case.decided_at)}",
                      f"Outcome: {case.outcome.value}", f"Reason: {case.reason}",
                      f"Rubric version: {case.rubric_version}", "Criteria:"]
            lines += _judgement_lines(case.judgements, rubrics.get(case.rubric_version))
            lines += ["Overall feedback:", case.feedback or "(none)"]
        else:
            lines.append("Not yet decided.")
    result = data.results.get(entry.id)
    lines += ["", f"Final outcome: {result.outcome.value} (rubric version {result.rubric_version})"
              if result else "Final outcome: marking not finished"]
    return "\n".join(lines) + "\n"


PACK_README = """External moderation pack: {window}
Made {made}. All times are ISO 8601 in UK time with their offset.

Scripts are identified by candidate number only: no names, schools, delivery partners or
extenuating circumstances are in this pack. manifest.csv lists every file with its SHA-256.

marks.csv                          one row per script: marks, levels, moderation, final outcome
scripts/<NPQ>/<candidate>.txt      the marked text of the response
scripts/<NPQ>/<candidate>-marking.txt
                                   each marker's outcome, criterion levels and comments and
                                   overall feedback; the moderation reason and decision
scripts/<NPQ>/<candidate>-original.docx
                                   the Word document the response was uploaded as (author and
                                   editor names blanked in its properties; text unchanged)
rubrics/<NPQ>-<sha256>.yaml        each rubric version used, named by its SHA-256
papers/<NPQ>/                      the case study (Markdown) and handouts participants were given
"""


def scripts_zip(window: AssessmentWindow, at) -> bytes:
    """The external moderator's pack: scripts, marking, rubric versions and papers (see
    PACK_README), with a manifest. Nothing in it names a participant."""
    data = _marking(window, at)
    used = {a.mark.rubric_version for a in data.by_role.values() if a.mark}
    used |= {c.rubric_version for c in data.cases.values() if c.rubric_version}
    stored = {r.version: r for r in db.session.scalars(
        select(RubricVersion).where(RubricVersion.version.in_(used)))}
    rubrics = {k: parse_rubric(r.content.encode("utf-8"), source=f"rubric {k[:12]}")
               for k, r in stored.items()}
    manifest = [["path", "candidate_number", "npq", "what", "sha256"]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path, content, what, candidate="", npq=""):
            content = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(path, content)
            manifest.append([path, candidate, npq, what, hashlib.sha256(content).hexdigest()])

        add("marks.csv", _csv(_marks_rows(data)), "Marks and decisions, one row per script")
        papers = {}
        for v in data.versions.values():
            entry, base = v.entry, f"scripts/{v.entry.npq_code}/{v.entry.candidate_number}"
            papers.setdefault(entry.npq_code, entry.paper)
            add(f"{base}.txt", v.text, "The marked text of the response", entry.candidate_number,
                entry.npq_code)
            original = None
            if v.upload is not None:
                original = f"{base}-original.docx"
                add(original, without_personal_details(v.upload.data),
                    "The Word document uploaded (author names blanked; uploaded file's SHA-256 "
                    f"{v.upload.sha256})", entry.candidate_number, entry.npq_code)
            add(f"{base}-marking.txt", _marking_text(v, data, rubrics, original),
                "Each mark with criterion levels and comments, feedback, moderation and outcome",
                entry.candidate_number, entry.npq_code)
        for version, row in sorted(stored.items()):
            add(f"rubrics/{row.npq_code}-{version}.yaml", row.content,
                f"The {row.npq_code} rubric, version {version}", npq=row.npq_code)
        for npq, paper in sorted(papers.items()):
            for name, content, what in paper_files(paper):
                add(f"papers/{npq}/{name}", content, what, npq=npq)
        add("README.txt", PACK_README.format(window=window.name, made=iso_london(at)),
            "What this pack holds")
        archive.writestr("manifest.csv", _csv(manifest))
    return buffer.getvalue()


# Results: the DfE return and the provider's report --------------------------------------


NOT_COUNTED_VALUES = {outcome.value for outcome in NOT_COUNTED}
PROVIDER_COLUMNS = ["name", "email", "npq", "cohort", "delivery_partner", "school",
                    "candidate_number", "attempt_number", "outcome", "dfe_outcome",
                    "completion_date", "completed_at", "amendments", "last_amended_at",
                    "last_amendment_reason"]


def _window_entries(window: AssessmentWindow) -> list[Entry]:
    return db.session.scalars(
        select(Entry).where(Entry.window_id == window.id)
        .options(selectinload(Entry.participant)).order_by(Entry.npq_code, Entry.id)
    ).all()


def dfe_return_csv(window: AssessmentWindow) -> str:
    """The DfE return: one row per outcome the DfE records (passed, failed or voided), with its
    completion date; amended rows say so (dfe_return.return_row)."""
    entries = _window_entries(window)
    amended = history(e.id for e in entries)
    rows = [RETURN_COLUMNS]
    for entry in entries:
        row = return_row(entry.outcome, entry.completed_at, as_amended(amended.get(entry.id, [])))
        if row is not None:
            row.update(email=entry.participant.email, name=entry.participant.name,
                       npq=entry.npq_code, window=window.name)
            rows.append([row[c] for c in RETURN_COLUMNS])
    return _csv(rows)


def provider_report_csv(window: AssessmentWindow) -> str:
    """The provider's own results report: one row per participant in the window with our
    internal outcome (passed, failed, voided, not_submitted, lost_engagement, deferred or
    in_progress), which counted attempt it is, the DfE state it maps to, and amendments."""
    entries = _window_entries(window)
    history_rows = db.session.execute(
        select(Entry.id, Entry.participant_id, Entry.npq_code, Entry.outcome)
        .join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .where(Entry.participant_id.in_([e.participant_id for e in entries]))
        .order_by(AssessmentWindow.release_at)
    ).all()
    amended = history(e.id for e in entries)
    rows = [PROVIDER_COLUMNS]
    for entry in entries:
        earlier = [h for h in history_rows
                   if h.participant_id == entry.participant_id and h.npq_code == entry.npq_code]
        # Voided and deferred attempts do not count, so they have no attempt number.
        counted = [h for h in earlier if h.outcome not in NOT_COUNTED_VALUES]
        number = next((i for i, h in enumerate(counted, start=1) if h.id == entry.id), "")
        person, changes = entry.participant, amended.get(entry.id, [])
        state = dfe_outcome(entry.outcome)
        rows.append([
            person.name, person.email, entry.npq_code, person.cohort or "",
            person.delivery_partner or "", person.school or "", entry.candidate_number, number,
            entry.outcome or "in_progress", state.value if state else "",
            completion_date(entry.completed_at) if entry.completed_at else "",
            _when(entry.completed_at), len(changes),
            iso_london(changes[-1].amended_at) if changes else "",
            changes[-1].reason if changes else "",
        ])
    return _csv(rows)
