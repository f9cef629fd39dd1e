"""Signing in: hashed passwords, one vague error, sessions that expire, sign-out by POST only."""

from datetime import UTC, datetime, timedelta

import pytest
from factories import PASSWORD, login, make_user

from assessment_app.models import Role, User


def test_passwords_are_stored_hashed(ctx):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_sign_in_sends_each_role_home(app, client):
    with app.app_context():
        email = make_user(Role.ADMIN).email
    response = login(client, email)
    assert response.headers["Location"] == "/admin/"


def test_a_wrong_password_gets_one_message_that_reveals_nothing(app, client):
    with app.app_context():
        email = make_user().email
    wrong_password = login(client, email, "not-it").text
    unknown_user = login(client, "nobody@example.org").text
    for page in (wrong_password, unknown_user):
        assert "Enter a correct email address and password" in page
        assert "govuk-error-summary" in page


def test_a_deactivated_user_cannot_sign_in(app, client):
    with app.app_context():
        user = make_user()
        user.active = False
        from assessment_app.extensions import db

        db.session.commit()
        email = user.email
    assert "Enter a correct email address and password" in login(client, email).text


def test_the_session_expires_after_two_idle_hours(app, client, clock):
    """Still signed in at 2 hours idle, signed out past it."""
    start = clock.at(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    with app.app_context():
        email = make_user().email
    login(client, email)
    clock.at(start + timedelta(hours=2))
    assert client.get("/assessments/").status_code == 200
    clock.at(start + timedelta(hours=4, seconds=1))
    response = client.get("/assessments/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_out_is_a_post_and_ends_the_session(app, client):
    with app.app_context():
        email = make_user().email
    login(client, email)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/assessments/").status_code == 302


def test_next_only_goes_to_this_site(app, client):
    with app.app_context():
        email = make_user().email
    response = client.post("/login?next=//evil.example/x", data={"email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/assessments/"


def test_sign_in_form_needs_a_csrf_token(csrf_app, client):
    with csrf_app.app_context():
        email = make_user().email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    with csrf_app.app_context():
        assert User.query.count() == 1


def test_repeated_sign_in_attempts_are_limited(app, client):
    """The 11th attempt within a minute gets a friendly 429 page, whatever the password."""
    with app.app_context():
        email = make_user().email
    for _ in range(10):
        assert login(client, email, "wrong password").status_code == 200
    limited = login(client, email, PASSWORD)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.text


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "/\\evil.example", " //evil.example",
                                    "/%2F/evil.example", "http:/evil.example", "/nowhere"])
def test_next_cannot_leave_the_site_by_what_a_browser_drops(app, client, target):
    """Characters a browser ignores cannot turn `next` into another site: the user goes home."""
    with app.app_context():
        email = make_user().email
    response = client.post("/login", query_string={"next": target},
                           data={"email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/assessments/"


def test_next_to_a_page_of_this_site_is_followed(app, client):
    with app.app_context():
        email = make_user().email
    response = client.post("/login", query_string={"next": "/assessments/?from=link"},
                           data={"email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/assessments/?from=link"


def test_without_an_identity_service_there_is_no_button_and_no_route(app):
    """Single sign-on is off until OIDC_ISSUER is set: passwords only."""
    client = app.test_client()
    assert "Sign in with" not in client.get("/login").text
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback").status_code == 404
