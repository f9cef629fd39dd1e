"""Saving drafts, reading uploads and taking final submissions."""

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import NamedTuple

from sqlalchemy import Integer, Text, bindparam, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .. import deadlines, metrics, wordcount
from ..docx_upload import copy_naming_nobody, read_response_docx
from ..extensions import db
from ..models import (
    AssessmentWindow,
    AuditEvent,
    Draft,
    Entry,
    Npq,
    OutboxMessage,
    ResponseSource,
    ResponseUpload,
    Role,
    SubmissionVersion,
    User,
    WindowPaper,
)
from ..models._types import UTCDateTime
from ..newer_draft import NewerDraft, newer_draft, sha256_text
from ..round_trips import committed_in_one_round_trip
from ..row_inserts import insert_together
from ..savepoints import savepoint
from ..text_intake import normalise
from ..timeformat import deadline_text
from ..word_limits import WordLimit
from . import audit, notifications


class SubmissionRefused(Exception):
    """A submission that cannot be accepted; the message is for the participant."""


def word_limit_for(entry: Entry) -> WordLimit:
    return WordLimit(entry.window.word_limit, entry.window.tolerance_percent)


def save_draft(entry_id: int, text: str, at: datetime) -> int:
    """Keep the editor's text in one upsert; returns the word count.

    Always allowed: a draft is never refused, so nothing is lost (the text is normalised
    first, so nothing in it can make the database refuse it).
    """
    text = normalise(text)
    words = wordcount.count_words(text)
    _upsert_draft(entry_id, text, words, at)
    return words


def _insert(model):
    """INSERT for the session's database, with its ON CONFLICT clauses."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _upsert_draft(entry_id: int, text: str, words: int, at: datetime) -> None:
    """INSERT .. ON CONFLICT (entry_id) DO UPDATE: one statement, no read first."""
    db.session.execute(_replacing_the_draft(
        _insert(Draft).values(entry_id=entry_id, text=text, word_count=words, saved_at=at)))


def _replacing_the_draft(insert, where=None):
    """The insert, or, where the entry has a draft already, that draft overwritten (only
    where `where` holds, if given)."""
    return insert.on_conflict_do_update(
        index_elements=[Draft.__table__.c.entry_id],
        set_={"text": insert.excluded.text, "word_count": insert.excluded.word_count,
              "saved_at": insert.excluded.saved_at},
        where=where,
    )


# Said instead of the refusal when the refused text was not kept: it is a copy of the page
# sent again (a reload), older than the draft saved since.
NEWER_DRAFT_KEPT = (
    "Your response was not submitted. This page was sent again with older text than your "
    "latest draft, so your latest draft is kept below. Check it, then submit."
)


def _keep_refused_text(entry_id: int, text: str, words: int, at: datetime,
                       seen_draft_at: datetime | None) -> bool:
    """Keep a refused text as the draft, unless the draft was saved after the form was
    rendered (`seen_draft_at`, the draft's saved_at then; None: not known, so written) with
    other text: a reloaded page sends its old form again, which must not overwrite what
    autosave kept since. One upsert; True if the text was kept."""
    insert = _insert(Draft).values(entry_id=entry_id, text=text, word_count=words, saved_at=at)
    current = Draft.__table__.c
    unchanged = None if seen_draft_at is None else or_(
        current.text == insert.excluded.text, current.saved_at <= seen_draft_at)
    kept = db.session.execute(
        _replacing_the_draft(insert, where=unchanged).returning(current.id)).first()
    return kept is not None


def autosave_draft(participant_id: int, entry_id: int, text: str, at: datetime, *,
                   generation: int) -> int | None:
    """Autosave in one statement: the upsert runs only if the entry is this participant's (an
    active participant account whose session generation is `generation`, the session's: the
    statement is the sign-in check too), its attempt is
    running and its case study is out (case_study_access.may_write, in SQL). Returns the word count, or None when nothing was saved: the caller then finds out
    why. The text is normalised first, as in save_draft."""
    text = normalise(text)
    words = wordcount.count_words(text)
    saved = db.session.execute(_guarded_draft_upsert(), {
        "entry_id": entry_id, "participant_id": participant_id, "text": text,
        "word_count": words, "saved_at": at, "now": at, "generation": generation,
    }).first()  # RETURNING: a row count is not reported alike by every driver
    return words if saved is not None else None


def _once_per_database(build):
    """A statement with only bound parameters, built once per database dialect and arguments
    (SQLAlchemy then caches its compiled form): building it on every request of deadline night
    costs more than running it."""
    built: dict = {}

    @wraps(build)
    def statement(*args):
        key = (db.session.get_bind().dialect.name, *args)
        if key not in built:
            built[key] = build(*args)
        return built[key]

    return statement


@_once_per_database
def _guarded_draft_upsert():
    """INSERT INTO draft SELECT .. FROM entry JOIN window JOIN paper JOIN account WHERE <may
    write> ON CONFLICT (entry_id) DO UPDATE."""
    allowed = (
        select(Entry.id, bindparam("text", type_=Text()),
               bindparam("word_count", type_=Integer()),
               bindparam("saved_at", type_=UTCDateTime()))
        .join(Entry.window)
        .join(WindowPaper, (WindowPaper.window_id == Entry.window_id)
              & (WindowPaper.npq_code == Entry.npq_code))
        .join(Entry.participant.and_(*_ACTIVE_PARTICIPANT))
        .where(Entry.id == bindparam("entry_id"),
               Entry.participant_id == bindparam("participant_id"),
               Entry.outcome.is_(None), Entry.entered == true(),
               WindowPaper.paper_id.is_not(None),
               AssessmentWindow.release_at <= bindparam("now"))
    )
    draft = Draft.__table__  # Core: the parameters are this statement's, not rows
    insert = _insert(draft).from_select(
        [draft.c.entry_id, draft.c.text, draft.c.word_count, draft.c.saved_at], allowed)
    return _replacing_the_draft(insert).returning(draft.c.id)


# The account an entry belongs to, when it may still sign in, is a participant's and has not
# ended the session's generation (the bound parameter "generation"; session_cookie.py).
_ACTIVE_PARTICIPANT = (User.active == true(), User.role == Role.PARTICIPANT,
                       User.session_generation == bindparam("generation", type_=Integer()))


def draft_target(participant_id: int, entry_id: int):
    """Why autosave saved nothing, in one query: (outcome, entered, release_at, paper_id), or
    None when the entry is not this participant's."""
    return db.session.execute(
        select(Entry.outcome, Entry.entered, AssessmentWindow.release_at, WindowPaper.paper_id)
        .join(Entry.window)
        .outerjoin(WindowPaper, (WindowPaper.window_id == Entry.window_id)
                   & (WindowPaper.npq_code == Entry.npq_code))
        .where(Entry.id == entry_id, Entry.participant_id == participant_id)
    ).first()


def entry_for_writing(participant_id: int, entry_id: int, generation: int):
    """The participant's entry with its window, NPQ and account, and its paper's id, in one
    query (None when the entry is not theirs, or the account is not an active participant's
    with this session generation)."""
    row = db.session.execute(_entry_for_writing_query(), {
        "entry_id": entry_id, "participant_id": participant_id,
        "generation": generation}).first()
    return None if row is None else tuple(row)


@_once_per_database
def _entry_for_writing_query():
    return _one_participants_entry(select(Entry, WindowPaper.paper_id)).options(
        contains_eager(Entry.window), contains_eager(Entry.npq),
        contains_eager(Entry.participant))


def _one_participants_entry(query):
    """query from the entry joined to its window, NPQ, account (an active participant's, of
    session generation `generation`) and paper, for the entry `entry_id` of the participant
    `participant_id` (bound parameters)."""
    return (
        query.join(Entry.window).join(Entry.npq).join(Entry.participant.and_(*_ACTIVE_PARTICIPANT))
        .outerjoin(WindowPaper, (WindowPaper.window_id == Entry.window_id)
                   & (WindowPaper.npq_code == Entry.npq_code))
        .where(Entry.id == bindparam("entry_id"),
               Entry.participant_id == bindparam("participant_id"))
    )


class Author(NamedTuple):
    """The participant as a submission's audit row and receipt email name them."""

    id: int
    email: str
    name: str


class Numbering(NamedTuple):
    """Read under the entry's row lock: the number the next version takes, and the number of
    the version this form's token already made (None: none yet)."""

    next: int
    taken: int | None


@dataclass(frozen=True, slots=True)
class SubmissionTarget:
    """What taking a submission reads about its entry, as plain values: the rules are decided
    from these, and the version, audit row and receipt written from them."""

    entry_id: int
    window_id: int
    author: Author
    npq_name: str
    entered: bool
    outcome: str | None
    release_at: datetime
    closes_at: datetime  # the participant's own deadline (an extension included)
    word_limit: WordLimit
    numbering: Numbering | None = None  # None: submit_to reads it

    @classmethod
    def of(cls, entry: Entry) -> "SubmissionTarget":
        participant, window = entry.participant, entry.window
        return cls(entry.id, entry.window_id,
                   Author(participant.id, participant.email, participant.name), entry.npq.name,
                   entry.entered, entry.outcome, window.release_at, entry.closes_at,
                   word_limit_for(entry))


def target_for_submitting(participant_id: int, entry_id: int, client_token: str,
                          generation: int):
    """(SubmissionTarget, paper id) for the participant's entry in one query, with the
    numbering of a version sent with client_token, the entry's row locked until commit (FOR
    UPDATE OF entry on PostgreSQL) so two submissions for one entry are numbered one after
    the other; None when the entry is not theirs, or the account is not an active
    participant's with this session generation. Plain columns, not ORM objects: this is the query of every submission a
    cohort sends in its last hour."""
    row = db.session.connection().execute(_target_query(), {
        "entry_id": entry_id, "participant_id": participant_id,
        "client_token": client_token, "generation": generation}).first()
    if row is None:
        return None
    (entry_id, window_id, account_id, email, name, npq_name, entered, outcome, release_at,
     window_closes_at, extended_closes_at, limit, tolerance, paper_id, next_number,
     taken_number) = row
    return SubmissionTarget(
        entry_id, window_id, Author(account_id, email, name), npq_name, entered, outcome,
        release_at, deadlines.personal_closes_at(window_closes_at, extended_closes_at),
        WordLimit(limit, tolerance), Numbering(next_number, taken_number)), paper_id


@_once_per_database
def _target_query():
    return _one_participants_entry(
        select(Entry.id, Entry.window_id, User.id, User.email, User.name, Npq.name,
               Entry.entered, Entry.outcome, AssessmentWindow.release_at,
               AssessmentWindow.closes_at, Entry.extended_closes_at,
               AssessmentWindow.word_limit, AssessmentWindow.tolerance_percent,
               WindowPaper.paper_id, *_numbering_columns()).select_from(Entry)
    ).with_for_update(of=Entry.__table__)


def _numbering_columns():
    """The entry's next version number and the number its client token already took (both
    correlated to the query's entry; the token is the bound parameter client_token)."""
    versions = SubmissionVersion.__table__.c
    return (
        select(func.coalesce(func.max(versions.number), 0) + 1)
        .where(versions.entry_id == Entry.id).scalar_subquery(),
        select(versions.number)
        .where(versions.entry_id == Entry.id,
               versions.client_token == bindparam("client_token")).scalar_subquery(),
    )


def _numbering(entry_id: int, client_token: str) -> Numbering:
    """The entry's Numbering, its row locked until commit as in target_for_submitting."""
    return Numbering(*db.session.connection().execute(_numbering_query(), {
        "entry_id": entry_id, "client_token": client_token}).one())


@_once_per_database
def _numbering_query():
    return (select(*_numbering_columns()).select_from(Entry)
            .where(Entry.id == bindparam("entry_id")).with_for_update(of=Entry.__table__))


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
    text = normalise(read_response_docx(filename, data))
    copy = copy_naming_nobody(filename, data)
    filename = normalise(filename)
    upload = ResponseUpload(
        entry_id=entry.id,
        filename=filename,
        data=data,
        copy_naming_nobody=copy,
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
    db.session.flush()
    return upload


def check_submittable(target: SubmissionTarget, counted: wordcount.ResponseCount,
                      at: datetime) -> None:
    """Raise SubmissionRefused saying what is wrong and what to do, for a text so counted."""
    if not deadlines.is_released(target.release_at, at):
        raise SubmissionRefused("This assessment has not started yet.")
    if not target.entered or target.outcome is not None:
        raise SubmissionRefused("You are not entered for this assessment, so a response cannot "
                                "be submitted. Contact your provider if you think this is wrong.")
    if not deadlines.is_in_time(target.closes_at, at):
        raise SubmissionRefused(
            f"The deadline was {deadline_text(target.closes_at)}. "
            "Submissions are no longer accepted. Your text has been kept."
        )
    count = counted.words
    if count == 0 and counted.reference_entries:
        raise SubmissionRefused(
            "Your response has no counted words: it is all reference list. Write your response "
            "above the “References” or “Bibliography” heading, then submit."
        )
    if count == 0:
        raise SubmissionRefused("Your response is empty. Write your response before submitting.")
    if not target.word_limit.accepts(count):
        raise SubmissionRefused(target.word_limit.over_limit_message(count))


# A number read before another request's version committed (PostgreSQL's lock kept this one
# waiting; SQLite has none) is taken by then: its INSERT meets UNIQUE(entry_id, number), and the
# numbering is read again.
SUBMIT_TRIES = 5


def submit(entry: Entry, text: str, **options) -> SubmissionVersion:
    """submit_to() for an entry already loaded (its window, NPQ and participant are read), by
    a caller that owns its transaction (the demo, tests): the version is flushed, not
    committed. Returns the version."""
    number = _take(SubmissionTarget.of(entry), text, _flushed, **options)
    return db.session.scalars(select(SubmissionVersion).where(
        SubmissionVersion.entry_id == entry.id, SubmissionVersion.number == number)).one()


def submit_to(target: SubmissionTarget, text: str, **options) -> int:
    """Take a final submission as a new version, with its receipt, and return its number.

    The one service that commits (for the request): the submission is the request's last
    write, and its COMMIT rides in the same round trip as its rows (round_trips.py: psycopg's
    pipeline on PostgreSQL), a measured saving on deadline night. Anything the request wrote
    before is flushed into that same transaction; nothing is left for the request's own commit.
    See _take for the options.
    """
    return _take(target, text, committed_in_one_round_trip, **options)


@contextmanager
def _flushed():
    """Write the rows under a savepoint, for the caller to commit: a number taken meanwhile
    undoes only them."""
    with savepoint():
        yield


def _take(target: SubmissionTarget, text: str, written, *, declaration: bool, client_token: str,
          at: datetime, upload: ResponseUpload | None = None, keep_draft: bool = False,
          seen_draft_at: datetime | None = None) -> int:
    """Take a final submission as a new version, with its receipt, and return its number; the
    rows are written in the context `written` (committed with them, or flushed).

    Submitting the same form twice (a double click, a resent request) returns the number of
    the version the first one made: the client token is unique per entry in the database.
    With keep_draft a refused text is kept as the draft (the caller, not rolling back the
    refusal, commits it), so a refusal loses nothing, unless the draft has moved on since the
    form was rendered with the draft saved at `seen_draft_at` (_keep_refused_text); an
    accepted text is the newest version, which the editor shows when it is newer than the
    draft (editor_text). The text is normalised and counted once. The version is numbered
    from the target's numbering (read under the entry's lock), or read here, so its INSERT,
    the audit row, the receipt and the COMMIT all go in one round trip. Rows are written as plain values: no ORM object is made
    or kept.
    """
    entry_id = target.entry_id
    text = normalise(text)
    counted = wordcount.count_response(text)
    count = counted.words
    numbering = target.numbering or _numbering(entry_id, client_token)
    try:
        if not declaration:
            raise SubmissionRefused("Confirm that the response is your own work.")
        check_submittable(target, counted, at)
    except SubmissionRefused:
        if numbering.taken is not None:  # a resent form whose first copy was taken in time
            return numbering.taken
        if keep_draft and not _keep_refused_text(entry_id, text, count, at, seen_draft_at):
            raise SubmissionRefused(NEWER_DRAFT_KEPT) from None
        raise
    version = {
        "entry_id": entry_id, "text": text, "word_count": count,
        "word_limit": target.word_limit.limit, "sha256": sha256_text(text),
        "source": ResponseSource.DOCX if upload else ResponseSource.TYPED,
        "upload_id": upload.id if upload else None, "declaration_accepted": True,
        "client_token": client_token, "submitted_at": at,
    }
    author = target.author
    for _ in range(SUBMIT_TRIES):
        if numbering.taken is not None:  # this token already made a version
            return numbering.taken
        try:
            with written():  # the three rows (and, for the request, the COMMIT)
                _insert_rows(
                    {**version, "number": numbering.next},
                    audit.event_row(
                        "response.submitted", actor=author, window_id=target.window_id,
                        participant_id=author.id, version=numbering.next, words=count,
                        sha256=version["sha256"]),
                    notifications.submission_receipt(
                        author, target.npq_name, entry_id, numbering.next, count,
                        version["sha256"], at))
        except IntegrityError:
            if written is not _flushed:
                # Part of the folded commit: that transaction has failed as a whole (on
                # PostgreSQL the pipeline has ended it), so the retry reads under a new one.
                db.session.rollback()
            read_again = _numbering(entry_id, client_token)
            if read_again == numbering:  # no other version explains it: a real failure
                raise
            numbering = read_again
            continue
        metrics.SUBMISSIONS.labels(version["source"].value).inc()
        return numbering.next
    raise RuntimeError(f"entry {entry_id}: no free version number after {SUBMIT_TRIES} tries")


def _insert_rows(version: dict, audit_event: dict, receipt: dict) -> None:
    """The numbered version, its audit row and its receipt email, in one statement on
    PostgreSQL; nothing read back, so it can be pipelined with the COMMIT."""
    insert_together((SubmissionVersion.__table__, version), (AuditEvent.__table__, audit_event),
                    (OutboxMessage.__table__, receipt))


class Submitted(NamedTuple):
    """The latest submitted version, as the editor mentions it."""

    number: int
    submitted_at: datetime
    word_count: int


class EditorText(NamedTuple):
    """What the editor opens with, and what it says about the submission."""

    text: str
    text_at: datetime | None  # when that text was saved or submitted
    saved_at: datetime | None  # when the draft was saved
    submitted: Submitted | None  # the latest version, if any
    newer: NewerDraft | None  # the draft, when it is newer than that version (newer_draft.py)


class _DraftRow(NamedTuple):
    text: str
    saved_at: datetime
    word_count: int


def editor_text(entry: Entry) -> EditorText:
    """What the editor opens with: the draft, or the newest version when that is newer (a
    submission does not rewrite the draft), with when the draft was saved and whether it is
    a newer unsubmitted draft; one query."""
    versions = SubmissionVersion.__table__.c
    newest = (select(versions.text, versions.submitted_at, versions.number, versions.sha256,
                     versions.word_count)
              .where(versions.entry_id == entry.id)
              .order_by(versions.number.desc()).limit(1).subquery())
    row = db.session.execute(
        select(Draft.text, Draft.saved_at, Draft.word_count, newest.c.text,
               newest.c.submitted_at, newest.c.number, newest.c.sha256, newest.c.word_count)
        .select_from(Entry)
        .outerjoin(Draft, Draft.entry_id == Entry.id)
        .outerjoin(newest, true())
        .where(Entry.id == entry.id)
    ).one()
    (draft_text, saved_at, draft_words, version_text, submitted_at, number, sha256,
     version_words) = row
    submitted = None if number is None else Submitted(number, submitted_at, version_words)
    draft = None if saved_at is None else _DraftRow(draft_text, saved_at, draft_words)
    newer = newer_draft(draft, sha256, submitted_at)
    if version_text is not None and (saved_at is None or submitted_at > saved_at):
        return EditorText(version_text, submitted_at, saved_at, submitted, newer)
    return EditorText(draft_text or "", saved_at, saved_at, submitted, newer)


def newer_drafts(latest: dict[int, SubmissionVersion]) -> dict[int, NewerDraft]:
    """Each entry's newer unsubmitted draft (newer_draft.py), given the entries' latest
    versions (latest_versions), in one query; none is looked for where nothing was submitted."""
    if not latest:
        return {}
    found = {}
    for draft in db.session.scalars(select(Draft).where(Draft.entry_id.in_(list(latest)))):
        version = latest[draft.entry_id]
        newer = newer_draft(draft, version.sha256, version.submitted_at)
        if newer is not None:
            found[draft.entry_id] = newer
    return found


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
