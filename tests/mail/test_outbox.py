"""Email through a real SMTP server (aiosmtpd on loopback): the outbox, an outage and retry,
and the notices the service sends."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from factories import make_entry, make_user, make_window
from loopback import free_port
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import OutboxMessage
from assessment_app.services import mail, notifications, submissions
from assessment_app.services.releases import record_release


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox, port = Inbox(), free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    inbox.start, inbox.stop, inbox.port = controller.start, controller.stop, port
    yield inbox
    if controller._thread is not None:
        controller.stop()


def test_a_submission_receipt_reaches_the_mail_server(app, smtp, clock):
    """The receipt is queued with the submission and delivered over SMTP with its SHA-256."""
    smtp.start()
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        entry = make_entry(make_window(), make_user(email="sam@example.org"))
        assert mail.deliver_pending(datetime(2026, 11, 1, tzinfo=UTC)) == (1, 0)  # "entered"
        version = submissions.submit(entry, "My response.", declaration=True, client_token="t",
                                     at=DURING)
        sha256 = version.sha256
        assert mail.deliver_pending(DURING) == (1, 0)
        assert OutboxMessage.query.filter_by(kind="submission_receipt").one().sent_at == DURING
    entered, message = smtp.messages
    assert entered["Subject"] == "You are entered for your NPQ assessment: Autumn 2026"
    assert message["To"] == "sam@example.org"
    assert message["Subject"] == "Receipt: your NPQ response, version 1"
    assert sha256 in message.get_content()


def test_an_outage_loses_nothing_and_delivery_retries(app, smtp, clock):
    """Server down: the message stays queued with the error and a later retry time; once the
    server is back, the retry delivers it, once."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        mail.queue("sam@example.org", "Hello", "Body", "test", DURING)
        db.session.commit()
        assert mail.deliver_pending(DURING) == (0, 1)
        message = OutboxMessage.query.one()
        assert message.sent_at is None and message.attempts == 1
        assert "ConnectionRefused" in message.last_error
        assert message.send_after == DURING + timedelta(minutes=2)
        assert mail.deliver_pending(DURING + timedelta(minutes=1)) == (0, 0)  # not due yet
        db.session.commit()  # as the scheduler's duty does
    smtp.start()
    with app.app_context():
        assert mail.deliver_pending(DURING + timedelta(minutes=2)) == (1, 0)
        assert mail.deliver_pending(DURING + timedelta(minutes=3)) == (0, 0)
        assert OutboxMessage.query.one().attempts == 2
    assert len(smtp.messages) == 1


def test_release_notice_goes_once_to_each_entered_participant(app, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        make_entry(window, make_user(email="a@example.org"))
        make_entry(window, make_user(email="b@example.org"))
        record_release(window.id, window.release_at)
        record_release(window.id, window.release_at + timedelta(minutes=1))
        notices = OutboxMessage.query.filter_by(kind="case_study_released").all()
        assert sorted(m.to for m in notices) == ["a@example.org", "b@example.org"]


def test_reminders_48_and_24_hours_before_each_own_deadline(app, clock):
    """Once each, only while nothing is submitted; an extension brings reminders for the new deadline."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        entry = make_entry(window, make_user(email="a@example.org"))
        closes = window.closes_at

        def reminders():
            return OutboxMessage.query.filter_by(kind="deadline_reminder").count()

        notifications.deadline_reminders(closes - timedelta(hours=48, seconds=1))
        assert reminders() == 0
        notifications.deadline_reminders(closes - timedelta(hours=48))
        notifications.deadline_reminders(closes - timedelta(hours=30))
        assert reminders() == 1
        notifications.deadline_reminders(closes - timedelta(hours=24))
        assert reminders() == 2
        entry.extended_closes_at = closes + timedelta(days=3)
        notifications.deadline_reminders(entry.extended_closes_at - timedelta(hours=47))
        assert reminders() == 3
        submissions.submit(entry, "Done.", declaration=True, client_token="x",
                           at=entry.extended_closes_at - timedelta(hours=30))
        notifications.deadline_reminders(entry.extended_closes_at - timedelta(hours=23))
        assert reminders() == 3
