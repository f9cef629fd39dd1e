"""A people file updates the people it knows (by email, or by DfE participant id) instead of
refusing them: every change listed first, applied only as listed (services/people_updates.py)."""

import re

import pytest
from factories import make_entry, make_user, make_window
from sqlalchemy import event

from assessment_app.csv_imports import ImportRefused
from assessment_app.extensions import db
from assessment_app.models import AuditEvent, PeopleUpload, Role, User
from assessment_app.services import people_updates

HEADER = "role,name,email,programme,cohort,delivery_partner,school\n"
SAM = "participant,Sam Taylor,sam@example.org,NPQLTD,Spring 2026,Midlands Alliance,Oakfield Primary\n"


def known(app):
    with app.app_context():
        make_user(email="sam@example.org", name="Sam Taylor", cohort="Spring 2026",
                  delivery_partner="Midlands Alliance", school="Oakfield Primary")


def person(app, email) -> User:
    with app.app_context():
        found = User.query.filter_by(email=email).one_or_none()
        if found is not None:
            db.session.expunge(found)
        return found


def apply(admin, page):
    shown = re.search(r'name="shown" value="(\w+)"', page.text).group(1)
    import_id = re.search(r"/admin/people/import/(\d+)/apply", page.text).group(1)
    return admin.post(f"/admin/people/import/{import_id}/apply", data={"shown": shown},
                      follow_redirects=True)


def test_a_known_person_is_updated_after_a_preview_listing_each_change(app, admin, upload):
    known(app)
    page = upload(admin, HEADER + SAM.replace("Oakfield Primary", "Elm Academy")
                  + "participant,Jo Evans,jo@example.org,NPQH,,,\n")
    assert "Check the people in people.csv" in page.text
    assert "Line 2: Sam Taylor (sam@example.org)" in page.text
    assert re.search(r"School</th>\s*<td[^>]*>Oakfield Primary</td>\s*<td[^>]*>Elm Academy</td>",
                     page.text)
    assert "Jo Evans (jo@example.org), participant, NPQH" in page.text
    # Nothing changed before applying: Sam as before, Jo not added.
    assert person(app, "sam@example.org").school == "Oakfield Primary"
    assert person(app, "jo@example.org") is None
    done = apply(admin, page)
    assert "From people.csv: 1 person updated and 1 person added" in done.text
    assert person(app, "sam@example.org").school == "Elm Academy"
    assert person(app, "jo@example.org") is not None
    with app.app_context():
        event_ = AuditEvent.query.filter_by(action="person.updated").one()
        assert event_.detail["source"] == "CSV"
        assert event_.detail["changes"] == {"school": ["Oakfield Primary", "Elm Academy"]}


def test_a_file_applied_once_is_not_applied_again(app, admin, upload):
    known(app)
    page = upload(admin, HEADER + SAM.replace("Oakfield Primary", "Elm Academy"))
    apply(admin, page)
    again = apply(admin, page)
    assert "This file has already been applied." in again.text
    with app.app_context():
        assert AuditEvent.query.filter_by(action="person.updated").count() == 1


def test_a_preview_gone_stale_is_refused_and_nothing_is_applied(app, admin, upload):
    known(app)
    page = upload(admin, HEADER + SAM.replace("Oakfield Primary", "Elm Academy")
                  + "participant,Jo Evans,jo@example.org,NPQH,,,\n")
    with app.app_context():
        User.query.filter_by(email="sam@example.org").one().school = "Beech Academy"
        db.session.commit()
    stale = apply(admin, page)
    assert stale.status_code == 409
    assert "The details changed after you looked: check the changes again." in stale.text
    assert "<title>Error: " in stale.text and 'href="#apply"' in stale.text  # the pattern
    assert re.search(r"School</th>\s*<td[^>]*>Beech Academy</td>\s*<td[^>]*>Elm Academy</td>",
                     stale.text)  # the page now lists what is there now
    assert person(app, "sam@example.org").school == "Beech Academy"
    assert person(app, "jo@example.org") is None


def test_a_change_refused_for_one_person_refuses_the_whole_file(app, admin, upload):
    known(app)
    with app.app_context():
        make_entry(make_window(), User.query.filter_by(email="sam@example.org").one())
    page = upload(admin, HEADER + SAM.replace("NPQLTD", "NPQH")
                  + "participant,Jo Evans,jo@example.org,NPQH,,,\n"
                  + "participant,Kim,admin@example.org,NPQH,,,\n")
    assert "Line 2: They are entered for NPQLTD in Autumn 2026" in page.text
    assert ("Line 4: admin@example.org already has an account, with the role admin: an import "
            "does not change a role.") in page.text
    assert "nothing has changed" in page.text
    assert person(app, "sam@example.org").programme == "NPQLTD"
    assert person(app, "jo@example.org") is None
    with app.app_context():
        assert PeopleUpload.query.count() == 0


def test_a_dfe_participant_id_finds_them_whatever_their_email(app, admin, upload):
    with app.app_context():
        make_user(email="sam@example.org", name="Sam Taylor", dfe_participant_id="dfe-1")
    page = upload(admin, HEADER.rstrip("\n") + ",dfe_participant_id\n"
                  + "participant,Sam Taylor,sam.t@example.org,NPQLTD,,,,dfe-1\n")
    assert re.search(r"Email</th>\s*<td[^>]*>sam@example.org</td>\s*<td[^>]*>sam.t@example.org",
                     page.text)
    assert "They will sign in with sam.t@example.org from now on" in page.text
    apply(admin, page)
    assert person(app, "sam.t@example.org").dfe_participant_id == "dfe-1"


def test_a_file_of_new_people_only_is_imported_at_once(app, admin, upload):
    page = upload(admin, HEADER + SAM)
    assert "1 person added" in page.text
    known_again = upload(admin, HEADER + SAM)  # the same file again: nothing to change
    assert "Nothing has changed: everyone in the file is already here as it says." in known_again.text


def test_planning_a_file_takes_the_same_statements_for_ten_people_as_for_a_thousand(app, admin):
    """The people, their entries and their scripts are looked up a thousand at a time."""
    def statements(count):
        with app.app_context():
            db.session.execute(User.__table__.delete().where(User.role == Role.PARTICIPANT))
            db.session.execute(User.__table__.insert(), [
                {"email": f"p{i}@example.org", "name": f"Person {i}", "role": Role.PARTICIPANT,
                 "programme": "NPQLTD", "active": True, "session_generation": 0}
                for i in range(count)])
            db.session.commit()
            data = (HEADER + "".join(f"participant,Person {i},p{i}@example.org,NPQLTD,,,"
                                     f"School {i}\n" for i in range(count))).encode()
            sent = []

            def listen(_conn, _cursor, statement, *_):
                sent.append(statement)
            event.listen(db.engine, "before_cursor_execute", listen)
            try:
                plan = people_updates.plan_import(data)
            finally:
                event.remove(db.engine, "before_cursor_execute", listen)
            assert len(plan.updates) == count
            return len(sent)
    assert statements(10) == statements(1000)


def test_a_refused_file_is_an_import_refused(ctx):
    with pytest.raises(ImportRefused) as refused:
        people_updates.plan_import((HEADER + "teacher,Jo,jo@example.org,NPQH,,,\n").encode())
    assert refused.value.problems == ["Line 2: role must be participant, marker or moderator."]
