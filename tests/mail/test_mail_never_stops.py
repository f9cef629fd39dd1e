"""One bad message never stops the email: each is tried on its own, one that can never go is
set aside with its reason for the admin (who can try it again), and the rest are delivered.
Headers never carry line breaks: the forms that feed subjects refuse them, and the mail layer
folds them."""

from datetime import timedelta

import pytest
from factories import login, make_user
from loopback import free_port
from mail.test_outbox import Inbox
from moments import DURING
from web.test_admin_windows import WINDOW_FORM

from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent, OutboxMessage, Role
from assessment_app.services import mail

REFUSED = "gone@example.org"


class RefusingInbox(Inbox):
    """A mail server that refuses one mailbox for good (550), as a real one does."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    inbox, port = RefusingInbox(), free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def _raw(to: str, subject: str) -> None:
    """A row as it was queued before subjects were folded (or by any future path)."""
    db.session.add(OutboxMessage(to=to, subject=subject, body="Body", kind="test",
                                 created_at=DURING, send_after=DURING, attempts=0))
    db.session.commit()


@pytest.mark.parametrize("subject", ["Autumn\n2026", "Autumn\u20282026", "Autumn\r\n2026",
                                     "Autumn\x0b2026", "Autumn\x852026"])
def test_a_line_break_in_a_subject_stops_nothing(app, smtp, subject):
    """The reported fault: a window name with a line break raised on every run and no later
    email went. Now the subject is folded to one line and both go."""
    with app.app_context():
        _raw("sam@example.org", f"Your NPQ assessment has changed: {subject}")
        mail.queue("jo@example.org", f"Receipt {subject}", "Body", "test", DURING)
        db.session.commit()
        assert mail.deliver_pending(DURING) == (2, 0)
    first, second = smtp.messages
    assert first["Subject"] == "Your NPQ assessment has changed: Autumn 2026"
    assert second["Subject"] == "Receipt Autumn 2026"


def test_a_message_refused_for_good_is_set_aside_and_the_next_is_delivered(app, smtp):
    with app.app_context():
        mail.queue(REFUSED, "Set your password", "Body", "password_link", DURING)
        mail.queue("sam@example.org", "Receipt", "Body", "submission_receipt", DURING)
        db.session.commit()
        assert mail.deliver_pending(DURING) == (1, 1)
        refused, receipt = OutboxMessage.query.order_by(OutboxMessage.id).all()
        assert receipt.sent_at == DURING
        assert refused.sent_at is None and refused.set_aside_at == DURING
        assert "550" in refused.set_aside_reason and "No such mailbox" in refused.set_aside_reason
        # Set aside: not tried again on later runs, so it holds nothing up.
        assert mail.deliver_pending(DURING + timedelta(hours=2)) == (0, 0)
    assert [m["To"] for m in smtp.messages] == ["sam@example.org"]


def test_a_message_that_cannot_be_written_is_set_aside_and_the_rest_go(app, smtp,
                                                                     monkeypatch):
    """Whatever goes wrong with one message is that message's alone."""
    real = mail._email

    def broken(message):
        if message.to == "bad@example.org":
            raise ValueError("Header values may not contain linefeed or carriage return "
                             "characters")
        return real(message)

    monkeypatch.setattr(mail, "_email", broken)
    with app.app_context():
        for to in ("bad@example.org", "sam@example.org", "jo@example.org"):
            mail.queue(to, "Hello", "Body", "test", DURING)
        db.session.commit()
        assert mail.deliver_pending(DURING) == (2, 1)
        bad = OutboxMessage.query.filter_by(to="bad@example.org").one()
        assert bad.set_aside_reason.startswith("It cannot be written as an email: Header values")
    assert [m["To"] for m in smtp.messages] == ["sam@example.org", "jo@example.org"]


def test_the_admin_sees_what_was_set_aside_and_why_and_can_try_again(app, smtp, client, clock):
    clock.at(DURING)
    with app.app_context():
        mail.queue(REFUSED, "Set your password", "Body", "password_link", DURING)
        db.session.commit()
        mail.deliver_pending(DURING)
        message_id = OutboxMessage.query.one().id
        login(client, make_user(Role.ADMIN))
    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert REFUSED in page.text and "No such mailbox" in page.text
    retried = client.post(f"/admin/mail/{message_id}/retry", follow_redirects=True)
    assert f"The email to {REFUSED} will be tried again within a minute." in retried.text
    assert "No email is set aside" in retried.text
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.set_aside_at is None and message.send_after == DURING
        assert AuditEvent.query.filter_by(action="mail.retried").one().detail["to"] == REFUSED
    assert client.post(f"/admin/mail/{message_id}/retry").status_code == 404  # not set aside


@pytest.mark.parametrize("name", ["Autumn\n2026", "Autumn\u20282026", "Autumn\r2026"])
def test_a_window_name_with_a_line_break_is_refused_with_a_clear_message(app, client, name):
    with app.app_context():
        login(client, make_user(Role.ADMIN))
    page = client.post("/admin/windows/new", data={**WINDOW_FORM, "name": name})
    assert page.status_code == 200
    assert "The window name must be on one line: remove the line break" in page.text
    with app.app_context():
        assert AssessmentWindow.query.count() == 0


def test_a_persons_name_with_a_line_break_is_refused(app, client):
    with app.app_context():
        login(client, make_user(Role.ADMIN))
    page = client.post("/admin/people/new", data={
        "role": "participant", "name": "Sam\u2028Taylor", "email": "sam.t@example.org",
        "programme": "NPQLTD"})
    assert page.status_code == 200
    assert "The name must be on one line: remove the line break" in page.text


def test_a_paper_title_with_a_line_break_is_refused():
    """The upload form's title field carries the same validator, with its own words."""
    from wtforms.validators import ValidationError

    from assessment_app.admin.paper_forms import PaperUploadForm
    from assessment_app.single_line import SingleLine

    (check,) = [v for v in PaperUploadForm.title.kwargs["validators"]
                if isinstance(v, SingleLine)]

    class Field:
        data = "Case\u2029study"

    with pytest.raises(ValidationError, match="The title must be on one line"):
        check(None, Field())


def test_an_imported_name_with_a_line_break_is_refused_naming_its_line(app):
    from assessment_app.csv_imports import ImportRefused
    from assessment_app.services import people_updates

    csv = (b"role,name,email,programme,cohort,delivery_partner,school\r\n"
           b'participant,"Sam\nTaylor",sam@example.org,NPQLTD,,,\r\n')
    with app.app_context():
        admin = make_user(Role.ADMIN)
        with pytest.raises(ImportRefused) as refused:
            people_updates.import_people(csv, "people.csv", admin, DURING)
    assert any("name must be on one line" in p for p in refused.value.problems)
