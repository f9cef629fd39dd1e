"""Exports: the DfE return, the provider's results report, and for the DfE's external moderator
a CSV of marks and decisions and a pack of scripts.

Scripts are identified by candidate number only, as markers see them. Every instant is written
as ISO 8601 in London time with its offset (timeformat.iso_london); dates as YYYY-MM-DD.

Each export is a generator, streamed to the admin as it is made, and reads the database in a
fixed number of statements whatever the window's size: joins on the window, never a statement
per script, and the scripts' texts through one cursor read a few rows at a time. The pack is
written to a file by the scheduler (services/moderation_packs.py), a page of scripts at a time.
"""

import csv
import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from itertools import islice
from types import SimpleNamespace

from sqlalchemy import case, func, inspect, select, true
from sqlalchemy.orm import joinedload, selectinload

from ..attempt_outcome import Rule
from ..attempts import NOT_COUNTED
from ..csv_cells import spreadsheet_safe
from ..dfe_return import RETURN_COLUMNS, completion_date, dfe_outcome, return_row
from ..docx_privacy import without_personal_details
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    CasePaper,
    Entry,
    Judgement,
    Mark,
    MarkingRole,
    Moderation,
    OutcomeAmendment,
    PaperHandout,
    ResponseUpload,
    ReviewRequest,
    ReviewStatus,
    RubricVersion,
    SecondMarkingSample,
    SubmissionVersion,
    User,
    WindowPaper,
)
from ..rubrics import parse_rubric
from ..timeformat import iso_london
from .allocations import marked_versions
from .amendments import as_amended
from .checking import _Checking, final_results, window_checking

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
    reviews: dict  # completed reviews of marking, by entry


def _attached(window: AssessmentWindow) -> AssessmentWindow:
    """The window in the current session: a streamed export runs after the view's session has
    closed, when the window it was given can no longer load anything."""
    return db.session.get(AssessmentWindow, inspect(window).identity[0])


def _page_checking(entry_ids) -> _Checking:
    """What entries_checking gives for these entries, read as plain rows, not ORM objects: the
    pack reads every mark, case and criterion judgement of a window, and building an object for
    each was most of its time. The rows carry the attributes the rules (checking._Checking,
    final_results) and the pack's writers read, under the same names."""
    entry_ids = list(entry_ids)
    live = db.session.execute(
        select(Allocation.entry_id, Allocation.role, Allocation.status, Allocation.marker_id,
               User.name, Mark.id, Mark.outcome, Mark.borderline, Mark.rubric_version,
               Mark.feedback, Mark.submitted_at)
        .join(User, User.id == Allocation.marker_id)
        .outerjoin(Mark, Mark.allocation_id == Allocation.id)
        .where(Allocation.entry_id.in_(entry_ids), Allocation.status != AllocationStatus.RETURNED)
    ).all()
    cases = db.session.execute(
        select(Moderation.id, Moderation.entry_id, Moderation.why, Moderation.opened_at,
               Moderation.rubric_version, Moderation.outcome, Moderation.feedback,
               Moderation.reason, Moderation.decided_at, User.name)
        .outerjoin(User, User.id == Moderation.moderator_id)
        .where(Moderation.entry_id.in_(entry_ids))
    ).all()
    owned: dict[tuple[str, int], list] = {}
    for j in db.session.execute(
        select(Judgement.mark_id, Judgement.moderation_id, Judgement.criterion_id,
               Judgement.level_id, Judgement.comment)
        .where(Judgement.mark_id.in_([row.id for row in live if row.id is not None])
               | Judgement.moderation_id.in_([row.id for row in cases]))
        .order_by(Judgement.id)
    ):
        owned.setdefault(("mark", j.mark_id) if j.mark_id else ("case", j.moderation_id),
                         []).append(j)

    def allocation(row):
        mark = None if row.id is None else SimpleNamespace(
            outcome=row.outcome, borderline=row.borderline, rubric_version=row.rubric_version,
            feedback=row.feedback, submitted_at=row.submitted_at,
            judgements=owned.get(("mark", row.id), []))
        return SimpleNamespace(entry_id=row.entry_id, role=row.role, status=row.status,
                               marker_id=row.marker_id, marker=SimpleNamespace(name=row.name),
                               mark=mark)

    allocations = [allocation(row) for row in live]
    sampled = set(db.session.scalars(
        select(SecondMarkingSample.entry_id).where(SecondMarkingSample.entry_id.in_(entry_ids))))
    return _Checking(
        first={a.entry_id: a for a in allocations if a.role is MarkingRole.FIRST},
        second={a.entry_id: a for a in allocations if a.role is MarkingRole.SECOND},
        cases={c.entry_id: SimpleNamespace(
            entry_id=c.entry_id, why=c.why, opened_at=c.opened_at, rubric_version=c.rubric_version,
            outcome=c.outcome, feedback=c.feedback, reason=c.reason, decided_at=c.decided_at,
            moderator=SimpleNamespace(name=c.name) if c.name is not None else None,
            judgements=owned.get(("case", c.id), [])) for c in cases},
        sampled=sampled)


def _marking(window: AssessmentWindow, at, entry_ids: list[int] | None = None) -> _Marking:
    """The marking of the window's scripts, or of those of `entry_ids` only (a page of them:
    the pack reads a window a page at a time)."""
    versions = marked_versions(window, at, entry_ids)
    checking = window_checking(window) if entry_ids is None else _page_checking(versions)
    submitted = [a for a in (*checking.first.values(), *checking.second.values())
                 if a.status is AllocationStatus.SUBMITTED and a.entry_id in versions]
    return _Marking(dict(sorted(versions.items(), key=lambda kv: kv[1].entry.candidate_number)),
                    {(a.entry_id, a.role): a for a in submitted},
                    {k: c for k, c in checking.cases.items() if k in versions},
                    final_results(versions.keys(), checking),
                    {r.entry_id: r for r in db.session.scalars(
                        select(ReviewRequest).join(Entry, Entry.id == ReviewRequest.entry_id)
                        .where(Entry.window_id == window.id,
                               ReviewRequest.status == ReviewStatus.COMPLETED,
                               true() if entry_ids is None else Entry.id.in_(list(versions)))
                        .options(joinedload(ReviewRequest.reviewer),
                                 selectinload(ReviewRequest.judgements)))})


# Why a recorded outcome is not simply the marks', for a reader of the exports.
_RECORDED_BY = {Rule.MISCONDUCT: "academic misconduct", Rule.VOIDED: "voided",
                Rule.SUPERSEDED: "voided: an earlier attempt passed",
                Rule.NO_LONGER_COUNTS: "voided: no longer counts"}


def _final_outcome(entry: Entry, result, review) -> str:
    """The recorded outcome (the one rule's, which the DfE return and the participant see), said
    as the marks are (pass or fail); before it is recorded, what the marks give."""
    if entry.outcome is None:
        return f"not yet recorded (the marking gives {result.outcome.value})" if result else ""
    word = {"passed": "pass", "failed": "fail"}.get(entry.outcome, entry.outcome)
    why = _RECORDED_BY.get(entry.outcome_rule)
    if why is None and review is not None and entry.outcome_rule == Rule.MARKS:
        why = "after a review of marking"
    return f"{word} ({why})" if why and why != word else word


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
            case.outcome.value if case and case.outcome else "",
            case.reason if case and case.decided_at else "",  # a draft's reason is not one
            _when(case.decided_at if case else None),
            _final_outcome(v.entry, result, data.reviews.get(entry_id)),
            result.rubric_version if result else "",
        ]


def _csv_chunks(rows, size: int = 64 * 1024) -> Iterator[str]:
    """CSV text in pieces of about `size` characters, so no export is ever whole in memory.
    Every CSV we export is written here, each cell made spreadsheet-safe (csv_cells)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
        if out.tell() >= size:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _csv(rows) -> str:
    return "".join(_csv_chunks(rows))


def marks_csv(window: AssessmentWindow, at) -> Iterator[str]:
    """One row per marked script: each marker's outcome and levels, moderation, final outcome."""
    window = _attached(window)
    yield from _csv_chunks(_marks_rows(_marking(window, at)))


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
    review = data.reviews.get(entry.id)
    if review is not None:
        lines += ["", f"Review of marking: {review.reviewer.name}, completed "
                      f"{iso_london(review.completed_at)}", f"Outcome: {review.outcome.value}",
                  f"Reason: {review.rationale}", f"Rubric version: {review.rubric_version}",
                  "Criteria:"]
        lines += _judgement_lines(review.judgements, rubrics.get(review.rubric_version))
        lines += ["Overall feedback:", review.feedback or "(none)"]
    result = data.results.get(entry.id)
    lines += ["", f"Final outcome: {_final_outcome(entry, result, review)}"
              + (f" (marked with rubric version {result.rubric_version})" if result else "")
              if result or entry.outcome else "Final outcome: marking not finished"]
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


class _Chunks:
    """A write-only file for zipfile whose bytes are handed on as they come (zipfile writes
    data descriptors to a file it cannot seek), so the pack is never whole in memory."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _script_files(entry_ids: list[int]):
    """(entry id, marked text, the uploaded Word file's copy naming nobody, the file itself
    when it has no such copy yet, its SHA-256) of these entries' last versions, by candidate
    number: one statement whose rows are read a few at a time."""
    newest = (
        select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
        .where(SubmissionVersion.entry_id.in_(entry_ids)).group_by(SubmissionVersion.entry_id)
        .subquery()
    )
    return db.session.execute(
        select(SubmissionVersion.entry_id, SubmissionVersion.text,
               ResponseUpload.copy_naming_nobody,
               case((ResponseUpload.copy_naming_nobody.is_(None), ResponseUpload.data)),
               ResponseUpload.sha256)
        .join(newest, (SubmissionVersion.entry_id == newest.c.entry_id)
              & (SubmissionVersion.number == newest.c.number))
        .join(Entry, Entry.id == SubmissionVersion.entry_id)
        .outerjoin(ResponseUpload, ResponseUpload.id == SubmissionVersion.upload_id)
        .order_by(Entry.candidate_number)
        .execution_options(yield_per=50)
    )


def _entry_pages(window: AssessmentWindow, size: int) -> Iterator[list[int]]:
    """The ids of the window's entries that submitted, by candidate number, `size` at a time:
    each page one statement (keyset, after the last candidate number), never the whole window."""
    after = None
    while True:
        rows = db.session.execute(
            select(Entry.id, Entry.candidate_number)
            .where(Entry.window_id == window.id,
                   select(SubmissionVersion.id).where(SubmissionVersion.entry_id == Entry.id)
                   .exists(),
                   true() if after is None else Entry.candidate_number > after)
            .order_by(Entry.candidate_number).limit(size)).all()
        if rows:
            yield [row.id for row in rows]
        if len(rows) < size:
            return
        after = rows[-1].candidate_number


def _submitted_count(window: AssessmentWindow) -> int:
    return db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.window_id == window.id,
            select(SubmissionVersion.id).where(SubmissionVersion.entry_id == Entry.id).exists()))


def _rubric_versions(data: _Marking) -> set[str]:
    used = {a.mark.rubric_version for a in data.by_role.values() if a.mark}
    used |= {c.rubric_version for c in data.cases.values() if c.rubric_version}
    return used | {r.rubric_version for r in data.reviews.values()}


def _papers(window: AssessmentWindow, npqs: set[str]) -> dict[str, WindowPaper]:
    return {p.npq_code: p for p in db.session.scalars(
        select(WindowPaper).where(WindowPaper.window_id == window.id,
                                  WindowPaper.npq_code.in_(npqs))
        .options(selectinload(WindowPaper.case_paper).selectinload(CasePaper.handouts)
                 .undefer(PaperHandout.data)))}


def _no_progress(done: int, total: int, stage: str) -> None:
    pass


PACK_PAGE = 500  # scripts whose marking is in memory at once, whatever the window's size


class _Spool:
    """Rows of a CSV written to a temporary file as they come, added to the pack at its end
    (the marks and the manifest run to a row per script: never whole in memory)."""

    def __init__(self, file):
        self.file = file
        self.text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self.writer = csv.writer(self.text)

    def write(self, rows) -> None:
        for row in rows:
            self.writer.writerow([spreadsheet_safe(cell) for cell in row])

    def blocks(self, size: int = 256 * 1024) -> Iterator[bytes]:
        self.text.flush()
        self.file.seek(0)
        while block := self.file.read(size):
            yield block


def scripts_zip(window: AssessmentWindow, at, progress=_no_progress,
                page: int = PACK_PAGE) -> Iterator[bytes]:
    """The external moderator's pack: scripts, marking, rubric versions and papers (see
    PACK_README), with a manifest. Nothing in it names a participant. Yielded in pieces as
    it is written; `progress(done, total, stage)` is told each script written and each stage
    (services/moderation_packs.py builds it as a job and decides how often to say so).

    Memory stays flat whatever the window's size: the window is read `page` scripts at a time
    (their marking, then their texts through a cursor), and the marks and manifest, a row per
    script, are spooled to temporary files and added at the end."""
    window = _attached(window)
    progress(0, 0, "Reading the window's marks and decisions")
    total = _submitted_count(window)
    stored, rubrics, npqs = {}, {}, set()
    out = _Chunks()
    with ExitStack() as stack, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        marks, manifest = (_Spool(stack.enter_context(tempfile.TemporaryFile()))
                           for _ in range(2))
        manifest.write([["path", "candidate_number", "npq", "what", "sha256"]])
        marks.write([COLUMNS])

        def add(path, content, what, candidate="", npq="", compress=zipfile.ZIP_DEFLATED):
            content = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(path, content, compress_type=compress)
            manifest.write([[path, candidate, npq, what, hashlib.sha256(content).hexdigest()]])

        def add_spooled(path, spool: _Spool, what):
            digest = hashlib.sha256()
            with archive.open(path, "w") as member:
                for block in spool.blocks():
                    member.write(block)
                    digest.update(block)
                    yield out.take()
            manifest.write([[path, "", "", what, digest.hexdigest()]])

        progress(0, total, "Writing the scripts and their marking")
        written = 0
        for entry_ids in _entry_pages(window, page):
            data = _marking(window, at, entry_ids)
            marks.write(islice(_marks_rows(data), 1, None))  # the header is written once
            new = _rubric_versions(data) - stored.keys()
            for row in db.session.scalars(select(RubricVersion)
                                          .where(RubricVersion.version.in_(new))) if new else ():
                stored[row.version] = row
                rubrics[row.version] = parse_rubric(row.content.encode("utf-8"),
                                                    source=f"rubric {row.version[:12]}")
            npqs |= {v.entry.npq_code for v in data.versions.values()}
            # Closed however the build ends: on PostgreSQL it is a server-side cursor.
            with closing(_script_files(entry_ids)) as files:
                for entry_id, text, shared_copy, upload, upload_sha256 in files:
                    v = data.versions.get(entry_id)
                    if v is None:  # still in time, or voided or deferred: not marked
                        continue
                    entry, base = v.entry, f"scripts/{v.entry.npq_code}/{v.entry.candidate_number}"
                    add(f"{base}.txt", text, "The marked text of the response",
                        entry.candidate_number, entry.npq_code)
                    original = None
                    if upload_sha256 is not None:
                        original = f"{base}-original.docx"
                        add(original, shared_copy or without_personal_details(upload),
                            "The Word document uploaded (rebuilt to name nobody: properties, "
                            "comments, headers, footers and alt text left out, tracked changes "
                            f"accepted; uploaded file's SHA-256 {upload_sha256})",
                            entry.candidate_number, entry.npq_code,
                            compress=zipfile.ZIP_STORED)  # a .docx is a zip already
                    add(f"{base}-marking.txt", _marking_text(v, data, rubrics, original),
                        "Each mark with criterion levels and comments, feedback, moderation and "
                        "outcome", entry.candidate_number, entry.npq_code)
                    written += 1
                    progress(written, total, "Writing the scripts and their marking")
                    yield out.take()
        progress(written, written, "Adding the marks, rubrics, papers and manifest")
        yield from add_spooled("marks.csv", marks, "Marks and decisions, one row per script")
        for version, row in sorted(stored.items()):
            add(f"rubrics/{row.npq_code}-{version}.yaml", row.content,
                f"The {row.npq_code} rubric, version {version}", npq=row.npq_code)
        for npq, paper in sorted(_papers(window, npqs).items()):
            for name, content, what in paper_files(paper):
                add(f"papers/{npq}/{name}", content, what, npq=npq)
        add("README.txt", PACK_README.format(window=window.name, made=iso_london(at)),
            "What this pack holds")
        with archive.open("manifest.csv", "w") as member:
            for block in manifest.blocks():
                member.write(block)
                yield out.take()
    yield out.take()


# Results: the DfE return and the provider's report --------------------------------------


NOT_COUNTED_VALUES = {outcome.value for outcome in NOT_COUNTED}
PROVIDER_COLUMNS = ["name", "email", "npq", "cohort", "delivery_partner", "school",
                    "candidate_number", "attempt_number", "outcome", "dfe_outcome",
                    "completion_date", "completed_at", "amendments", "last_amended_at",
                    "last_amendment_reason"]


def _window_entries(window: AssessmentWindow) -> list[Entry]:
    return db.session.scalars(
        select(Entry).where(Entry.window_id == window.id)
        .options(joinedload(Entry.participant)).order_by(Entry.npq_code, Entry.id)
    ).all()


def _amendments(window: AssessmentWindow) -> dict[int, list[OutcomeAmendment]]:
    """Each of the window's entries' amendments, oldest first, in one statement."""
    by_entry: dict[int, list[OutcomeAmendment]] = {}
    for row in db.session.scalars(
        select(OutcomeAmendment).join(Entry, Entry.id == OutcomeAmendment.entry_id)
        .where(Entry.window_id == window.id)
        .order_by(OutcomeAmendment.amended_at, OutcomeAmendment.id)
    ):
        by_entry.setdefault(row.entry_id, []).append(row)
    return by_entry


def dfe_return_csv(window: AssessmentWindow) -> Iterator[str]:
    """The DfE return: one row per outcome the DfE records (passed, failed or voided), with its
    completion date; amended rows say so (dfe_return.return_row). It reads what was reported
    (Entry.reported_outcome), so an attempt a late extension runs again keeps its row."""
    window = _attached(window)
    entries, amended = _window_entries(window), _amendments(window)

    def rows():
        yield RETURN_COLUMNS
        for entry in entries:
            row = return_row(entry.reported_outcome, entry.reported_completed_at,
                             as_amended(amended.get(entry.id, [])))
            if row is not None:
                row.update(email=entry.participant.email, name=entry.participant.name,
                           npq=entry.npq_code, window=window.name)
                yield [row[c] for c in RETURN_COLUMNS]

    yield from _csv_chunks(rows())


def _attempt_numbers(window: AssessmentWindow) -> dict[int, int]:
    """Which counted attempt at their NPQ each entry is, for every entry of everyone in the
    window, in one statement (windows in release order). Voided and deferred attempts do not
    count, so they have no number."""
    everyone = select(Entry.participant_id).where(Entry.window_id == window.id)
    counted: dict[tuple[int, str], int] = {}
    numbers = {}
    for h in db.session.execute(
        select(Entry.id, Entry.participant_id, Entry.npq_code, Entry.outcome)
        .join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .where(Entry.participant_id.in_(everyone))
        .order_by(AssessmentWindow.release_at, Entry.id)
    ):
        if h.outcome not in NOT_COUNTED_VALUES:
            key = (h.participant_id, h.npq_code)
            counted[key] = numbers[h.id] = counted.get(key, 0) + 1
    return numbers


def provider_report_csv(window: AssessmentWindow) -> Iterator[str]:
    """The provider's own results report: one row per participant in the window with our
    internal outcome (passed, failed, voided, not_submitted, lost_engagement, deferred or
    in_progress), which counted attempt it is, the DfE state it maps to, and amendments."""
    window = _attached(window)
    entries, amended = _window_entries(window), _amendments(window)
    numbers = _attempt_numbers(window)

    def rows():
        yield PROVIDER_COLUMNS
        for entry in entries:
            person, changes = entry.participant, amended.get(entry.id, [])
            state = dfe_outcome(entry.outcome)
            yield [
                person.name, person.email, entry.npq_code, person.cohort or "",
                person.delivery_partner or "", person.school or "", entry.candidate_number,
                numbers.get(entry.id, ""), entry.outcome or "in_progress",
                state.value if state else "",
                completion_date(entry.completed_at) if entry.completed_at else "",
                _when(entry.completed_at), len(changes),
                iso_london(changes[-1].amended_at) if changes else "",
                changes[-1].reason if changes else "",
            ]

    yield from _csv_chunks(rows())
