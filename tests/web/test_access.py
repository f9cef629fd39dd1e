"""Object-level permissions: a participant only ever reaches their own entry and submissions."""

import pytest
from factories import login, make_user
from moments import DURING

from assessment_app.models import Role

PARTICIPANT_PATHS = ["", "/case-study", "/case-study/handouts/1", "/response", "/upload",
                     "/submissions"]


@pytest.mark.parametrize("path", PARTICIPANT_PATHS)
def test_another_participants_entry_is_404(journey, clock, path):
    """Someone else's entry id in the URL looks exactly like an entry that does not exist."""
    journey.at(DURING)
    assert journey.client.get(journey.url(path, entry_id=journey.other_entry_id)).status_code == 404


def test_another_participants_submission_id_is_404(app, journey, clock):
    """A version id belonging to another participant is 404, even under one's own entry id."""
    journey.at(DURING)
    other = app.test_client()
    with app.app_context():
        from assessment_app.models import User

        login(other, User.query.filter_by(email="jo@example.org").one())
    other.post(f"/assessments/{journey.other_entry_id}/response",
               data={"text": "Jo's own response.", "declaration": "y", "client_token": "jo"})
    with app.app_context():
        from assessment_app.models import SubmissionVersion

        jo_version = SubmissionVersion.query.one()
    assert journey.client.get(
        journey.url(f"/submissions/{jo_version.number}", entry_id=journey.other_entry_id)
    ).status_code == 404
    assert journey.client.get(journey.url(f"/submissions/{jo_version.number}")).status_code == 404


def test_another_participants_autosave_is_404(journey, clock):
    journey.at(DURING)
    response = journey.client.post(journey.url("/draft", entry_id=journey.other_entry_id),
                                   data={"text": "overwrite"})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/assessments/", "/assessments/1", "/admin/", "/marking/"])
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role,path,status", [
    (Role.PARTICIPANT, "/admin/", 403),
    (Role.PARTICIPANT, "/marking/", 403),
    (Role.MARKER, "/admin/", 403),
    (Role.MARKER, "/assessments/", 403),
    (Role.ADMIN, "/assessments/", 403),
    (Role.ADMIN, "/admin/", 200),
    (Role.MARKER, "/marking/", 200),
])
def test_each_area_is_for_its_own_role(app, client, role, path, status):
    with app.app_context():
        email = make_user(role).email
    login(client, email)
    assert client.get(path).status_code == status
