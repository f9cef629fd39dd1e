"""Autosave and submit check the account in the same query as the entry (the sign-in query is
saved on deadline night): every answer participant_required gave is still given, and nothing is
written for a session that may not write."""

import pytest
from factories import login, make_user
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import Draft, Entry, Role, SubmissionVersion, User

WRITES = [("/draft", {"text": "Should not be kept."}),
          ("/response", {"text": "Should not be kept.", "declaration": "y",
                         "client_token": "x"})]


def _nothing_written(app):
    with app.app_context():
        assert db.session.scalars(db.select(Draft)).all() == []
        assert db.session.scalars(db.select(SubmissionVersion)).all() == []


@pytest.mark.parametrize("path,data", WRITES)
def test_a_deactivated_participant_is_signed_out_and_writes_nothing(app, journey, clock, path,
                                                                     data):
    journey.at(DURING)
    with app.app_context():
        db.session.get(User, journey.participant_id).active = False
        db.session.commit()
    response = journey.client.post(journey.url(path), data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    _nothing_written(app)
    assert journey.client.get(journey.url("/response")).headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.MARKER, Role.MODERATOR, Role.ADMIN])
@pytest.mark.parametrize("path,data", WRITES)
def test_another_role_posting_to_a_participants_entry_is_403(app, journey, clock, role, path,
                                                             data):
    journey.at(DURING)
    client = app.test_client()
    with app.app_context():
        staff = make_user(role, email=f"{role.value}@example.org")
        login(client, staff)
        # Even where the staff account's id is the entry's participant id, the role decides.
        db.session.get(Entry, journey.entry_id).participant_id = staff.id
        db.session.commit()
    assert client.post(journey.url(path), data=data).status_code == 403
    _nothing_written(app)


@pytest.mark.parametrize("path,data", WRITES)
def test_a_post_to_another_participants_entry_is_404_and_writes_nothing(app, journey, clock,
                                                                       path, data):
    journey.at(DURING)
    response = journey.client.post(journey.url(path, entry_id=journey.other_entry_id), data=data)
    assert response.status_code == 404
    _nothing_written(app)


@pytest.mark.parametrize("path,data", WRITES)
def test_a_signed_out_post_goes_to_sign_in_and_writes_nothing(app, journey, clock, path, data):
    journey.at(DURING)
    response = app.test_client().post(journey.url(path), data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    _nothing_written(app)


def test_a_session_not_marked_permanent_still_saves_through_the_full_sign_in_check(
        app, journey, clock):
    """session_account_id reads only permanent sessions (the kind sign-in makes); any other
    signed session takes the usual path and is answered the same."""
    journey.at(DURING)
    with journey.client.session_transaction() as session:
        session.permanent = False
    saved = journey.client.post(journey.url("/draft"), data={"text": "Kept all the same."})
    assert saved.status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(Draft.text)).one() == "Kept all the same."
