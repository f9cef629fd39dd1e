"""Every export, every view of EC evidence and every failed sign-in is in the audit log (the
moderation pack's, asked for and downloaded: test_moderation_pack_job.py)."""

import re

import pytest
from factories import PASSWORD
from returns.conftest import add_ec_claim, signed_in

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Entry


@pytest.mark.parametrize("path, export", [
    ("export/marks.csv", "marks_csv"),
    ("reports/dfe-return.csv", "dfe_return"),
    ("reports/provider-results.csv", "provider_results"),
])
def test_every_export_records_who_took_which_windows_what(app, released, clock, path, export):
    admin = signed_in(app, clock, "boss@example.org")
    assert admin.get(f"/admin/windows/{released.window_id}/{path}").status_code == 200
    with app.app_context():
        event = AuditEvent.query.filter_by(action="export.downloaded").one()
        assert event.actor_id == released.admin_id and event.window_id == released.window_id
        assert event.detail["export"] == export and event.detail["filename"]
    assert "export.downloaded" in admin.get("/admin/audit").text


def test_a_refused_export_records_nothing(app, released, clock):
    marker = signed_in(app, clock, "m1@example.org")
    assert marker.get(f"/admin/windows/{released.window_id}/reports/dfe-return.csv").status_code == 403
    with app.app_context():
        assert AuditEvent.query.filter_by(action="export.downloaded").count() == 0


def test_viewing_ec_evidence_is_audited(app, closed, clock):
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[0])
        claim = add_ec_claim(entry, "Hospital", "letter.pdf")
        url = f"/admin/claims/{claim.id}/evidence/{claim.evidence[0].id}"
        participant_id, claim_id = entry.participant_id, claim.id
    response = signed_in(app, clock, "boss@example.org").get(url)
    assert response.status_code == 200 and response.data == b"%PDF"
    with app.app_context():
        event = AuditEvent.query.filter_by(action="ec.evidence_viewed").one()
        assert event.actor_id == closed.admin_id and event.participant_id == participant_id
        assert event.detail["claim"] == claim_id and event.detail["filename"] == "letter.pdf"


def test_a_failed_sign_in_is_audited_with_the_address_never_the_password(app, closed, clock):
    """Unknown address and wrong password look the same to the person signing in."""
    client = app.test_client()
    unknown = client.post("/login", data={"email": "Nobody@Example.org", "password": "guess-one"})
    wrong = client.post("/login", data={"email": "sam@example.org", "password": "guess-two"})
    assert unknown.status_code == wrong.status_code == 200
    message = "Enter a correct email address and password"
    assert message in unknown.text and message in wrong.text
    def page(response, email):
        return re.sub(r'nonce="[^"]*"', "", response.text).replace(email, "EMAIL")

    assert page(unknown, "Nobody@Example.org") == page(wrong, "sam@example.org")
    client.post("/login", data={"email": "sam@example.org", "password": PASSWORD})
    with app.app_context():
        events = AuditEvent.query.filter_by(action="user.sign_in_failed").order_by(AuditEvent.id).all()
        assert [e.detail["email"] for e in events] == ["nobody@example.org", "sam@example.org"]
        assert [e.detail["reason"] for e in events] == ["no such account", "wrong password"]
        assert all("guess" not in str(e.detail) for e in events)
