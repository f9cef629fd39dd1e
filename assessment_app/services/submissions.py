"""Saving drafts, reading uploads and taking final submissions."""

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import wordcount
from ..docx_upload import read_response_docx
from ..extensions import db
from ..models import Draft, Entry, ResponseSource, ResponseUpload, SubmissionVersion
from ..timeformat import deadline_text
from ..word_limits import WordLimit
from . import audit, notifications


class SubmissionRefused(Exception):
    """A submission that cannot be accepted; the message is for the participant."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_limit_for(entry: Entry) -> WordLimit:
    return WordLimit(entry.window.word_limit, entry.window.tolerance_percent)


def save_draft(entry: Entry, text: str, at: datetime) -> Draft:
    """Keep the editor's text. Always allowed: a draft is never refused, so nothing is lost."""
    draft = db.session.scalar(select(Draft).where(Draft.entry_id == entry.id))
    if draft is None:
        draft = Draft(entry_id=entry.id)
        db.session.add(draft)
    draft.text, draft.word_count, draft.saved_at = text, wordcount.count_words(text), at
    db.session.commit()
    return draft


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


def check_submittable(entry: Entry, text: str, at: datetime) -> int:
    """Return the word count, or raise SubmissionRefused saying what is wrong and what to do."""
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
    count = wordcount.count_words(text)
    if count == 0:
        raise SubmissionRefused("Your response is empty. Write your response before submitting.")
    limit = word_limit_for(entry)
    if not limit.accepts(count):
        raise SubmissionRefused(
            f"Your response has {count:,} words. The limit is {limit.describe()}. "
            f"Remove {count - limit.allowed:,} words and submit again."
        )
    return count


def submit(entry: Entry, text: str, *, declaration: bool, client_token: str, at: datetime,
           upload: ResponseUpload | None = None) -> SubmissionVersion:
    """Take a final submission as a new version, with its receipt.

    Submitting the same form twice (a double click, a resent request) returns the
    version the first one made: the client token is unique per entry in the database.
    """
    existing = _version_for_token(entry, client_token)
    if existing is not None:
        return existing
    if not declaration:
        raise SubmissionRefused("Confirm that the response is your own work.")
    count = check_submittable(entry, text, at)
    number = (
        db.session.scalar(
            select(func.max(SubmissionVersion.number)).where(SubmissionVersion.entry_id == entry.id)
        )
        or 0
    ) + 1
    version = SubmissionVersion(
        entry_id=entry.id,
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
        participant_id=entry.participant_id, version=number, words=count, sha256=version.sha256,
    )
    notifications.submission_receipt(entry, version, at)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same token won the race: answer with its version.
        db.session.rollback()
        existing = _version_for_token(entry, client_token)
        if existing is None:
            raise
        return existing
    return version


def _version_for_token(entry: Entry, client_token: str) -> SubmissionVersion | None:
    return db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.entry_id == entry.id, SubmissionVersion.client_token == client_token
        )
    )


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
