"""Saving drafts, reading uploads and taking final submissions."""

import hashlib
from datetime import datetime

from sqlalchemy import case, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .. import wordcount
from ..docx_upload import read_response_docx
from ..extensions import db
from ..models import (
    AssessmentWindow,
    Draft,
    Entry,
    ResponseSource,
    ResponseUpload,
    SubmissionVersion,
    WindowPaper,
)
from ..timeformat import deadline_text
from ..word_limits import WordLimit
from . import audit, notifications


class SubmissionRefused(Exception):
    """A submission that cannot be accepted; the message is for the participant."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_limit_for(entry: Entry) -> WordLimit:
    return WordLimit(entry.window.word_limit, entry.window.tolerance_percent)


def save_draft(entry_id: int, text: str, at: datetime) -> int:
    """Keep the editor's text in one upsert and commit; returns the word count.

    Always allowed: a draft is never refused, so nothing is lost.
    """
    words = wordcount.count_words(text)
    _upsert_draft(entry_id, text, words, at)
    db.session.commit()
    return words


def _upsert_draft(entry_id: int, text: str, words: int, at: datetime) -> None:
    """INSERT .. ON CONFLICT (entry_id) DO UPDATE: one statement, no read first."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(Draft).values(entry_id=entry_id, text=text, word_count=words,
                                          saved_at=at)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[Draft.entry_id],
        set_={"text": insert.excluded.text, "word_count": insert.excluded.word_count,
              "saved_at": insert.excluded.saved_at},
    ))


def draft_target(participant_id: int, entry_id: int):
    """What autosave checks, in one query: (outcome, entered, release_at, paper_id), or None
    when the entry is not this participant's."""
    return db.session.execute(
        select(Entry.outcome, Entry.entered, AssessmentWindow.release_at, WindowPaper.paper_id)
        .join(Entry.window)
        .outerjoin(WindowPaper, (WindowPaper.window_id == Entry.window_id)
                   & (WindowPaper.npq_code == Entry.npq_code))
        .where(Entry.id == entry_id, Entry.participant_id == participant_id)
    ).first()


def entry_for_writing(participant_id: int, entry_id: int, *, lock: bool = False):
    """The participant's entry with its window and NPQ, and its paper's id, in one query
    (None when the entry is not theirs).

    With lock the entry's row is locked until commit (SELECT .. FOR UPDATE OF entry on
    PostgreSQL), so two submissions for one entry are numbered one after the other.
    """
    query = (
        select(Entry, WindowPaper.paper_id)
        .join(Entry.window).join(Entry.npq)
        .outerjoin(WindowPaper, (WindowPaper.window_id == Entry.window_id)
                   & (WindowPaper.npq_code == Entry.npq_code))
        .options(contains_eager(Entry.window), contains_eager(Entry.npq))
        .where(Entry.id == entry_id, Entry.participant_id == participant_id)
    )
    if lock:
        query = query.with_for_update(of=Entry)
    row = db.session.execute(query).first()
    return None if row is None else tuple(row)


def upload_for_submitting(participant_id: int, entry_id: int, upload_id: int, *,
                          lock: bool = False) -> ResponseUpload | None:
    """The participant's upload with its entry, window and NPQ in one query (None if not
    theirs); with lock, the entry's row is locked as in entry_for_writing."""
    query = (
        select(ResponseUpload)
        .join(ResponseUpload.entry).join(Entry.window).join(Entry.npq)
        .options(contains_eager(ResponseUpload.entry).contains_eager(Entry.window),
                 contains_eager(ResponseUpload.entry).contains_eager(Entry.npq))
        .where(ResponseUpload.id == upload_id, Entry.id == entry_id,
               Entry.participant_id == participant_id)
    )
    if lock:
        query = query.with_for_update(of=Entry)
    return db.session.scalar(query)


def draft_for(entry: Entry) -> Draft | None:
    return db.session.scalar(select(Draft).where(Draft.entry_id == entry.id))


def store_upload(entry: Entry, filename: str, data: bytes, at: datetime) -> ResponseUpload:
    """Read an uploaded .docx (raises DocxRejected with a message) and keep it with its text."""
    text = read_response_docx(filename, data)
    upload = ResponseUpload(
        entry_id=entry.id,
        filename=filename,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        word_count=wordcount.count_words(text),
        uploaded_at=at,
    )
    db.session.add(upload)
    audit.record(
        "response.uploaded", actor=entry.participant, window_id=entry.window_id,
        participant_id=entry.participant_id, filename=filename, words=upload.word_count,
    )
    db.session.commit()
    return upload


def check_submittable(entry: Entry, count: int, at: datetime) -> None:
    """Raise SubmissionRefused saying what is wrong and what to do, for a text of count words."""
    if not entry.window.is_released(at):
        raise SubmissionRefused("This assessment has not started yet.")
    if not entry.entered or entry.outcome is not None:
        raise SubmissionRefused("You are not entered for this assessment, so a response cannot "
                                "be submitted. Contact your provider if you think this is wrong.")
    if not entry.is_in_time(at):
        raise SubmissionRefused(
            f"The deadline was {deadline_text(entry.closes_at)}. "
            "Submissions are no longer accepted. Your text has been kept."
        )
    if count == 0:
        raise SubmissionRefused("Your response is empty. Write your response before submitting.")
    limit = word_limit_for(entry)
    if not limit.accepts(count):
        raise SubmissionRefused(limit.over_limit_message(count))


# Without the row lock (SQLite, or a caller that did not take it) two requests can pick the
# same number; the loser's insert hits UNIQUE(entry_id, number) and simply tries again.
SUBMIT_TRIES = 5


def submit(entry: Entry, text: str, *, declaration: bool, client_token: str, at: datetime,
           upload: ResponseUpload | None = None, keep_draft: bool = False) -> SubmissionVersion:
    """Take a final submission as a new version, with its receipt, in one transaction.

    Submitting the same form twice (a double click, a resent request) returns the
    version the first one made: the client token is unique per entry in the database.
    With keep_draft the text is also kept as the draft, in the same transaction, and kept
    even when the submission is refused. The text is counted once. Load the entry with
    entry_for_writing(lock=True) (or upload_for_submitting) so nothing is lazy-loaded and
    concurrent versions are numbered in turn.
    """
    entry_id = entry.id
    count = wordcount.count_words(text)
    for _ in range(SUBMIT_TRIES):
        number, existing_id = _next_number(entry_id, client_token)
        if existing_id is not None:
            return db.session.get(SubmissionVersion, existing_id)
        if keep_draft:
            _upsert_draft(entry_id, text, count, at)
        try:
            if not declaration:
                raise SubmissionRefused("Confirm that the response is your own work.")
            check_submittable(entry, count, at)
        except SubmissionRefused:
            db.session.commit()  # the draft, when asked: a refused submission loses no text
            raise
        version = SubmissionVersion(
            entry_id=entry_id,
            number=number,
            text=text,
            word_count=count,
            word_limit=entry.window.word_limit,
            sha256=sha256_text(text),
            source=ResponseSource.DOCX if upload else ResponseSource.TYPED,
            upload_id=upload.id if upload else None,
            declaration_accepted=True,
            client_token=client_token,
            submitted_at=at,
        )
        db.session.add(version)
        audit.record(
            "response.submitted", actor=entry.participant, window_id=entry.window_id,
            participant_id=entry.participant_id, version=number, words=count,
            sha256=version.sha256,
        )
        notifications.submission_receipt(entry, version, at)
        try:
            db.session.commit()
        except IntegrityError:
            # A concurrent request took this token (its version is the answer, next time
            # round) or this number (the next one is free).
            db.session.rollback()
            entry = db.session.get(Entry, entry_id)
            continue
        return version
    raise RuntimeError(f"entry {entry_id}: no free version number after {SUBMIT_TRIES} tries")


def saved_id(version: SubmissionVersion) -> int:
    """A committed version's id without reloading it (commit expires its attributes)."""
    return inspect(version).identity[0]


def _next_number(entry_id: int, client_token: str) -> tuple[int, int | None]:
    """The next version number, and the id of a version already made with this token."""
    highest, existing_id = db.session.execute(
        select(func.max(SubmissionVersion.number),
               func.max(case((SubmissionVersion.client_token == client_token,
                              SubmissionVersion.id))))
        .where(SubmissionVersion.entry_id == entry_id)
    ).one()
    return (highest or 0) + 1, existing_id


def versions_for(entry: Entry) -> list[SubmissionVersion]:
    return list(
        db.session.scalars(
            select(SubmissionVersion)
            .where(SubmissionVersion.entry_id == entry.id)
            .order_by(SubmissionVersion.number.desc())
        )
    )


def latest_versions(entry_ids: list[int]) -> dict[int, SubmissionVersion]:
    """The current (highest-numbered) version of each entry, in one query."""
    if not entry_ids:
        return {}
    newest = (
        select(SubmissionVersion.entry_id, func.max(SubmissionVersion.number).label("number"))
        .where(SubmissionVersion.entry_id.in_(entry_ids))
        .group_by(SubmissionVersion.entry_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(SubmissionVersion).join(
            newest,
            (SubmissionVersion.entry_id == newest.c.entry_id)
            & (SubmissionVersion.number == newest.c.number),
        )
    )
    return {version.entry_id: version for version in rows}
