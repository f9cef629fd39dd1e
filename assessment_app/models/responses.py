"""What participants write: autosaved drafts, uploaded files and submitted versions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, enum_column, now


class ResponseSource(StrEnum):
    TYPED = "typed"
    DOCX = "docx"


class Draft(db.Model):
    """The autosaved text of the response editor, one per entry, overwritten on each save."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ResponseUpload(db.Model):
    """An uploaded .docx, kept as received, with the text read from it (shown before submitting)."""

    __tablename__ = "response_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # The document rebuilt to name nobody (docx_privacy), made once when it was uploaded, for
    # the external moderator's pack, which would otherwise rebuild every upload each time it
    # is built. None for an upload kept before there was one: the pack rebuilds that itself.
    copy_naming_nobody: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    entry = relationship("Entry")


class SubmissionVersion(db.Model):
    """One final submission; every version is kept and the last one in time is marked."""

    __tablename__ = "submission_version"
    __table_args__ = (
        UniqueConstraint("entry_id", "number"),
        # The form's one-time token: a double-clicked submit cannot make two versions.
        UniqueConstraint("entry_id", "client_token"),
        CheckConstraint("declaration_accepted", name="declaration_required"),
        CheckConstraint("word_count >= 0", name="word_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: both unique constraints lead with entry_id.
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"))
    number: Mapped[int]
    text: Mapped[str] = deferred(mapped_column(Text))
    word_count: Mapped[int]
    word_limit: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[ResponseSource] = mapped_column(enum_column(ResponseSource))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("response_upload.id"))
    declaration_accepted: Mapped[bool]
    client_token: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    entry = relationship("Entry")
    upload: Mapped[ResponseUpload | None] = relationship()


# A response (about 10 KB) is stored out of line and compressed. PostgreSQL's default method,
# pglz, costs about as much CPU as the rest of the INSERT; lz4 is several times faster at
# about the same size, and every autosave and submission of deadline night writes one. Only a
# server built with lz4 offers it (its default_toast_compression values say so): any other
# keeps pglz. The migration runs the same statement (tables are built by create_all in tests).
RESPONSE_TEXT_COLUMNS = (("draft", "text"), ("response_upload", "text"),
                         ("submission_version", "text"))


def text_compression_ddl(method: str, columns=RESPONSE_TEXT_COLUMNS) -> str:
    """A PostgreSQL block setting the columns' compression to method if the server has it."""
    alters = "".join(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}; "
                     for table, column in columns)
    return (f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_settings WHERE name = "
            f"'default_toast_compression' AND '{method}' = ANY (enumvals)) THEN {alters}"
            f"END IF; END $$")


for _model in (Draft, ResponseUpload, SubmissionVersion):
    event.listen(_model.__table__, "after_create", DDL(text_compression_ddl(
        "lz4", [c for c in RESPONSE_TEXT_COLUMNS if c[0] == _model.__tablename__]
    )).execute_if(dialect="postgresql"))
