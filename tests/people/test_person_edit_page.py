"""An admin changes a person's details: the form filled in, a check page listing each change
and what it does, and nothing saved but what that page showed (services/people_updates.py)."""

import re
from datetime import date

from factories import login, make_entry, make_user, make_window

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, OutboxMessage, Role, User

FORM = {"name": "Sam Taylor", "email": "sam@example.org", "programme": "NPQLTD",
        "cohort": "Spring 2026", "delivery_partner": "Midlands Alliance",
        "school": "Oakfield Primary", "programme_end_date": ["", "", ""]}


def sam(app, **fields) -> int:
    with app.app_context():
        person = make_user(email="sam@example.org", name="Sam Taylor", cohort="Spring 2026",
                           delivery_partner="Midlands Alliance", school="Oakfield Primary",
                           **fields)
        return person.id


def held(app, user_id: int) -> User:
    with app.app_context():
        person = db.session.get(User, user_id)
        db.session.expunge(person)
        return person


def check(admin, user_id, **changes):
    return admin.post(f"/admin/people/{user_id}/edit", data=FORM | changes)


def confirm(admin, user_id, page, **changes):
    """Press Save changes on the check page, sending back what it holds."""
    shown = re.search(r'name="shown" value="(\w+)"', page.text).group(1)
    return admin.post(f"/admin/people/{user_id}/edit/confirm",
                      data=FORM | changes | {"shown": shown})


def test_the_form_comes_filled_in_with_their_details(app, admin):
    user_id = sam(app, programme_end_date=date(2026, 7, 31))
    page = admin.get(f"/admin/people/{user_id}/edit").text
    assert "Change Sam Taylor's details" in page
    for value in ('value="sam@example.org"', 'value="Midlands Alliance"', 'value="Oakfield Primary"',
                  'value="NPQLTD"', 'value="31"', 'value="07"', 'value="2026"'):
        assert value in page


def test_the_check_page_lists_each_change_and_nothing_is_saved_before_confirming(app, admin):
    user_id = sam(app)
    page = check(admin, user_id, name="Samantha Taylor", school="Elm Academy")
    assert page.status_code == 200
    assert "Check the changes to Sam Taylor's details" in page.text
    assert re.search(r"Name</th>\s*<td[^>]*>Sam Taylor</td>\s*<td[^>]*>Samantha Taylor</td>",
                     page.text)
    assert re.search(r"School</th>\s*<td[^>]*>Oakfield Primary</td>\s*<td[^>]*>Elm Academy</td>",
                     page.text)
    assert held(app, user_id).name == "Sam Taylor"  # nothing yet
    saved = confirm(admin, user_id, page, name="Samantha Taylor", school="Elm Academy")
    assert saved.status_code == 302 and saved.headers["Location"] == f"/admin/participants/{user_id}"
    person = held(app, user_id)
    assert (person.name, person.school) == ("Samantha Taylor", "Elm Academy")
    with app.app_context():
        event = AuditEvent.query.filter_by(action="person.updated").one()
        assert event.detail["source"] == "admin"
        assert event.detail["changes"] == {"name": ["Sam Taylor", "Samantha Taylor"],
                                           "school": ["Oakfield Primary", "Elm Academy"]}


def test_change_the_details_brings_back_the_form_as_typed(app, admin):
    user_id = sam(app)
    page = admin.post(f"/admin/people/{user_id}/edit",
                      data=FORM | {"name": "Samantha Taylor", "change": "1"}).text
    assert "Change Sam Taylor's details" in page and 'value="Samantha Taylor"' in page
    assert held(app, user_id).name == "Sam Taylor"


def test_a_new_email_is_their_sign_in_they_are_signed_out_and_both_addresses_told(app, admin):
    user_id = sam(app)
    theirs = app.test_client()
    login(theirs, "sam@example.org")
    assert theirs.get("/assessments/").status_code == 200
    page = check(admin, user_id, email="Sam.T@example.org")
    assert "They will sign in with sam.t@example.org from now on" in page.text
    assert "signed out everywhere" in page.text
    confirm(admin, user_id, page, email="Sam.T@example.org")
    assert held(app, user_id).email == "sam.t@example.org"
    assert theirs.get("/assessments/").status_code == 302  # the old session has ended
    with app.app_context():
        told = {m.to: m.body for m in OutboxMessage.query.filter_by(kind="email_changed")}
    assert set(told) == {"sam@example.org", "sam.t@example.org"}
    assert "changed from sam@example.org to sam.t@example.org" in told["sam@example.org"]
    assert login(app.test_client(), "sam.t@example.org").headers["Location"] == "/assessments/"


def test_an_email_that_is_someone_elses_is_refused_on_its_field_with_what_was_typed(app, admin):
    user_id = sam(app)
    with app.app_context():
        make_user(email="jo@example.org", name="Jo Evans")
    page = check(admin, user_id, email="jo@example.org", name="Samantha Taylor")
    assert page.status_code == 200
    assert "<title>Error: Change Sam Taylor's details" in page.text
    assert "jo@example.org is already another person&#39;s email address" in page.text
    assert 'href="#email"' in page.text and 'id="email-error"' in page.text
    assert 'value="Samantha Taylor"' in page.text
    assert held(app, user_id).email == "sam@example.org"


def test_an_email_given_to_someone_else_at_the_same_moment_is_refused_not_a_server_error(
        app, admin, monkeypatch):
    """Two admins give two people one address at once: both checks pass, the second save meets
    the database's UNIQUE email. Here the checks are made to miss the other account, as the
    second admin's did; the save is refused as stale (409) and nothing of it is kept."""
    from assessment_app.services import people_updates

    user_id = sam(app)
    with app.app_context():
        make_user(email="jo@example.org", name="Jo Evans")
    review_edit = people_updates.review_edit

    def missing_the_other(person, row):
        update = review_edit(person, row)
        update.effects[:] = [e for e in update.effects if not (e.field == "email" and e.blocking)]
        return update

    monkeypatch.setattr(people_updates, "review_edit", missing_the_other)
    page = check(admin, user_id, email="jo@example.org")
    assert "Check the changes" in page.text
    saved = confirm(admin, user_id, page, email="jo@example.org")
    assert saved.status_code == 409
    assert "The details changed after you looked" in saved.text
    assert held(app, user_id).email == "sam@example.org"


def test_a_bad_value_is_refused_on_its_field(app, admin):
    user_id = sam(app)
    page = check(admin, user_id, email="not-an-email", programme="NPQXX").text
    assert "“not-an-email” is not an email address" in page and 'id="email-error"' in page
    page = check(admin, user_id, programme="NPQXX").text
    assert "Programme must be NPQ codes such as NPQLTD" in page and 'id="programme-error"' in page


def test_a_programme_change_is_refused_while_an_attempt_runs(app, admin):
    user_id = sam(app)
    assert "Check the changes" in check(admin, user_id, programme="NPQH").text  # no entry yet
    with app.app_context():
        make_entry(make_window(), db.session.get(User, user_id))
    page = check(admin, user_id, programme="NPQH").text
    assert "Error: " in page and 'id="programme-error"' in page
    assert "They are entered for NPQLTD in Autumn 2026 and that attempt has no outcome yet" in page
    assert held(app, user_id).programme == "NPQLTD"


def test_an_end_date_outside_three_months_of_their_window_is_named_on_the_check_page(app, admin):
    user_id = sam(app)
    with app.app_context():
        make_entry(make_window(), db.session.get(User, user_id))
    page = check(admin, user_id, programme_end_date=["31", "12", "2027"])
    assert "Autumn 2026, where they are entered, is not within three months" in page.text
    assert re.search(r"Programme end date</th>\s*<td[^>]*>\(none\)</td>\s*"
                     r"<td[^>]*>31 December 2027</td>", page.text)
    confirm(admin, user_id, page, programme_end_date=["31", "12", "2027"])
    assert held(app, user_id).programme_end_date == date(2027, 12, 31)


def test_a_check_page_gone_stale_is_refused_and_shows_what_is_there_now(app, admin):
    user_id = sam(app)
    page = check(admin, user_id, school="Elm Academy")
    with app.app_context():  # someone else changes the school meanwhile
        db.session.get(User, user_id).school = "Beech Academy"
        db.session.commit()
    stale = confirm(admin, user_id, page, school="Elm Academy")
    assert stale.status_code == 409
    assert "The details changed after you looked: check the changes again." in stale.text
    assert "<title>Error: " in stale.text and 'href="#save"' in stale.text  # the pattern
    assert re.search(r"School</th>\s*<td[^>]*>Beech Academy</td>", stale.text)
    assert held(app, user_id).school == "Beech Academy"
    with app.app_context():
        assert AuditEvent.query.filter_by(action="person.updated").count() == 0


def test_nothing_changed_saves_nothing(app, admin):
    user_id = sam(app)
    done = check(admin, user_id)
    assert done.status_code == 302
    with app.app_context():
        assert AuditEvent.query.filter_by(action="person.updated").count() == 0


def test_a_markers_details_leave_their_npqs_to_their_marker_page(app, admin):
    with app.app_context():
        marker = make_user(Role.MARKER, email="martin@example.org", name="Martin Doyle")
        user_id = marker.id
    page = admin.get(f"/admin/people/{user_id}/edit").text
    assert 'name="programme"' not in page and f"/admin/markers/{user_id}" in page
    staff = {"name": "Martin Doyle", "email": "martin@example.org", "cohort": "",
             "delivery_partner": "", "school": "Elm Academy"}
    shown = admin.post(f"/admin/people/{user_id}/edit", data=staff)
    token = re.search(r'name="shown" value="(\w+)"', shown.text).group(1)
    admin.post(f"/admin/people/{user_id}/edit/confirm", data=staff | {"shown": token})
    assert held(app, user_id).school == "Elm Academy"


def test_an_admins_account_is_not_changed_here(app, admin):
    with app.app_context():
        other = make_user(Role.ADMIN, email="boss@example.org").id
    assert admin.get(f"/admin/people/{other}/edit").status_code == 404
