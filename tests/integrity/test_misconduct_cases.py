"""An admin opens an academic-misconduct case on a script, records evidence (a note, a file) and
a decision with a reason; bad input is refused with a linked error and nothing is lost; every
step, and every look at an evidence file, is in the audit log."""

import io

from factories import PASSWORD, login
from integrity.conftest import open_case
from page_html import confirmed_post

from assessment_app.models import AuditEvent, MisconductCase, MisconductEvidence

PDF = b"%PDF-1.4\n% a scan of the source\n"


def admin_client(app, scripts):
    client = app.test_client()
    login(client, scripts.admin_email, PASSWORD)
    return client


def actions(app):
    with app.app_context():
        return [a.action for a in AuditEvent.query.filter(AuditEvent.action.like("misconduct.%"))
                .order_by(AuditEvent.id)]


def test_a_case_is_opened_once_evidenced_and_decided(app, scripts, clock):
    admin = admin_client(app, scripts)
    entry_id = scripts.entries["verbatim"]
    case_url = open_case(admin, entry_id)
    assert admin.post(f"/admin/entries/{entry_id}/misconduct").location == case_url  # one case
    page = admin.get(case_url).text
    assert "Academic-misconduct case" in page and "No evidence recorded yet." in page
    added = admin.post(f"{case_url}/evidence", data={
        "note": "Identical to the original script, word for word.",
        "file": (io.BytesIO(PDF), "comparison.pdf")}, content_type="multipart/form-data")
    assert added.status_code == 302
    page = admin.get(case_url).text
    assert "word for word" in page and "comparison.pdf" in page
    with app.app_context():
        item = MisconductEvidence.query.one()
        evidence_url = f"{case_url}/evidence/{item.id}"
    download = admin.get(evidence_url)
    assert download.data == PDF and download.mimetype == "application/pdf"
    decided = confirmed_post(admin, f"{case_url}/decision", {
        "decision": "upheld", "reason": "The participant admitted copying."},
        follow_redirects=False)
    assert decided.status_code == 302
    page = admin.get(case_url).text
    assert "Misconduct found" in page and "admitted copying" in page
    assert 'name="decision"' not in page  # final
    assert actions(app) == ["misconduct.opened", "misconduct.evidence_added",
                            "misconduct.evidence_viewed", "misconduct.decided"]
    with app.app_context():
        case = MisconductCase.query.one()
        assert (case.entry_id, case.decision, case.reason) == (
            entry_id, "upheld", "The participant admitted copying.")


def test_a_decision_without_a_reason_is_refused_and_nothing_is_recorded(app, scripts, clock):
    admin = admin_client(app, scripts)
    case_url = open_case(admin, scripts.entries["verbatim"])
    refused = admin.post(f"{case_url}/decision", data={"decision": "upheld", "reason": "  "})
    assert refused.status_code == 400
    assert 'href="#reason"' in refused.text and "Give the reason for the decision" in refused.text
    with app.app_context():
        assert MisconductCase.query.one().decision is None


def test_a_bad_evidence_file_is_refused_and_the_note_is_kept_in_the_form(app, scripts, clock):
    admin = admin_client(app, scripts)
    case_url = open_case(admin, scripts.entries["verbatim"])
    refused = admin.post(f"{case_url}/evidence", data={
        "note": "The student's notes.", "file": (io.BytesIO(b"MZ\x90"), "notes.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert 'href="#file"' in refused.text and "notes.exe: evidence must be" in refused.text
    assert "The student&#39;s notes." in refused.text
    with app.app_context():
        assert MisconductEvidence.query.count() == 0
    assert admin.post("/admin/entries/999999/misconduct").status_code == 404
