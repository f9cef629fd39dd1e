"""The outbox: queue email with the change that causes it; deliver it later, with retries.

Queuing writes a row in the same transaction as the action, so a notice is never sent for
an action that was rolled back, and a mail-server outage loses nothing: delivery retries
with growing waits until the server accepts the message.
"""

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import OutboxMessage
from ..single_line import folded

MAX_BACKOFF = timedelta(hours=1)


def queue(to: str, subject: str, body: str, kind: str, at: datetime,
          dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add an email to the outbox (the caller commits). A repeated dedupe_key is ignored."""
    if dedupe_key is not None:
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
            return None
    message = OutboxMessage(**_row(to, subject, body, kind, at, dedupe_key))
    db.session.add(message)
    return message


def message_row(to: str, subject: str, body: str, kind: str, at: datetime) -> dict:
    """An outbox message's row, as plain values, for a caller writing plain rows (the
    submission receipt): it goes in the same transaction as its cause, as queue()'s object."""
    return _row(to, subject, body, kind, at, None)


def _row(to: str, subject: str, body: str, kind: str, at: datetime, dedupe_key) -> dict:
    # Headers are one line: a line break in a subject (a window's name pasted with one) would
    # make the message impossible to send.
    return {"to": folded(to), "subject": folded(subject), "body": body, "kind": kind, "created_at": at,
            "send_after": at, "dedupe_key": dedupe_key, "attempts": 0}


def waiting() -> int:
    """How many messages wait to be sent (not sent, not set aside): the outbox's depth."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.set_aside_at.is_(None)))


def deliver_pending(at: datetime, limit: int = 100) -> tuple[int, int]:
    """Send what is due, over one SMTP connection; returns (sent, failed).

    Each message is tried on its own: one that can never go as it is (the server refuses it
    for good, or it cannot be written as an email) is set aside with why, for an admin
    (set_aside), and the rest go; one that meets a passing fault is retried later. Each
    message's outcome is committed as soon as it is known (the scheduler's delivery duty owns
    these transactions, not a request, so the caller's session must hold nothing else): a message the server has accepted is recorded as sent
    at once, so a fault later in the run neither sends it again nor loses that it went.
    """
    due = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.set_aside_at.is_(None),
               OutboxMessage.send_after <= at)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    if not due:
        return 0, 0
    sent = failed = 0
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:
        for message in due:
            _failed(message, error, at)
        return 0, len(due)
    try:
        for message in due:
            outcome = _send_one(connection, message, at)
            db.session.commit()
            if outcome == "sent":
                sent += 1
            else:
                failed += 1
            if outcome == "connection lost":
                break  # the rest stay due for the next run
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed


def _send_one(connection: smtplib.SMTP, message: OutboxMessage, at: datetime) -> str:
    """Try one message: "sent", "set aside", "retry later" or "connection lost"."""
    try:
        email = _email(message)
    except Exception as error:  # noqa: BLE001  whatever it is, it is this message's alone
        _set_aside(message, f"It cannot be written as an email: {error}", at)
        return "set aside"
    try:
        connection.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            _set_aside(message, "The mail server refused the address: "
                       + "; ".join(f"{code} {_text(text)}"
                                   for code, text in error.recipients.values()), at)
            return "set aside"
        _failed(message, error, at)
        return "retry later"
    except smtplib.SMTPSenderRefused as error:  # the sender is the app's setting, not this message
        _failed(message, error, at)
        return "retry later"
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            _set_aside(message, f"The mail server refused it: {error.smtp_code} "
                                f"{_text(error.smtp_error)}", at)
            return "set aside"
        _failed(message, error, at)
        return "retry later"
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        _failed(message, error, at)
        return "connection lost"
    except smtplib.SMTPException as error:
        _failed(message, error, at)
        return "retry later"
    except Exception as error:  # noqa: BLE001  e.g. an address that cannot be encoded
        _set_aside(message, f"It could not be sent: {type(error).__name__}: {error}", at)
        return "set aside"
    message.sent_at, message.attempts = at, message.attempts + 1
    return "sent"


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _set_aside(message: OutboxMessage, reason: str, at: datetime) -> None:
    message.attempts += 1
    message.set_aside_at, message.set_aside_reason = at, reason[:1000]
    message.last_error = reason[:1000]


def set_aside() -> list[OutboxMessage]:
    """The messages set aside, newest first, for the admin's page."""
    return db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.set_aside_at.is_not(None),
                                     OutboxMessage.sent_at.is_(None))
                              .order_by(OutboxMessage.set_aside_at.desc())).all()


def retry(message: OutboxMessage, at: datetime) -> None:
    """Put a set-aside message back in the outbox, due now (the caller audits and commits)."""
    message.set_aside_at = message.set_aside_reason = None
    message.send_after = at


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                              timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return connection


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = folded(message.to)
    email["Subject"] = folded(message.subject)  # rows queued before subjects were folded
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    return email


def _failed(message: OutboxMessage, error: Exception, at: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    message.send_after = at + min(timedelta(minutes=2 ** message.attempts), MAX_BACKOFF)
