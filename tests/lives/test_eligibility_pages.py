"""The eligibility pages through the test client: imports, requests, decisions, evidence, timeline."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from page_html import by_id, confirmed_post, error_links, parse
from werkzeug.datastructures import MultiDict

from assessment_app.extensions import db
from assessment_app.models import (
    AuditEvent,
    DeferralRequest,
    EcClaim,
    EngagementRecord,
    Entry,
    Extension,
    Role,
)

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # before the engagement deadline of 10 November
DURING = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def gated(app, clock):
    clock.at(NOW)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        window = make_window(admin=admin)
        window.engagement_deadline = datetime(2026, 11, 10, 23, 59, tzinfo=UTC) + timedelta(minutes=1)
        later = make_window(name="Spring 2027", first_day=date(2027, 3, 9), admin=admin)
        # A deferral waits for the later window's own 90% gate.
        later.engagement_deadline = datetime(2027, 2, 23, 23, 59, tzinfo=UTC) + timedelta(minutes=1)
        db.session.commit()
        participant = make_user(email="sam@example.org", name="Sam Taylor")
        make_user(Role.MARKER, email="marker@example.org")
        entry = make_entry(window, participant)
        return {"entry": entry.id, "participant": participant.id, "window": window.id,
                "later": later.id}


def client(app, email, clock=None, at=None):
    if clock is not None:
        clock.at(at)
    c = app.test_client()
    login(c, email, PASSWORD)
    return c


def test_a_gated_entry_shows_engagement_and_the_deadline_and_hides_the_case_study(app, gated, clock):
    sam = client(app, "sam@example.org")
    page = sam.get(f"/assessments/{gated['entry']}").text
    assert "at least 90%" in page and "11:59pm on Tuesday 10 November 2026" in page
    assert "We have no engagement figure for you yet" in page
    clock.at(DURING)
    sam = client(app, "sam@example.org")
    assert sam.get(f"/assessments/{gated['entry']}/case-study").status_code == 404


def test_an_engagement_file_with_errors_is_refused_whole_with_line_numbers(app, gated):
    admin = client(app, "admin@example.org")
    bad = ("participant,programme,percent_complete,as_of\n"
           "sam@example.org,NPQLTD,95,2026-11-01\n"
           "nobody@example.org,NPQLTD,95,2026-11-01\n"
           "sam@example.org,NPQXX,95,2026-11-01\n"
           "sam@example.org,NPQH,120,2026-11-01\n"
           "sam@example.org,NPQSL,50,01/13/2026\n")
    page = admin.post("/admin/engagement", data={"document": (io.BytesIO(bad.encode()), "lp.csv")},
                      content_type="multipart/form-data").text
    for expected in ("Line 3: no participant", "Line 4: “NPQXX” is not an NPQ code",
                     "Line 5: percent_complete must be a number from 0 to 100",
                     "Line 6: as_of must be a date", "nothing has changed"):
        assert expected in page
    with app.app_context():
        assert EngagementRecord.query.count() == 0


def test_a_good_engagement_file_is_imported_and_the_participant_sees_it(app, gated):
    admin = client(app, "admin@example.org")
    good = "participant,programme,percent_complete,as_of\nSAM@example.org,npqltd,93.5%,2026-11-01\n"
    response = admin.post("/admin/engagement", data={"document": (io.BytesIO(good.encode()), "lp.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "1 engagement figures imported" in response.text
    page = client(app, "sam@example.org").get(f"/assessments/{gated['entry']}").text
    assert "93.5%" in page


def test_deferral_request_and_decision_through_the_pages(app, gated):
    sam = client(app, "sam@example.org")
    empty = sam.post(f"/assessments/{gated['entry']}/deferral", data={"reason": ""})
    assert "Tell us why you are asking to defer" in empty.text
    sam.post(f"/assessments/{gated['entry']}/deferral", data={"reason": "New headship role."})
    admin = client(app, "admin@example.org")
    assert "Sam Taylor" in admin.get("/admin/requests").text
    with app.app_context():
        request_id = DeferralRequest.query.one().id
    data = {"decision": "agree", "to_window": str(gated["later"]), "reason": "Fine."}
    check = admin.post(f"/admin/deferrals/{request_id}", data=data)
    assert "Check before you agree to this deferral" in check.text
    assert ("The attempt&#39;s outcome changes from in progress to deferred (does not count)."
            in check.text)
    with app.app_context():
        assert db.session.get(Entry, gated["entry"]).outcome is None
    confirmed_post(admin, f"/admin/deferrals/{request_id}", data)
    with app.app_context():
        assert db.session.get(Entry, gated["entry"]).outcome == "deferred"
        assert Entry.query.filter_by(window_id=gated["later"]).count() == 1
    page = client(app, "sam@example.org").get(f"/assessments/{gated['entry']}/deferral").text
    assert "Agreed" in page and "Spring 2027" in page


def claim_form(files):
    return {"category": "illness", "description": "Admitted to hospital.",
            "affected_from": ["24", "11", "2026"], "affected_to": ["27", "11", "2026"],
            "evidence": files}


def test_an_ec_claim_with_a_bad_file_is_refused_and_keeps_what_was_typed(app, gated, clock):
    sam = client(app, "sam@example.org", clock, DURING)
    page = sam.post(f"/assessments/{gated['entry']}/circumstances",
                    data=claim_form([(io.BytesIO(b"MZ not a pdf"), "letter.pdf")]),
                    content_type="multipart/form-data").text
    assert "not really a PDF" in page and "Admitted to hospital." in page
    with app.app_context():
        assert EcClaim.query.count() == 0


def test_ec_claim_date_errors_link_to_the_day_input_of_each_date(app, gated, clock):
    """A missing date, and a last day before the first, each link to that date's first input
    (its day), which takes focus, not to the wrapper round the three inputs."""
    sam = client(app, "sam@example.org", clock, DURING)
    url = f"/assessments/{gated['entry']}/circumstances"
    empty = parse(sam.post(url, data={**claim_form([]), "affected_from": ["", "", ""],
                                      "affected_to": ["", "", ""]}))
    assert error_links(empty) == ["#affected_from-day", "#affected_to-day"]
    assert by_id(empty, "affected_from-day").tag == "input"
    backwards = parse(sam.post(url, data={**claim_form([]), "affected_to": ["20", "11", "2026"]}))
    assert error_links(backwards) == ["#affected_to-day"]
    assert by_id(backwards, "affected_to-day").tag == "input"


def test_evidence_is_served_only_to_admins(app, gated, clock):
    sam = client(app, "sam@example.org", clock, DURING)
    sam.post(f"/assessments/{gated['entry']}/circumstances",
             data=claim_form([(io.BytesIO(b"%PDF-1.7 letter"), "letter.pdf")]),
             content_type="multipart/form-data")
    with app.app_context():
        ec = EcClaim.query.one()
        url = f"/admin/claims/{ec.id}/evidence/{ec.evidence[0].id}"
    assert sam.get(url).status_code == 403
    assert client(app, "marker@example.org").get(url).status_code == 403
    download = client(app, "admin@example.org").get(url)
    assert download.status_code == 200 and download.data == b"%PDF-1.7 letter"
    assert "attachment" in download.headers["Content-Disposition"]


def test_an_ec_extension_decision_is_shown_to_the_participant_and_in_the_timeline(app, gated, clock):
    with app.app_context():
        db.session.get(Entry, gated["entry"]).entered = True
        db.session.commit()
    sam = client(app, "sam@example.org", clock, DURING)
    sam.post(f"/assessments/{gated['entry']}/circumstances",
             data=claim_form([(io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "note.png")]),
             content_type="multipart/form-data")
    with app.app_context():
        claim_id = EcClaim.query.one().id
    admin = client(app, "admin@example.org")
    refused = admin.post(f"/admin/claims/{claim_id}", data={"decision": "extension", "reason": "Ill"})
    assert "Enter the date the extension runs to" in refused.text
    confirmed_post(admin, f"/admin/claims/{claim_id}", MultiDict(
        [("decision", "extension"), ("reason", "Hospital stay"), ("until", "8"), ("until", "12"),
         ("until", "2026")]))
    page = client(app, "sam@example.org").get(f"/assessments/{gated['entry']}/circumstances").text
    assert "Extension granted" in page and "11:59pm on Tuesday 8 December 2026" in page
    timeline = admin.get(f"/admin/participants/{gated['participant']}").text
    assert "ec decided by" in timeline and "Hospital stay" in timeline
    assert "extension granted" in timeline


def test_a_group_extension_with_a_reason(app, gated, clock):
    with app.app_context():
        window = db.session.get(Entry, gated["entry"]).window
        other = make_entry(window, make_user(email="jo@example.org"))
        for entry in Entry.query.filter_by(window_id=window.id):
            entry.entered = True
        db.session.commit()
        ids = [gated["entry"], other.id]
    admin = client(app, "admin@example.org", clock, DURING)
    admin.post(f"/admin/windows/{gated['window']}/extensions",
               data={"entry_ids": ids, "until": ["4", "12", "2026"], "reason": "School closure (snow)"})
    with app.app_context():
        assert Extension.query.count() == 2
        assert {e.reason for e in Extension.query} == {"School closure (snow)"}
        assert AuditEvent.query.filter_by(action="extension.granted").count() == 2


def test_an_admin_can_file_a_claim_on_a_participants_behalf(app, gated, clock):
    admin = client(app, "admin@example.org", clock, DURING)
    url = f"/admin/participants/{gated['participant']}/entries/{gated['entry']}/claim"
    assert "for Sam Taylor" in admin.get(url).text
    admin.post(url, data=claim_form([(io.BytesIO(b"%PDF-1.4 x"), "x.pdf")]),
               content_type="multipart/form-data")
    with app.app_context():
        assert EcClaim.query.one().filed_by != gated["participant"]


def test_markers_never_see_ec(app, gated, clock):
    marker = client(app, "marker@example.org")
    assert marker.get("/admin/requests").status_code == 403
    assert marker.get(f"/admin/participants/{gated['participant']}").status_code == 403


@pytest.mark.parametrize("dates", [
    {},  # neither date sent at all
    {"affected_from": ["24"], "affected_to": ["27", "11"]},  # parts missing
    {"affected_from": ["24", "11", "2026", "1"], "affected_to": ["27", "11", "2026", "2"]},
])
def test_an_ec_claim_without_its_date_parts_is_refused_with_what_was_typed(app, gated, clock, dates):
    """A claim posted with a date's day, month or year missing (or repeated) shows the form
    again with the dates refused and the description kept; it was a server error."""
    sam = client(app, "sam@example.org", clock, DURING)
    form = {k: v for k, v in claim_form([]).items() if not k.startswith("affected_")}
    page = sam.post(f"/assessments/{gated['entry']}/circumstances", data={**form, **dates})
    assert page.status_code == 200
    assert "Admitted to hospital." in page.text and "affected_from-day" in page.text
    with app.app_context():
        assert EcClaim.query.count() == 0


def test_evidence_named_with_line_breaks_is_stored_without_them_and_downloads(app, gated, clock):
    """A file name sent as filename*= with CR and LF in it (which no header can carry) is stored
    without them, and its download works; the download was a server error."""
    sam = client(app, "sam@example.org", clock, DURING)
    boundary = "hostileboundary"
    fields = {"category": "illness", "description": "Admitted to hospital."}
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                   for k, v in fields.items())
    for name, parts in (("affected_from", ("24", "11", "2026")), ("affected_to", ("27", "11", "2026"))):
        body += "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                        f"{p}\r\n" for p in parts)
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
             "filename=\"x.pdf\"; filename*=UTF-8''letter%0D%0ASet-Cookie%3A%20a%3Db.pdf\r\n"
             "Content-Type: application/pdf\r\n\r\n%PDF-1.7 letter\r\n"
             f"--{boundary}--\r\n")
    sam.post(f"/assessments/{gated['entry']}/circumstances", data=body.encode(),
             content_type=f"multipart/form-data; boundary={boundary}")
    with app.app_context():
        ec = EcClaim.query.one()
        evidence = ec.evidence[0]
        assert "\r" not in evidence.filename and "\n" not in evidence.filename
        assert evidence.filename == "letterSet-Cookie: a=b.pdf"
        url = f"/admin/claims/{ec.id}/evidence/{evidence.id}"
    download = client(app, "admin@example.org").get(url)
    assert download.status_code == 200 and download.data == b"%PDF-1.7 letter"
    assert "\n" not in download.headers["Content-Disposition"]
