"""The admin's DfE pages: participants fetched and listed beside what we hold before they are
applied (audited), the outbox's failures with the DfE's words, and the DfE's outcomes beside ours.
"""

from dataclasses import asdict
from datetime import timedelta

import httpx
import pytest
from dfe.conftest import COMPLETED, RESULTS, SAM_DFE, release, report
from dfe.fake_dfe import participant
from factories import PASSWORD, login, make_user
from page_html import parse

from assessment_app.dfe.participants import Incoming
from assessment_app.dfe_return import completion_date
from assessment_app.extensions import db
from assessment_app.models import (
    AuditEvent,
    DfeCall,
    DfeParticipantFetch,
    Entry,
    OutboxMessage,
    Role,
    User,
)
from assessment_app.scheduling import send_to_dfe
from assessment_app.services import dfe_people

NEW = "0b7a8e6e-4c3d-4e5f-9a1b-2c3d4e5f6a7b"
JO_DFE = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
MERGED = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"


@pytest.fixture
def admin(app, world, fake, clock):
    clock.at(RESULTS)
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    return client


def read(response) -> str:
    """The page's text, each element's apart (table cells do not run together)."""
    return " ".join(" ".join(parse(response).itertext()).split())


def dfe_participants(fake):
    fake.participants = [
        # Sam, under an id the DfE merged into this one, now with a new name and deferred.
        participant(MERGED, "Samantha Taylor", "sam@example.org",
                    "npq-leading-teaching-development", status="deferred", earlier=[SAM_DFE]),
        # Jo, known to us by email only: linked, and her school's URN given.
        participant(JO_DFE, "Jo Evans", "JO@example.org", "npq-leading-teaching-development"),
        participant(NEW, "Lee Chan", "lee@example.org", "npq-headship", urn=None),
        participant("3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b", "Mo Marker", "m1@example.org",
                    "npq-headship"),
        participant("4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c", "No Mail", None, "npq-senco"),
        participant("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "Coach", "c@example.org",
                    "npq-early-headship-coaching-offer"),
    ]


def fetch(admin) -> tuple[int, str, str]:
    """Fetch from the DfE as the admin does: the fetch's id, its page's text, and the
    fingerprint of what the page showed (sent back when applying)."""
    answer = admin.post("/admin/dfe/participants")
    assert answer.status_code == 302
    page = admin.get(answer.headers["Location"])
    assert page.status_code == 200
    shown = parse(page).xpath("//input[@name='shown']/@value")
    return int(answer.headers["Location"].rsplit("/", 1)[1]), read(page), "".join(shown)


def test_fetched_participants_are_listed_beside_what_we_hold_before_anything_changes(
        app, admin, fake):
    with app.app_context():
        make_user(Role.MARKER, email="m1@example.org", name="Martin Doyle")
    dfe_participants(fake)
    _, page, _ = fetch(admin)
    assert "To add (1)" in page and "Lee Chan" in page
    assert "To change (2)" in page
    assert "Sam Taylor Name Sam Taylor Samantha Taylor" in page
    assert "DfE participant id 7a8fef46-3c43-42c0-b3d5-1ba5904ba562 " + MERGED in page
    assert "DfE training status (none) deferred Their entries are not changed" in page
    assert "Jo Evans School URN (none) 106286 DfE participant id (none) " + JO_DFE in page
    assert "Left out (2)" in page and "m1@example.org belongs to a marker's account" in page
    assert "No Mail" in page and "gives no usable email address" in page
    assert "1 on a support offer with no assessment" in page
    with app.app_context():  # nothing applied by looking
        assert User.query.filter_by(email="sam@example.org").one().name == "Sam Taylor"
        assert User.query.filter_by(email="lee@example.org").first() is None


def test_applying_adds_and_updates_people_each_change_audited(app, admin, fake):
    dfe_participants(fake)
    fetch_id, _, fingerprint = fetch(admin)
    answer = admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/people"
    assert "From the DfE: 2 people added (each emailed a link to set a password), 2 people " \
        "updated." in read(admin.get("/admin/people"))  # Lee and Mo added; Sam and Jo updated
    with app.app_context():
        sam = User.query.filter_by(email="sam@example.org").one()
        assert (sam.name, sam.dfe_participant_id, sam.dfe_training_status, sam.school_urn) == (
            "Samantha Taylor", MERGED, "deferred", "106286")
        assert User.query.filter_by(email="jo@example.org").one().dfe_participant_id == JO_DFE
        lee = User.query.filter_by(email="lee@example.org").one()
        assert (lee.programme, lee.dfe_participant_id, lee.role) == ("NPQH", NEW, Role.PARTICIPANT)
        assert OutboxMessage.query.filter_by(to="lee@example.org").count() == 1
        changed = {e.detail["user"]: e.detail for e in
                   AuditEvent.query.filter_by(action="person.updated")}
        assert changed[sam.id]["source"] == "DfE"
        assert changed[sam.id]["changes"]["name"] == ["Sam Taylor", "Samantha Taylor"]
        assert changed[sam.id]["changes"]["dfe_participant_id"] == [SAM_DFE, MERGED]
        assert AuditEvent.query.filter_by(action="dfe.participants_applied").count() == 1
    assert (f"DfE participant {MERGED} · training status at the DfE: deferred · school URN "
            "106286") in read(admin.get(f"/admin/participants/{sam.id}"))
    again = admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    assert again.status_code == 409 and "already been applied" in read(again)


def test_a_list_that_changed_since_it_was_shown_is_not_applied(app, admin, fake):
    dfe_participants(fake)
    fetch_id, _, fingerprint = fetch(admin)
    with app.app_context():
        User.query.filter_by(email="sam@example.org").one().name = "Sam T"
        db.session.commit()
    answer = admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "<title>Error: Participants from the DfE" in html and "govuk-error-summary" in html
    assert "The people changed after you looked: check the list again." in read(answer)
    assert "Sam T Name Sam T Samantha Taylor" in read(answer)  # the list as it is now
    with app.app_context():
        assert db.session.get(DfeParticipantFetch, fetch_id).applied_at is None
        assert User.query.filter_by(email="lee@example.org").first() is None


def test_an_email_held_by_someone_else_is_not_taken(app, admin, fake):
    with app.app_context():
        make_user(email="other@example.org", name="Other Person")
    fake.participants = [participant(SAM_DFE, "Sam Taylor", "other@example.org",
                                     "npq-leading-teaching-development")]
    _, page, _ = fetch(admin)
    assert "Their email is not changed: other@example.org belongs to another account." in page
    assert "Email" not in page.split("To change (1)")[1].split("Apply")[0].replace(
        "Their email is not changed: other@example.org", "")


def test_the_next_fetch_asks_for_changes_since_the_last_one_applied(app, admin, fake, clock):
    fake.participants = []
    first, _, _ = fetch(admin)
    fetch(admin)  # not applied: it moves nothing
    assert "filter[updated_since]" not in str(fake.requests[-1].url.params)
    with app.app_context():
        db.session.get(DfeParticipantFetch, first).applied_at = RESULTS
        db.session.commit()
    clock.at(RESULTS + timedelta(days=1))
    login(admin, "boss@example.org", PASSWORD)  # the session of the day before has ended
    fetch(admin)
    assert fake.requests[-1].url.params["filter[updated_since]"] == "2027-02-10T08:50:00Z"


def test_linking_someone_sends_the_outcomes_already_reported(app, admin, fake):
    with app.app_context():
        release(world_id := Entry.query.first().window_id)
        jo_entry = Entry.query.join(User, User.id == Entry.participant_id).filter(
            User.email == "jo@example.org").one()
        report(jo_entry.id, "passed", COMPLETED, RESULTS)
        assert DfeCall.query.count() == 0
    fake.participants = [participant(JO_DFE, "Jo Evans", "jo@example.org",
                                     "npq-leading-teaching-development")]
    fetch_id, _, fingerprint = fetch(admin)
    admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    with app.app_context():
        call = DfeCall.query.one()
        assert (call.participant_id, call.has_passed, world_id) == (JO_DFE, True, world_id)


def test_a_failing_call_is_shown_with_the_dfes_words_and_can_be_tried_now(app, admin, fake):
    with app.app_context():
        release(Entry.query.first().window_id)
        sam = Entry.query.join(User, User.id == Entry.participant_id).filter(
            User.email == "sam@example.org").one()
        report(sam.id, "passed", COMPLETED, RESULTS)
        fake.failures = [httpx.Response(422, json={"errors": [
            {"title": "cohort", "detail": "You cannot submit or void declarations for the "
                                          "2024 cohort."}]})]
        send_to_dfe(RESULTS)
        call = DfeCall.query.one()
        assert call.send_after == RESULTS + timedelta(minutes=2)
    page = read(admin.get("/admin/dfe"))
    assert "Failing 1" in page
    assert "Sam Taylor Autumn 2026 Declare passed 1" in page
    assert "422 cohort: You cannot submit or void declarations for the 2024 cohort." in page
    assert "secret-token-123" not in admin.get("/admin/dfe").get_data(as_text=True)
    answer = admin.post(f"/admin/dfe/calls/{call.id}/retry")
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(DfeCall, call.id).send_after == RESULTS
        event = AuditEvent.query.filter_by(action="dfe.call_retried").one()
        assert event.detail["last_error"].startswith("422 cohort")
        send_to_dfe(RESULTS)
        assert db.session.get(DfeCall, call.id).done_at == RESULTS
    assert admin.post(f"/admin/dfe/calls/{call.id}/retry").status_code == 404  # done now


def test_the_dfes_outcomes_are_shown_where_they_differ_from_ours(app, admin, fake):
    with app.app_context():
        window_id = Entry.query.first().window_id
        release(window_id)
        sam = Entry.query.join(User, User.id == Entry.participant_id).filter(
            User.email == "sam@example.org").one()
        report(sam.id, "passed", COMPLETED, RESULTS)
        send_to_dfe(RESULTS)
        report(sam.id, "failed", RESULTS + timedelta(days=30), RESULTS + timedelta(days=30))
    page = read(admin.get(f"/admin/windows/{window_id}/dfe-outcomes"))
    assert "0 agree" in page
    assert (f"Sam Taylor NPQLTD failed on {completion_date(RESULTS + timedelta(days=30))} "
            f"passed on {completion_date(COMPLETED)}") in page
    with app.app_context():
        send_to_dfe(RESULTS + timedelta(days=30))
    page = read(admin.get(f"/admin/windows/{window_id}/dfe-outcomes"))
    assert "1 agree" in page and "No disagreement." in page


def test_a_fetch_the_dfe_refuses_says_why(app, admin, fake):
    fake.failures = [httpx.Response(401, json={"error": "HTTP Token: Access denied"})]
    answer = admin.post("/admin/dfe/participants")
    assert answer.headers["Location"] == "/admin/dfe"
    page = admin.get("/admin/dfe").get_data(as_text=True)
    assert "The DfE&#39;s participants could not be fetched: 401 HTTP Token: Access denied" in page
    assert "secret-token-123" not in page
    with app.app_context():
        assert DfeParticipantFetch.query.count() == 0


def test_without_the_api_set_up_nothing_is_fetched(app, admin, fake):
    app.config["DFE_API_TOKEN"] = None
    admin.post("/admin/dfe/participants")
    assert "The DfE's API is not set up" in read(admin.get("/admin/dfe"))
    assert fake.requests == []


def test_two_people_the_dfe_lists_with_one_email_are_not_both_added(app, admin, fake):
    fake.participants = [participant(NEW, "Lee Chan", "lee@example.org", "npq-headship"),
                         participant(MERGED, "Lee Chan", "lee@example.org", "npq-senco")]
    fetch_id, page, fingerprint = fetch(admin)
    assert "To add (1)" in page
    assert "lee@example.org is also the email of another participant listed here." in page
    admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    with app.app_context():
        assert User.query.filter_by(email="lee@example.org").one().dfe_participant_id == NEW


def test_a_fetch_of_thousands_is_placed_in_slices(app, world):
    """Looked up a thousand ids and emails at a time (a statement's parameters are limited)."""
    many = [asdict(Incoming(f"{n:08d}-3c43-42c0-b3d5-1ba5904ba562", f"Person {n}",
                            f"p{n}@example.org", "NPQH", None, "active")) for n in range(2500)]
    many.append(asdict(Incoming(NEW, "Jo Evans", "jo@example.org", "NPQLTD", None, "active")))
    with app.app_context():
        fetched = DfeParticipantFetch(fetched_by=world.admin_id, records=many)
        db.session.add(fetched)
        db.session.flush()
        planned = dfe_people.plan(fetched)
        assert sum(p.is_new for p in planned) == 2500
        assert planned[-1].person.email == "jo@example.org"


def test_a_programme_change_while_an_attempt_runs_is_left_out_saying_why(app, admin, fake):
    """The same rule as the edit page and a people file (person_effects): the rest applies."""
    fake.participants = [participant(SAM_DFE, "Samantha Taylor", "sam@example.org",
                                     "npq-headship")]
    fetch_id, page, fingerprint = fetch(admin)
    assert ("Programme not changed: They are entered for NPQLTD in Autumn 2026 and that attempt "
            "has no outcome yet.") in page
    assert "Name Sam Taylor Samantha Taylor" in page and "NPQH" not in page
    admin.post(f"/admin/dfe/participants/{fetch_id}/apply", data={"shown": fingerprint})
    with app.app_context():
        sam = User.query.filter_by(dfe_participant_id=SAM_DFE).one()
        assert (sam.name, sam.programme) == ("Samantha Taylor", "NPQLTD")
