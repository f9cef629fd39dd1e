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
import logging
import re
import tempfile
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass
from itertools import islice
from types import SimpleNamespace

from sqlalchemy import String, case, exists, func, inspect, select, true, type_coerce
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..attempt_outcome import Rule
from ..attempts import NOT_COUNTED
from ..clock import to_london
from ..csv_cells import spreadsheet_safe
from ..dfe_return import RETURN_COLUMNS, completion_date, dfe_outcome, return_row
from ..docx_upload import DocxRejected, copy_naming_nobody
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
    Outcome,
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
from ..zip_stream import DEFLATED, LEVEL, STORED, ZipStream, deflate
from .allocations import marked_entries
from .amendments import as_amended
from .checking import _Checking, final_results, needs_second, settled_by

log = logging.getLogger(__name__)

COLUMNS = [
    "candidate_number", "npq", "version", "words", "sha256", "submitted_at",
    "first_marker", "first_outcome", "first_levels", "first_marked_at",
    "second_marker", "second_outcome", "second_levels", "second_marked_at",
    "moderator", "moderated_outcome", "moderation_reason", "moderated_at", "final_outcome",
    "rubric_version",
]


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


def _page_versions(window: AssessmentWindow, at, entry_ids: list[int]) -> dict:
    """marked_versions of these entries (by the rule's own SQL, marked_entries), by candidate
    number, each a plain row of its entry's and marked version's columns: an entry, version and
    participant object for each script were a fifth of the pack's time."""
    newest = (select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
              .where(SubmissionVersion.entry_id.in_(entry_ids))
              .group_by(SubmissionVersion.entry_id).subquery())
    return {row.entry_id: row for row in db.session.execute(
        select(Entry.id.label("entry_id"), Entry.candidate_number, Entry.npq_code, Entry.outcome,
               Entry.outcome_rule, SubmissionVersion.number, SubmissionVersion.submitted_at,
               SubmissionVersion.word_count, SubmissionVersion.word_limit,
               SubmissionVersion.sha256)
        .join(newest, newest.c.entry_id == Entry.id)
        .join(SubmissionVersion, (SubmissionVersion.entry_id == Entry.id)
              & (SubmissionVersion.number == newest.c.number))
        .where(marked_entries(window, at).whereclause, Entry.id.in_(entry_ids))
        .order_by(Entry.candidate_number))}


def _marking(window: AssessmentWindow, at, entry_ids: list[int]) -> _Marking:
    """The marking of the window's scripts of `entry_ids` (a page of them: the pack reads a
    window a page at a time)."""
    versions = _page_versions(window, at, entry_ids)
    checking = _page_checking(versions)
    submitted = [a for a in (*checking.first.values(), *checking.second.values())
                 if a.status is AllocationStatus.SUBMITTED and a.entry_id in versions]
    return _Marking(versions,
                    {(a.entry_id, a.role): a for a in submitted},
                    {k: c for k, c in checking.cases.items() if k in versions},
                    final_results(versions.keys(), checking),
                    {r.entry_id: r for r in db.session.scalars(
                        select(ReviewRequest)
                        .where(ReviewRequest.entry_id.in_(list(versions)),
                               ReviewRequest.status == ReviewStatus.COMPLETED)
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


def _marked_scripts(window: AssessmentWindow, at):
    """Each marked script of the window by candidate number, in one statement read a few
    hundred rows at a time: its marked (last) version, its live first and second allocations
    with their marks and markers, its case, whether it was sampled and whether a review of
    marking was completed. Plain columns, not objects, so nothing is kept as it streams."""
    first, second = aliased(Allocation), aliased(Allocation)
    first_mark, second_mark = aliased(Mark), aliased(Mark)
    first_marker, second_marker, moderator = aliased(User), aliased(User), aliased(User)
    # The entry's last version, looked up for each row through UNIQUE(entry_id, number): a
    # join to every entry's newest number (a GROUP BY over all versions of every window) was
    # planned without fresh statistics as a nested loop comparing each script with every
    # group, 28 s at 20,000, and even with them read the whole history of versions.
    later = aliased(SubmissionVersion)
    last_number = (select(func.max(later.number)).where(later.entry_id == Entry.id)
                   .scalar_subquery())

    def live(allocation, role):
        return ((allocation.entry_id == Entry.id) & (allocation.role == role)
                & (allocation.status != AllocationStatus.RETURNED))

    return db.session.connection().execute(
        select(Entry.candidate_number, Entry.npq_code, Entry.outcome.label("outcome"),
               Entry.outcome_rule.label("outcome_rule"), SubmissionVersion.number,
               SubmissionVersion.word_count, SubmissionVersion.sha256,
               SubmissionVersion.submitted_at,
               first.status.label("first_status"), first_marker.name.label("first_marker"),
               first_mark.outcome.label("first_outcome"),
               first_mark.borderline.label("first_borderline"),
               first_mark.submitted_at.label("first_at"),
               first_mark.rubric_version.label("first_rubric"),
               second.id.label("second_id"), second.status.label("second_status"),
               second_marker.name.label("second_marker"),
               second_mark.outcome.label("second_outcome"),
               second_mark.submitted_at.label("second_at"),
               Moderation.id.label("case_id"), moderator.name.label("moderator"),
               Moderation.outcome.label("case_outcome"), Moderation.reason.label("case_reason"),
               Moderation.decided_at.label("case_at"),
               Moderation.rubric_version.label("case_rubric"),
               SecondMarkingSample.entry_id.is_not(None).label("sampled"),
               exists().where(ReviewRequest.entry_id == Entry.id,
                              ReviewRequest.status == ReviewStatus.COMPLETED).label("reviewed"))
        .select_from(Entry)
        .join(SubmissionVersion, (SubmissionVersion.entry_id == Entry.id)
              & (SubmissionVersion.number == last_number))
        .outerjoin(first, live(first, MarkingRole.FIRST))
        .outerjoin(first_mark, first_mark.allocation_id == first.id)
        .outerjoin(first_marker, first_marker.id == first.marker_id)
        .outerjoin(second, live(second, MarkingRole.SECOND))
        .outerjoin(second_mark, second_mark.allocation_id == second.id)
        .outerjoin(second_marker, second_marker.id == second.marker_id)
        .outerjoin(Moderation, Moderation.entry_id == Entry.id)
        .outerjoin(moderator, moderator.id == Moderation.moderator_id)
        .outerjoin(SecondMarkingSample, SecondMarkingSample.entry_id == Entry.id)
        .where(marked_entries(window, at).whereclause)
        .order_by(Entry.candidate_number)
        .execution_options(yield_per=500)
    )


def _marked_levels(window: AssessmentWindow, at):
    """(candidate number, role, criterion, level) of every submitted mark of the window's
    marked scripts, in _marked_scripts' order (and each mark's in its judgements'), streamed
    beside it."""
    return db.session.connection().execute(
        # The role as its text: an enum made per judgement costs more than the rest of the row.
        select(Entry.candidate_number, type_coerce(Allocation.role, String), Judgement.criterion_id,
               Judgement.level_id)
        .select_from(Judgement)
        .join(Mark, Mark.id == Judgement.mark_id)
        .join(Allocation, Allocation.id == Mark.allocation_id)
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(marked_entries(window, at).whereclause,
               Allocation.status == AllocationStatus.SUBMITTED)
        .order_by(Entry.candidate_number, Judgement.id)
        .execution_options(yield_per=2000)
    )


def _marks_rows(window: AssessmentWindow, at):
    """The marks CSV's rows, made as the two streams are read: never the window in memory."""
    yield COLUMNS
    with closing(_marked_scripts(window, at)) as scripts, \
            closing(_marked_levels(window, at)) as levels:
        levels = iter(levels)
        pending = next(levels, None)
        for s in scripts:
            by_role: dict[str, list[str]] = {MarkingRole.FIRST: [], MarkingRole.SECOND: []}
            while pending is not None and pending[0] == s.candidate_number:
                by_role[pending[1]].append(f"{pending[2]}={pending[3]}")
                pending = next(levels, None)
            first_in = s.first_status == AllocationStatus.SUBMITTED
            second_in = s.second_status == AllocationStatus.SUBMITTED
            by = settled_by(s.case_id is not None, s.case_at is not None, first_in,
                            first_in and needs_second(s.sampled, s.second_id is not None,
                                                      s.first_outcome, s.first_borderline),
                            second_in)
            result = (_Result(s.case_outcome, s.case_rubric) if by == "case" else
                      _Result(s.first_outcome, s.first_rubric) if by == "first" else None)
            yield [
                s.candidate_number, s.npq_code, s.number, s.word_count, s.sha256,
                iso_london(s.submitted_at),
                s.first_marker if first_in else "", s.first_outcome.value if first_in else "",
                "; ".join(by_role[MarkingRole.FIRST]) if first_in else "",
                _when(s.first_at if first_in else None),
                s.second_marker if second_in else "", s.second_outcome.value if second_in else "",
                "; ".join(by_role[MarkingRole.SECOND]) if second_in else "",
                _when(s.second_at if second_in else None),
                s.moderator or "", s.case_outcome.value if s.case_outcome else "",
                s.case_reason if s.case_at else "",  # a draft's reason is not one
                _when(s.case_at),
                _final_outcome(s, result, True if s.reviewed else None),
                result.rubric_version if result else "",
            ]


@dataclass(frozen=True)
class _Result:
    """What _final_outcome reads of a script's result."""

    outcome: Outcome
    rubric_version: str


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
    yield from _csv_chunks(_marks_rows(window, at))


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
    """The marking of one script, for a person to read: each mark, moderation and the result.
    `original`: the path of its Word document in the pack, "" when it was uploaded but left
    out, None when it was typed."""
    lines = [f"Candidate {v.candidate_number} ({v.npq_code})", "",
             f"Marked version: {v.number}, submitted {iso_london(v.submitted_at)}, "
             f"{v.word_count} words (limit {v.word_limit}), SHA-256 of the text {v.sha256}",
             f"Response text: scripts/{v.npq_code}/{v.candidate_number}.txt"]
    if original:
        lines.append(f"Uploaded as a Word document: {original}")
    elif original == "":
        lines.append("Uploaded as a Word document, left out of this pack: a copy naming nobody "
                     "could not be made from it. The response text is the text that was marked.")
    for role, label in ((MarkingRole.FIRST, "First mark"), (MarkingRole.SECOND, "Second mark")):
        allocation = data.by_role.get((v.entry_id, role))
        if allocation is None:
            continue
        mark = allocation.mark
        lines += ["", f"{label}: {allocation.marker.name}, submitted {_when(mark.submitted_at)}",
                  f"Outcome: {mark.outcome.value}{' (borderline)' if mark.borderline else ''}",
                  f"Rubric version: {mark.rubric_version}", "Criteria:"]
        lines += _judgement_lines(mark.judgements, rubrics.get(mark.rubric_version))
        lines += ["Overall feedback:", mark.feedback or "(none)"]
    case = data.cases.get(v.entry_id)
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
    review = data.reviews.get(v.entry_id)
    if review is not None:
        lines += ["", f"Review of marking: {review.reviewer.name}, completed "
                      f"{iso_london(review.completed_at)}", f"Outcome: {review.outcome.value}",
                  f"Reason: {review.rationale}", f"Rubric version: {review.rubric_version}",
                  "Criteria:"]
        lines += _judgement_lines(review.judgements, rubrics.get(review.rubric_version))
        lines += ["Overall feedback:", review.feedback or "(none)"]
    result = data.results.get(v.entry_id)
    lines += ["", f"Final outcome: {_final_outcome(v, result, review)}"
              + (f" (marked with rubric version {result.rubric_version})" if result else "")
              if result or v.outcome else "Final outcome: marking not finished"]
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


GROUP = 32  # scripts handed to the compressing thread at once
AHEAD = 4  # groups being compressed while the next scripts are read: all the pack holds


def _compressed(units: list[list[tuple]]) -> list[list[tuple]]:
    """Run in the compressing thread (zlib and hashlib let go of the GIL, so it works beside
    the build): each member's body as the zip holds it, its CRC-32, size and SHA-256."""
    return [[(deflate(content) if method == DEFLATED else content, zlib.crc32(content),
              len(content), hashlib.sha256(content).hexdigest())
             for _, content, method, *_ in unit] for unit in units]


class _Packer:
    """The pack's members, compressed in a second thread a group of scripts at a time while
    the build reads and formats the next, and written to the zip, and listed in the manifest,
    in the order they were added: a piece per script (a unit of members), never more than
    AHEAD groups behind."""

    def __init__(self, pool: ThreadPoolExecutor, stream: ZipStream, manifest: _Spool):
        self.pool, self.stream, self.manifest = pool, stream, manifest
        self.group: list[list[tuple]] = []
        self.pending: deque = deque()

    def add(self, unit: list[tuple]) -> None:
        """A unit of (path, content, what, candidate, npq, method) members: one piece."""
        self.group.append([(path, content.encode("utf-8") if isinstance(content, str) else
                            content, method, what, candidate, npq)
                           for path, content, what, candidate, npq, method in unit])
        if len(self.group) >= GROUP:
            self._send()

    def _send(self) -> None:
        group, self.group = self.group, []
        self.pending.append((group, self.pool.submit(_compressed, group)))

    def written(self, ahead: int = AHEAD) -> Iterator[bytes]:
        """The units compressed, leaving `ahead` groups at work (0: all of them)."""
        if not ahead and self.group:
            self._send()
        while len(self.pending) > ahead:
            group, future = self.pending.popleft()
            for unit, packed in zip(group, future.result(), strict=True):
                parts = []
                for (path, _, method, what, candidate, npq), (body, crc, size, sha256) in zip(
                        unit, packed, strict=True):
                    parts.append(self.stream.member(path, method, body, crc, size))
                    self.manifest.write([[path, candidate, npq, what, sha256]])
                yield b"".join(parts)

    def spooled(self, path: str, spool: _Spool) -> Iterator[bytes]:
        """Everything added so far, then a spooled CSV as a member, deflated to a temporary
        file first (its size goes in the header before it); returns its SHA-256."""
        yield from self.written(0)
        crc, size, digest = 0, 0, hashlib.sha256()
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        with tempfile.TemporaryFile() as body:
            for block in spool.blocks():
                crc, size = zlib.crc32(block, crc), size + len(block)
                digest.update(block)
                body.write(compressor.compress(block))
            body.write(compressor.flush())
            yield self.stream.header(path, DEFLATED, body.tell(), crc, size)
            body.seek(0)
            while block := body.read(256 * 1024):
                yield block
        return digest.hexdigest()


def _original_in_pack(unit: list, base: str, kept_copy: bytes | None, upload: bytes | None,
                      upload_sha256: str, who: tuple) -> str:
    """Adds the uploaded Word document's copy naming nobody to the script's `unit` and returns
    its path; "" when there is none to add: an upload kept before copies were made, from
    which one cannot be built now. One such file leaves its script without the original; it
    does not stop the pack."""
    if kept_copy is None:
        try:
            kept_copy = copy_naming_nobody(f"{base}.docx", upload)
        except DocxRejected:
            log.warning("moderation pack: %s left out, no copy naming nobody", base)
            return ""
    original = f"{base}-original.docx"
    what = ("The Word document uploaded (rebuilt to name nobody: properties, comments, headers, "
            "footers and alt text left out, tracked changes accepted; uploaded file's SHA-256 "
            f"{upload_sha256})")
    unit.append((original, kept_copy, what, *who, STORED))  # a .docx is a zip already
    return original


def scripts_zip(window: AssessmentWindow, at, progress=_no_progress,
                page: int = PACK_PAGE) -> Iterator[bytes]:
    """The external moderator's pack: scripts, marking, rubric versions and papers (see
    PACK_README), with a manifest. Nothing in it names a participant. Yielded in pieces as
    it is written; `progress(done, total, stage)` is told each script added and each stage
    (services/moderation_packs.py builds it as a job and decides how often to say so).

    Memory stays flat whatever the window's size: the window is read `page` scripts at a time
    (their marking, then their texts through a cursor), the members compressed a few groups
    behind (_Packer), and the marks and manifest, a row per script, are spooled to temporary
    files and added at the end."""
    window = _attached(window)
    progress(0, 0, "Reading the window's marks and decisions")
    total = _submitted_count(window)
    stored, rubrics, npqs = {}, {}, set()
    with ExitStack() as stack:
        marks, manifest = (_Spool(stack.enter_context(tempfile.TemporaryFile()))
                           for _ in range(2))
        manifest.write([["path", "candidate_number", "npq", "what", "sha256"]])
        marks.write([COLUMNS])
        stream = ZipStream(to_london(at))
        packer = _Packer(stack.enter_context(ThreadPoolExecutor(1)), stream, manifest)

        progress(0, total, "Writing the scripts and their marking")
        written = 0
        for entry_ids in _entry_pages(window, page):
            data = _marking(window, at, entry_ids)
            new = _rubric_versions(data) - stored.keys()
            for row in db.session.scalars(select(RubricVersion)
                                          .where(RubricVersion.version.in_(new))) if new else ():
                stored[row.version] = row
                rubrics[row.version] = parse_rubric(row.content.encode("utf-8"),
                                                    source=f"rubric {row.version[:12]}")
            npqs |= {v.npq_code for v in data.versions.values()}
            # Closed however the build ends: on PostgreSQL it is a server-side cursor.
            with closing(_script_files(entry_ids)) as files:
                for entry_id, text, shared_copy, upload, upload_sha256 in files:
                    v = data.versions.get(entry_id)
                    if v is None:  # still in time, or voided or deferred: not marked
                        continue
                    base = f"scripts/{v.npq_code}/{v.candidate_number}"
                    who = v.candidate_number, v.npq_code
                    unit = [(f"{base}.txt", text, "The marked text of the response", *who,
                             DEFLATED)]
                    original = None
                    if upload_sha256 is not None:
                        original = _original_in_pack(unit, base, shared_copy, upload,
                                                     upload_sha256, who)
                    unit.append((f"{base}-marking.txt", _marking_text(v, data, rubrics, original),
                                 "Each mark with criterion levels and comments, feedback, "
                                 "moderation and outcome", *who, DEFLATED))
                    packer.add(unit)
                    written += 1
                    progress(written, total, "Writing the scripts and their marking")
                    yield from packer.written()
        progress(written, written, "Adding the marks, rubrics, papers and manifest")
        # The marks CSV's own rows, streamed (the header is written once, above).
        marks.write(islice(_marks_rows(window, at), 1, None))
        sha256 = yield from packer.spooled("marks.csv", marks)
        manifest.write([["marks.csv", "", "", "Marks and decisions, one row per script", sha256]])
        for version, row in sorted(stored.items()):
            packer.add([(f"rubrics/{row.npq_code}-{version}.yaml", row.content,
                         f"The {row.npq_code} rubric, version {version}", "", row.npq_code,
                         DEFLATED)])
        for npq, paper in sorted(_papers(window, npqs).items()):
            for name, content, what in paper_files(paper):
                packer.add([(f"papers/{npq}/{name}", content, what, "", npq, DEFLATED)])
        packer.add([("README.txt", PACK_README.format(window=window.name, made=iso_london(at)),
                     "What this pack holds", "", "", DEFLATED)])
        yield from packer.spooled("manifest.csv", manifest)
    yield stream.end()


# Results: the DfE return and the provider's report --------------------------------------


NOT_COUNTED_VALUES = {outcome.value for outcome in NOT_COUNTED}
PROVIDER_COLUMNS = ["name", "email", "npq", "cohort", "delivery_partner", "school",
                    "candidate_number", "attempt_number", "outcome", "dfe_outcome",
                    "completion_date", "completed_at", "amendments", "last_amended_at",
                    "last_amendment_reason"]


def _counted(entry):
    """The entry's attempt counts (attempts.NOT_COUNTED, said in SQL)."""
    return entry.outcome.is_(None) | entry.outcome.not_in(NOT_COUNTED_VALUES)


def _attempt_number(window: AssessmentWindow):
    """Which counted attempt at their NPQ each of the window's entries is (windows in release
    order, then entries in turn), as a column; none for an attempt that does not count
    (voided, deferred, withdrawn). It counts, for each row, the same person's counted entries
    for the NPQ up to this one, through their index: no plan can make it compare every entry
    of the window with every other, as a join of the entries to a numbering of them did on
    PostgreSQL without fresh statistics (a nested loop: 17 s at 20,000 after an import)."""
    earlier = aliased(Entry)
    up_to_this = (select(func.count()).select_from(earlier)
                  .join(AssessmentWindow, AssessmentWindow.id == earlier.window_id)
                  .where(earlier.participant_id == Entry.participant_id,
                         earlier.npq_code == Entry.npq_code, _counted(earlier),
                         (AssessmentWindow.release_at < window.release_at)
                         | ((AssessmentWindow.release_at == window.release_at)
                            & (earlier.id <= Entry.id)))
                  .correlate(Entry).scalar_subquery())
    return case((_counted(Entry), up_to_this)).label("attempt_number")


def _window_entries(window: AssessmentWindow, numbered: bool = False):
    """The window's entries with their participants, by NPQ then entry, in one statement read
    a thousand rows at a time (plain columns: nothing is kept as it streams); `numbered` adds
    each one's attempt number."""
    query = (
        select(Entry.id, Entry.npq_code, Entry.candidate_number, Entry.outcome,
               Entry.completed_at, Entry.reported_outcome, Entry.reported_completed_at,
               User.name, User.email, User.cohort, User.delivery_partner, User.school)
        .join(User, User.id == Entry.participant_id)
        .where(Entry.window_id == window.id).order_by(Entry.npq_code, Entry.id)
        .execution_options(yield_per=1000))
    if numbered:
        query = query.add_columns(_attempt_number(window))
    return db.session.connection().execute(query)


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
    amended = _amendments(window)

    def rows():
        yield RETURN_COLUMNS
        with closing(_window_entries(window)) as entries:
            for entry in entries:
                row = return_row(entry.reported_outcome, entry.reported_completed_at,
                                 as_amended(amended.get(entry.id, [])))
                if row is not None:
                    row.update(email=entry.email, name=entry.name, npq=entry.npq_code,
                               window=window.name)
                    yield [row[c] for c in RETURN_COLUMNS]

    yield from _csv_chunks(rows())


def provider_report_csv(window: AssessmentWindow) -> Iterator[str]:
    """The provider's own results report: one row per participant in the window with our
    internal outcome (passed, failed, voided, not_submitted, lost_engagement, deferred or
    in_progress), which counted attempt it is, the DfE state it maps to, and amendments."""
    window = _attached(window)
    amended = _amendments(window)

    def rows():
        yield PROVIDER_COLUMNS
        with closing(_window_entries(window, numbered=True)) as entries:
            for entry in entries:
                changes = amended.get(entry.id, [])
                state = dfe_outcome(entry.outcome)
                yield [
                    entry.name, entry.email, entry.npq_code, entry.cohort or "",
                    entry.delivery_partner or "", entry.school or "", entry.candidate_number,
                    entry.attempt_number or "", entry.outcome or "in_progress",
                    state.value if state else "",
                    completion_date(entry.completed_at) if entry.completed_at else "",
                    _when(entry.completed_at), len(changes),
                    iso_london(changes[-1].amended_at) if changes else "",
                    changes[-1].reason if changes else "",
                ]

    yield from _csv_chunks(rows())
