"""The paper bank: adding case studies (Markdown or Word, with handouts) and who has read which."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from markupsafe import Markup
from sqlalchemy import select
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
    PaperSource,
    User,
    WindowPaper,
)
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
    audit.record("paper.uploaded", actor=actor, paper_id=paper.id, npq=npq_code,
                 title=paper.title, file=filename, sha256=sha256,
                 handouts=[h.filename for h in handouts])
    return paper


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


def has_read(participant_id: int, paper: CasePaper, at: datetime) -> bool:
    """Whether the participant has read this paper, or another with exactly the same text."""
    return any(p.id == paper.id or p.text_sha256 == paper.text_sha256
               for p in papers_read_by(participant_id, paper.npq_code, at))


def readers_of(paper: CasePaper, window: AssessmentWindow, at: datetime) -> list[User]:
    """Who is entered for the paper's NPQ in this window and has already read the paper."""
    entries = db.session.scalars(
        select(Entry).where(Entry.window_id == window.id, Entry.npq_code == paper.npq_code)
        .options(selectinload(Entry.participant))
    ).all()
    return [e.participant for e in entries if has_read(e.participant_id, paper, at)]
