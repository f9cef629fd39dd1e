"""Access arrangements, whole life with a frozen clock: recorded once with evidence, applied to
each window a participant is entered for within its extension limit, never seen by markers."""

import io
from datetime import UTC, date, datetime

import pytest
from factories import login, make_entry, make_user, make_window

from assessment_app.extensions import db
from assessment_app.models import (
    AccessArrangement,
    Allocation,
    AssessmentWindow,
    AuditEvent,
    Entry,
    Extension,
    MarkerProfile,
    OutboxMessage,
    Role,
    User,
)
from assessment_app.services import allocations, eligibility, submissions
from assessment_app.services.submissions import SubmissionRefused

BEFORE = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LAST_SECOND = datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC)  # 5 days after 1 December, 23:59
FIRST_LATE = datetime(2026, 12, 7, 0, 0, 0, tzinfo=UTC)
PDF = ("report.pdf", b"%PDF-1.4 assessment report")
DETAILS = "Dyslexia: SECRET-ARRANGEMENT-DETAIL"


@pytest.fixture
def people(app, clock):
    clock.at(BEFORE)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        window = make_window(admin=admin)
        sam = make_user(email="sam@example.org", name="Sam Taylor")
        marker = make_user(Role.MARKER, email="marker@example.org", name="Martin Doyle")
        db.session.add(MarkerProfile(user_id=marker.id, capacity=10, npq_codes="NPQLTD"))
        db.session.commit()
        return {"admin": admin.id, "window": window.id, "sam": sam.id}


def record(client, user_id, extra_days="5", details=DETAILS, files=(PDF,)):
    data = {"extra_days": extra_days, "details": details,
            "evidence": [(io.BytesIO(blob), name) for name, blob in files]}
    return client.post(f"/admin/participants/{user_id}/arrangement", data=data,
                       content_type="multipart/form-data")


def admin_client(app):
    client = app.test_client()
    login(client, "admin@example.org")
    return client


def test_an_arrangement_applies_at_entry_and_moves_the_deadline_to_the_exact_second(
        app, people, clock):
    """Sam has 5 extra days: entered for a window ending 23:59 on 1 December, Sam's own deadline
    is 23:59 on 6 December, with no EC claim; 23:59:59 is in time, 00:00:00 is late."""
    admin = admin_client(app)
    assert record(admin, people["sam"]).status_code == 302
    with app.app_context():
        window = db.session.get(AssessmentWindow, people["window"])
        entry = make_entry(window, db.session.get(AccessArrangement, 1).participant)
        assert entry.closes_at == FIRST_LATE
        (extension,) = Extension.query.filter_by(entry_id=entry.id).all()
        assert extension.reason == "Access arrangement: 5 extra days" and extension.ec_claim_id is None
        entered = OutboxMessage.query.filter_by(to="sam@example.org", kind="entered").one()
        assert "11:59pm on Sunday 6 December 2026" in entered.body
        assert AuditEvent.query.filter_by(action="access_arrangement.recorded").count() == 1
        entry_id = entry.id
    clock.at(LAST_SECOND)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        submissions.submit(entry, "In time.", declaration=True, client_token="a", at=LAST_SECOND)
        db.session.commit()  # as the request does
    clock.at(FIRST_LATE)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        with pytest.raises(SubmissionRefused):
            submissions.submit(entry, "Late.", declaration=True, client_token="b", at=FIRST_LATE)


def test_recording_an_arrangement_extends_an_attempt_already_running(app, people, clock):
    with app.app_context():
        window = make_window(name="Winter 2026", first_day=date(2026, 11, 24))
        entry = make_entry(window, db.session.get(User, people["sam"]))
        entry_id = entry.id
    clock.at(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert record(admin_client(app), people["sam"]).status_code == 302
    with app.app_context():
        assert db.session.get(Entry, entry_id).closes_at == FIRST_LATE
        mail = OutboxMessage.query.filter_by(to="sam@example.org", kind="extension_granted").one()
        assert "11:59pm on Sunday 6 December 2026" in mail.body
        assert DETAILS not in mail.body


def test_the_window_extension_limit_caps_an_arrangement(app, people, clock):
    assert record(admin_client(app), people["sam"], extra_days="20").status_code == 302
    with app.app_context():
        window = make_window(name="Short limit", first_day=date(2026, 11, 24))
        window.max_extension_days = 3
        db.session.commit()
        entry = make_entry(window, db.session.get(AccessArrangement, 1).participant)
        assert entry.closes_at == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
        assert Extension.query.one().reason == ("Access arrangement: 20 extra days, limited to "
                                                "this window's 3")


def test_an_ended_arrangement_applies_to_no_later_window(app, people, clock):
    admin = admin_client(app)
    record(admin, people["sam"])
    assert admin.post(f"/admin/participants/{people['sam']}/arrangement/end").status_code == 302
    with app.app_context():
        window = db.session.get(AssessmentWindow, people["window"])
        entry = make_entry(window, db.session.get(AccessArrangement, 1).participant)
        assert entry.extended_closes_at is None and Extension.query.count() == 0
        assert AuditEvent.query.filter_by(action="access_arrangement.ended").count() == 1


@pytest.mark.parametrize("data, field, message", [
    ({"extra_days": "0"}, "extra_days", "Enter a whole number of days from 1 to 28"),
    ({"extra_days": "five"}, "extra_days", "whole number"),
    ({"details": " "}, "details", "Say what the arrangement is for"),
    ({"files": ()}, "evidence", "Upload the evidence the arrangement rests on"),
    ({"files": (("note.exe", b"MZ"),)}, "evidence", "evidence must be a PDF"),
    ({"files": (("fake.pdf", b"not a pdf"),)}, "evidence", "is not really a PDF file"),
])
def test_bad_arrangement_input_is_refused_with_the_field_named_and_nothing_stored(
        app, people, clock, data, field, message):
    response = record(admin_client(app), people["sam"], **data)
    assert response.status_code == 200 and message in response.text
    assert f'href="#{field}' in response.text  # the error summary links to the field
    with app.app_context():
        assert AccessArrangement.query.count() == 0


def test_evidence_is_for_admins_only_and_its_viewing_audited(app, people, clock):
    admin = admin_client(app)
    record(admin, people["sam"])
    url = f"/admin/participants/{people['sam']}/arrangement/evidence/1"
    response = admin.get(url)
    assert response.status_code == 200 and response.data == PDF[1]
    for email in ("sam@example.org", "marker@example.org"):
        other = app.test_client()
        login(other, email)
        assert other.get(url).status_code == 403
        assert other.get(f"/admin/participants/{people['sam']}/arrangement").status_code == 403
    with app.app_context():
        assert AuditEvent.query.filter_by(action="access_arrangement.evidence_viewed").count() == 1
    page = admin.get(f"/admin/participants/{people['sam']}").text
    assert "5 extra days" in page and DETAILS in page


def test_markers_never_see_an_arrangement(app, people, clock):
    """The script reaches a marker after Sam's own later deadline, and nothing on the marker's
    pages tells of the arrangement or the extra time."""
    record(admin_client(app), people["sam"])
    with app.app_context():
        window = db.session.get(AssessmentWindow, people["window"])
        entry = make_entry(window, db.session.get(AccessArrangement, 1).participant)
        entry_id = entry.id
    clock.at(LAST_SECOND)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        submissions.submit(entry, "My response.", declaration=True, client_token="a", at=LAST_SECOND)
        allocations.allocate_window(entry.window, LAST_SECOND)
        db.session.commit()  # as the request does
        assert Allocation.query.count() == 0  # still in time: not yet marked
    clock.at(FIRST_LATE)
    with app.app_context():
        allocations.allocate_window(db.session.get(Entry, entry_id).window, FIRST_LATE)
        db.session.commit()  # as the request does
        number = Allocation.query.one().candidate_number
    marker = app.test_client()
    login(marker, "marker@example.org")
    pages = marker.get("/marking/").text + marker.get(f"/marking/scripts/{number}").text
    assert "My response." in pages
    for hidden in ("arrangement", "Arrangement", "SECRET-ARRANGEMENT-DETAIL", "extra days",
                   "6 December", "Sam Taylor"):
        assert hidden not in pages


def test_an_arrangement_follows_a_deferral_to_the_later_window(app, people, clock):
    """Moved to Spring 2027 (deadline 23:59 BST on Wednesday 31 March), Sam's own deadline there
    is 23:59 BST on Monday 5 April, without asking again."""
    record(admin_client(app), people["sam"])
    with app.app_context():
        window = db.session.get(AssessmentWindow, people["window"])
        later = make_window(name="Spring 2027", first_day=date(2027, 3, 24))
        entry = make_entry(window, db.session.get(User, people["sam"]))
        moved = eligibility.move_to_window(entry, later, BEFORE, db.session.get(User, people["admin"]),
                                           entered=True)
        assert moved.closes_at == datetime(2027, 4, 5, 23, 0, tzinfo=UTC)
        assert Extension.query.filter_by(entry_id=moved.id).one().reason.startswith(
            "Access arrangement")
