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
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage

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
    return {"to": to, "subject": subject, "body": body, "kind": kind, "created_at": at,
            "send_after": at, "dedupe_key": dedupe_key, "attempts": 0}


def deliver_pending(at: datetime, limit: int = 100) -> tuple[int, int]:
    """Send what is due, over one SMTP connection; returns (sent, failed).

    Unlike other services this commits, once per message handed to the server (so the
    caller's session must hold nothing else: the scheduler runs it as a duty of its own). A
    server outage is only recorded (retries, backoff), for the caller to commit."""
    due = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.send_after <= at)
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
            try:
                connection.send_message(_email(message))
            except smtplib.SMTPException as error:
                _failed(message, error, at)
                failed += 1
            else:
                message.sent_at, message.attempts = at, message.attempts + 1
                sent += 1
            # Committed as soon as the server has answered, before the next message goes: a
            # crash later in the batch never sends this one again (one commit for the batch
            # would, for every message the server had already accepted).
            db.session.commit()
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed


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
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    return email


def _failed(message: OutboxMessage, error: Exception, at: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    message.send_after = at + min(timedelta(minutes=2 ** message.attempts), MAX_BACKOFF)
