"""The paper bank: adding case studies (Markdown or Word, with handouts) and who has read which."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import defer, joinedload, selectinload

from ..case_studies import (
    HANDOUT_SUFFIXES,
    CaseStudyError,
    available_case_studies,
    check_handout_name,
    parse_case_study,
    rendered_case_study,
)
from ..case_study_docx import docx_to_markdown
from ..extensions import db
from ..models import (
    AssessmentWindow,
    CasePaper,
    Entry,
    PaperHandout,
    PaperResemblance,
    PaperSource,
    User,
    WindowPaper,
)
from ..paper_likeness import SAME_PAPER_PERCENT, near_copies
from ..savepoints import savepoint
from . import audit

MAX_PAPER_BYTES = 2 * 1024 * 1024
MAX_HANDOUT_BYTES = 5 * 1024 * 1024
MAX_HANDOUTS = 5
PAPER_SUFFIXES = (".md", ".docx")
_HANDOUT_TYPES = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".pdf": ("application/pdf", b"%PDF-"),
}


class PaperError(Exception):
    """An upload that cannot go into the bank; the message says why, `field` says where."""

    def __init__(self, message: str, field: str = "paper"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes


def add_paper(npq_code: str, paper_file: UploadedFile, handouts: list[UploadedFile], title: str,
              actor: User | None, at: datetime) -> CasePaper:
    """Check an uploaded paper and its handouts and add them to the NPQ's bank, all or nothing
    (nothing is added before every check has passed); raises PaperError."""
    name = _plain_name(paper_file.filename)
    suffix = PurePath(name).suffix.lower()
    if suffix not in PAPER_SUFFIXES:
        raise PaperError(f"{name}: upload a Markdown file (.md) with its front matter, or a Word "
                         "document (.docx).")
    if not paper_file.data:
        raise PaperError(f"{name}: the file is empty.")
    if len(paper_file.data) > MAX_PAPER_BYTES:
        raise PaperError(f"{name}: the paper must be smaller than 2 MB (put data in a handout).")
    checked_handouts = _check_handouts(handouts)
    try:
        if suffix == ".md":
            study = parse_case_study(paper_file.data, name)
            if study.npq != npq_code:
                raise PaperError(f"{name}: its front matter says npq: {study.npq}, but this is the "
                                 f"{npq_code} bank.")
            named = study.handout_filename
            if named and named not in {h.filename for h in checked_handouts}:
                raise PaperError(f"{name}: its front matter names the handout {named}; upload "
                                 "that file too.", "handouts")
            paper = CasePaper(title=study.title, summary=study.summary,
                              markdown=study.body_markdown, source=PaperSource.MARKDOWN)
        else:
            converted = docx_to_markdown(paper_file.data, name)
            paper_title = title.strip() or converted.title
            if not paper_title:
                raise PaperError("Enter a title: the Word document has no Title paragraph.",
                                 "title")
            paper = CasePaper(title=paper_title, summary="", markdown=converted.markdown,
                              source=PaperSource.DOCX)
    except CaseStudyError as problem:
        raise PaperError(str(problem)) from None
    return _add(paper, npq_code, name, paper_file.data, checked_handouts, actor, at)


def _add(paper: CasePaper, npq_code: str, filename: str, data: bytes,
         handouts: list[PaperHandout], actor: User | None, at: datetime) -> CasePaper:
    sha256 = hashlib.sha256(data).hexdigest()
    same = _same_file(npq_code, sha256)
    if same is not None:
        raise PaperError(f"{filename}: this file is already in the {npq_code} bank as "
                         f"“{same.title}”.")
    paper.npq_code, paper.original_filename, paper.sha256 = npq_code, filename, sha256
    paper.text_sha256 = text_sha256(paper.markdown)
    paper.uploaded_by, paper.uploaded_at = (actor.id if actor else None), at
    paper.handouts = handouts
    db.session.add(paper)
    db.session.flush()
    resembles = _record_near_copies(paper, at)
    audit.record("paper.uploaded", actor=actor, paper_id=paper.id, npq=npq_code,
                 title=paper.title, file=filename, sha256=sha256,
                 handouts=[h.filename for h in handouts],
                 same_paper_as=[{"paper_id": r.resembles_id, "title": r.resembles.title,
                                 "percent": r.percent} for r in resembles])
    return paper


def _record_near_copies(paper: CasePaper, at: datetime) -> list[PaperResemblance]:
    """Compare a new paper's text with every other paper of its NPQ and record each near-copy
    (paper_likeness.py): from now on they are one paper for "never read twice"."""
    others = dict(db.session.execute(
        select(CasePaper.id, CasePaper.markdown)
        .where(CasePaper.npq_code == paper.npq_code, CasePaper.id != paper.id)).all())
    found = [PaperResemblance(paper_id=paper.id, resembles_id=like.key,
                              percent=like.whole_percent, found_at=at)
             for like in near_copies(paper.markdown, others)]
    db.session.add_all(found)
    db.session.flush()
    return found


@dataclass(frozen=True)
class NearCopy:
    """Another paper in the bank that is the same paper as this one."""

    paper: CasePaper
    percent: int

    def describe(self) -> str:
        used = f", used in {self.paper.used_in.window.name}" if self.paper.used_in else ""
        return f"“{self.paper.title}” ({self.paper.original_filename}{used}): {self.percent}% the same"


def near_copies_of(paper: CasePaper) -> list[NearCopy]:
    """The bank's papers whose text is a near-copy of this one's, the most alike first."""
    links = db.session.scalars(select(PaperResemblance).where(
        or_(PaperResemblance.paper_id == paper.id, PaperResemblance.resembles_id == paper.id))
    ).all()
    copies = [NearCopy(link.resembles if link.paper_id == paper.id else link.paper, link.percent)
              for link in links]
    return sorted(copies, key=lambda copy: (-copy.percent, copy.paper.id))


def near_copy_warning(paper: CasePaper) -> str | None:
    """What the admin is told when a paper they add is a near-copy of others in the bank."""
    copies = near_copies_of(paper)
    if not copies:
        return None
    listed = "; ".join(copy.describe() for copy in copies)
    return (f"“{paper.title}” is a near-copy of {listed}. Near-copies are one paper (at least "
            f"{SAME_PAPER_PERCENT}% of the shorter one's text is in the other), so nobody who "
            "has read one of them can be given another.")


def _same_file(npq_code: str, sha256: str) -> CasePaper | None:
    return db.session.scalar(select(CasePaper).where(CasePaper.npq_code == npq_code,
                                                     CasePaper.sha256 == sha256))


def _check_handouts(handouts: list[UploadedFile]) -> list[PaperHandout]:
    handouts = [h for h in handouts if h.filename or h.data]
    if len(handouts) > MAX_HANDOUTS:
        raise PaperError(f"Upload at most {MAX_HANDOUTS} handouts.", "handouts")
    checked, seen = [], set()
    for handout in handouts:
        name = _plain_name(handout.filename)
        try:
            check_handout_name(name, name)
        except CaseStudyError:
            raise PaperError(f"{name}: a handout must be a {' or '.join(HANDOUT_SUFFIXES)} file.",
                             "handouts") from None
        if name in seen:
            raise PaperError(f"{name}: two handouts have this name.", "handouts")
        seen.add(name)
        content_type, signature = _HANDOUT_TYPES[PurePath(name).suffix.lower()]
        if len(handout.data) > MAX_HANDOUT_BYTES:
            raise PaperError(f"{name}: each handout must be smaller than 5 MB.", "handouts")
        if not handout.data.startswith(signature):
            raise PaperError(f"{name}: the file is empty, damaged or not really a "
                             f"{PurePath(name).suffix[1:].upper()} file.", "handouts")
        checked.append(PaperHandout(filename=name, content_type=content_type,
                                    size=len(handout.data),
                                    sha256=hashlib.sha256(handout.data).hexdigest(),
                                    data=handout.data))
    return checked


def _plain_name(filename: str) -> str:
    """The file's own name: browsers may send a path, which says nothing we should keep."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "unnamed"


def import_directory(directory, at: datetime) -> tuple[list[CasePaper], list[str]]:
    """Load every case-study file in a folder into the bank; files already there are skipped.

    All or nothing: raises CaseStudyError or PaperError, naming the file, if any file is broken
    (the papers added before it are taken back with a savepoint; the caller's other work stays).
    """
    added, skipped = [], []
    with savepoint():
        for study in available_case_studies(directory):
            path = Path(study.source_path)
            data = path.read_bytes()
            if _same_file(study.npq, hashlib.sha256(data).hexdigest()) is not None:
                skipped.append(path.name)
                continue
            handouts = []
            if study.handout_filename:
                handouts = [UploadedFile(study.handout_filename,
                                         (path.parent / study.handout_filename).read_bytes())]
            added.append(add_paper(study.npq, UploadedFile(path.name, data), handouts, "", None,
                                   at))
    return added, skipped


def bank(npq_code: str) -> list[CasePaper]:
    """The NPQ's papers, newest first, each with the window it was used in (if any)."""
    return list(db.session.scalars(
        select(CasePaper).where(CasePaper.npq_code == npq_code)
        .options(selectinload(CasePaper.used_in).selectinload(WindowPaper.window),
                 selectinload(CasePaper.handouts))
        .order_by(CasePaper.uploaded_at.desc(), CasePaper.id.desc())
    ))


def unused_papers(npq_code: str) -> list[CasePaper]:
    return [paper for paper in bank(npq_code) if paper.used_in is None]


def text_sha256(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()


# A window's paper as participants read it: its handout list with it, its text left unloaded
# (paper_html renders each version once and keeps the copy).
PAPER_AS_READ = joinedload(WindowPaper.case_paper).options(
    defer(CasePaper.markdown), joinedload(CasePaper.handouts))


def paper_as_read(window_id: int, npq_code: str) -> WindowPaper | None:
    """The window's paper for this NPQ, in one statement (see PAPER_AS_READ)."""
    return db.session.scalars(
        select(WindowPaper).where(WindowPaper.window_id == window_id,
                                  WindowPaper.npq_code == npq_code).options(PAPER_AS_READ)
    ).unique().first()


def paper_html(paper: CasePaper) -> Markup:
    """The paper as participants read it, rendered once per version (its text may stay unloaded)."""
    return rendered_case_study(paper.id, paper.text_sha256, lambda: paper.markdown)


def papers_read_by(participant_id: int, npq_code: str, at: datetime) -> list[CasePaper]:
    """The NPQ's papers this participant has read: the paper of each of their entries whose
    window was released while they were entered (not lost at the gate, nor deferred or
    otherwise ended before the release)."""
    entries = db.session.scalars(
        select(Entry).join(AssessmentWindow)
        .where(Entry.participant_id == participant_id, Entry.npq_code == npq_code,
               Entry.entered.is_(True), AssessmentWindow.release_at <= at)
    ).all()
    read = []
    for entry in entries:
        paper = entry.paper
        ended_before_release = (entry.completed_at is not None
                                and entry.completed_at < entry.window.release_at)
        if paper is not None and paper.case_paper is not None and not ended_before_release:
            read.append(paper.case_paper)
    return read


def same_paper_ids(paper: CasePaper) -> frozenset[int]:
    """The papers that are this paper for "never read twice": itself, any with exactly the
    same text, and its near-copies (recorded when the later of each two was added)."""
    same_text = db.session.scalars(select(CasePaper.id).where(
        CasePaper.npq_code == paper.npq_code, CasePaper.text_sha256 == paper.text_sha256))
    linked = db.session.execute(select(PaperResemblance.paper_id, PaperResemblance.resembles_id)
                                .where(or_(PaperResemblance.paper_id == paper.id,
                                           PaperResemblance.resembles_id == paper.id)))
    return frozenset({paper.id, *same_text, *(i for pair in linked for i in pair)})


def has_read(participant_id: int, paper: CasePaper, at: datetime,
             same: frozenset[int] | None = None) -> bool:
    """Whether the participant has read this paper, another with the same text, or a near-copy
    of it (`same`: same_paper_ids(paper), when already known)."""
    same = same_paper_ids(paper) if same is None else same
    return any(p.id in same for p in papers_read_by(participant_id, paper.npq_code, at))


def readers_of(paper: CasePaper, window: AssessmentWindow, at: datetime) -> list[User]:
    """Who is entered for the paper's NPQ in this window and has already read the paper."""
    entries = db.session.scalars(
        select(Entry).where(Entry.window_id == window.id, Entry.npq_code == paper.npq_code)
        .options(selectinload(Entry.participant))
    ).all()
    same = same_paper_ids(paper)
    return [e.participant for e in entries if has_read(e.participant_id, paper, at, same)]
