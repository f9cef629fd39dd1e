"""People: CSV import (all or nothing), single-use password links, deactivation, the audit log."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from factories import count_queries, login, make_entry, make_user, make_window

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, MarkerProfile, OutboxMessage, Role, User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HEADER = "role,name,email,programme,cohort,delivery_partner,school\n"


def link_in(app, email):
    with app.app_context():
        body = OutboxMessage.query.filter_by(to=email, kind="password_link").order_by(OutboxMessage.id.desc()).first().body
    return re.search(r"http://[^\s]+(/password/[\w-]+)", body).group(1)


def test_a_bad_people_file_is_refused_whole_with_line_numbers(app, admin, upload):
    page = upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,NPQLTD,Spring 2026,Alliance,Oakfield\n"
                  "teacher,Jo Evans,jo@example.org,NPQLTD,,,\n"
                  "participant,Alex,not-an-email,NPQLTD,,,\n"
                  "participant,Sam Again,SAM@example.org,NPQLTD,,,\n"
                  "marker,Kim,kim@example.org,NPQXX,,,\n"
                  "participant,Lee,admin@example.org,NPQH,,,\n").text
    for expected in ("Line 3: role must be participant, marker or moderator",
                     "Line 4: “not-an-email” is not an email address",
                     "Line 5: sam@example.org appears twice", "Line 6: programme must be NPQ codes",
                     "Line 7: admin@example.org already has an account", "nothing has changed"):
        assert expected in page
    with app.app_context():
        assert User.query.count() == 1


def test_imported_people_get_a_single_use_link_to_set_their_password(app, admin, clock, upload):
    page = upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,npqltd,Spring 2026,Alliance,Oakfield\n"
                  "marker,Kim Lee,kim@example.org,NPQLTD;NPQH,,Northern,\n").text
    assert "2 people added" in page
    with app.app_context():
        sam = User.query.filter_by(email="sam@example.org").one()
        assert sam.programme == "NPQLTD" and sam.password_hash is None
        assert db.session.get(MarkerProfile, User.query.filter_by(email="kim@example.org").one().id).npqs == {"NPQLTD", "NPQH"}
    path = link_in(app, "sam@example.org")
    visitor = app.test_client()
    weak = visitor.post(path, data={"password": "short", "confirm": "short"})
    assert "at least 10 characters" in weak.text
    done = visitor.post(path, data={"password": "a long pass phrase", "confirm": "a long pass phrase"})
    assert done.status_code == 302
    assert login(visitor, "sam@example.org", "a long pass phrase").headers["Location"] == "/assessments/"
    assert app.test_client().get(path).status_code == 404  # used once, never again


def test_a_password_link_expires_after_48_hours(app, admin, clock, upload):
    upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,NPQLTD,,,\n")
    path = link_in(app, "sam@example.org")
    clock.at(NOW + timedelta(hours=48))
    expired = app.test_client().get(path)
    assert expired.status_code == 404 and "expired" in expired.text


def test_forgotten_password_says_the_same_whoever_asks(app, admin):
    with app.app_context():
        make_user(email="jo@example.org")
    visitor = app.test_client()
    known = visitor.post("/password/forgot", data={"email": "jo@example.org"}, follow_redirects=True).text
    unknown = visitor.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True).text
    message = "If that address has an account, we have sent it a link"
    assert message in known and message in unknown
    with app.app_context():
        assert [m.to for m in OutboxMessage.query.filter_by(kind="password_link")] == ["jo@example.org"]


def test_a_deactivated_user_cannot_sign_in_and_an_admin_cannot_deactivate_themselves(app, admin):
    with app.app_context():
        jo_id = make_user(email="jo@example.org").id
        admin_id = User.query.filter_by(email="admin@example.org").one().id
    admin.post(f"/admin/people/{jo_id}/active", data={"active": "0"})
    assert "Enter a correct email address and password" in login(app.test_client(), "jo@example.org").text
    refused = admin.post(f"/admin/people/{admin_id}/active", data={"active": "0"}, follow_redirects=True)
    assert "cannot deactivate your own account" in refused.text
    with app.app_context():
        assert AuditEvent.query.filter_by(action="user.deactivated").count() == 1


def test_the_audit_log_searches_by_participant_window_and_user(app, admin, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        make_entry(window, make_user(email="sam@example.org", name="Sam Taylor"))
        make_entry(window, make_user(email="jo@example.org", name="Jo Evans"))
        window_id = window.id
    clock.at(NOW)
    login(admin, "admin@example.org")
    by_participant = admin.get("/admin/audit?participant=sam").text
    assert "Sam Taylor" in by_participant and "Jo Evans" not in by_participant
    assert "participant.entered" in admin.get(f"/admin/audit?window={window_id}").text
    assert "window.created" not in admin.get("/admin/audit?user=nobody").text
    assert app.test_client().get("/admin/audit").status_code == 302


def test_audit_events_cannot_be_changed_or_deleted(ctx):
    make_user(Role.ADMIN)
    event = AuditEvent.query.first() or AuditEvent(action="x")
    db.session.add(event)
    db.session.commit()
    event.action = "rewritten"
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.commit()


def test_an_admin_adds_one_person_with_the_same_checks_as_an_import(app, admin):
    form = {"role": "participant", "name": "Sam Taylor", "email": "sam@example.org",
            "programme": "NPQXX", "cohort": "", "delivery_partner": "", "school": ""}
    refused = admin.post("/admin/people/new", data=form)
    assert "Programme must be NPQ codes" in refused.text and "Sam Taylor" in refused.text
    added = admin.post("/admin/people/new", data={**form, "programme": "NPQLTD"}, follow_redirects=True)
    assert "Sam Taylor added and emailed a link" in added.text
    with app.app_context():
        assert User.query.filter_by(email="sam@example.org").one().programme == "NPQLTD"
    again = admin.post("/admin/people/new", data={**form, "programme": "NPQLTD"})
    assert "sam@example.org already has an account" in again.text
    assert link_in(app, "sam@example.org").startswith("/password/")


def test_the_same_person_added_twice_at_once_is_refused_on_the_field_not_a_server_error(
        app, admin, monkeypatch):
    """A double click on Add: both requests find the address free, the second to write meets
    the database's UNIQUE email. Here the check is made to miss an account already saved, as
    the second request's did."""
    from assessment_app.services import accounts

    with app.app_context():
        make_user(email="sam@example.org", name="Sam Taylor")
    checked_row = accounts.checked_row
    monkeypatch.setattr(accounts, "checked_row",
                        lambda row, taken, seen, *rest: checked_row(row, set(), seen, *rest))
    form = {"role": "participant", "name": "Sam Taylor", "email": "sam@example.org",
            "programme": "NPQLTD", "cohort": "", "delivery_partner": "", "school": ""}
    again = admin.post("/admin/people/new", data=form)
    assert again.status_code == 200
    assert "sam@example.org already has an account" in again.text
    with app.app_context():
        assert User.query.filter_by(email="sam@example.org").count() == 1


def _add_participants(app, n, start=0):
    with app.app_context():
        db.session.add_all(User(email=f"p{start + i:04d}@example.org", name=f"Person {start + i:04d}",
                                role=Role.PARTICIPANT, programme="NPQH" if i % 2 else "NPQLTD",
                                school="Oak School" if i % 10 == 0 else "Elm School")
                           for i in range(n))
        db.session.commit()


def test_the_people_list_is_paged_and_filtered_in_a_fixed_number_of_statements(app, admin):
    """A cohort of thousands must not make one huge page: 50 people a page, filters by role,
    programme and name/email/school, and the same statements for 10 people as for 120."""
    _add_participants(app, 10)
    few = count_queries(app, lambda: admin.get("/admin/people"))
    _add_participants(app, 110, start=10)
    many = count_queries(app, lambda: admin.get("/admin/people"))
    assert few == many
    page = admin.get("/admin/people").text
    assert "Showing 1 to 50 of 121 people" in page and 'rel="next"' in page
    assert len(page.encode()) < 200_000
    assert "Showing 101 to 121 of 121 people" in admin.get("/admin/people?page=3").text
    assert "of 60 people" in admin.get("/admin/people?role=participant&programme=NPQH").text
    oak = admin.get("/admin/people?q=oak+school").text
    assert "of 12 people" in oak and "Person 0010" in oak and "Person 0011" not in oak


@pytest.mark.parametrize("term", ["person 0", "oak school", "PERSON 01", "p0007@", "nobody"])
def test_a_people_search_pages_through_what_a_plain_reading_of_the_rule_finds(app, admin, term):
    """Name, email or school containing the term, any case, by name; the count taken with the
    page (one statement), and a page past the end showing the last."""
    _add_participants(app, 120)
    with app.app_context():
        wanted = sorted((u.name, u.email) for u in db.session.scalars(db.select(User))
                        if any(term.lower() in (field or "").lower()
                               for field in (u.name, u.email, u.school)))

    def listed(html):  # each row's email, under its name
        return re.findall(r'<span class="govuk-body-s">(p\d{4})@example.org</span>', html)

    found, number = [], 1
    while True:
        html = admin.get(f"/admin/people?q={term}&page={number}").text
        found += listed(html)
        if 'rel="next"' not in html:
            break
        number += 1
    emails = [email.split("@")[0] for _, email in wanted]
    assert found == emails
    past = admin.get(f"/admin/people?q={term}&page=99").text
    if wanted:
        total = len(wanted)
        assert f"Showing {50 * (number - 1) + 1} to {total} of {total} people" in past
        assert listed(past) == emails[50 * (number - 1):]
    else:
        assert "No people match" in past
