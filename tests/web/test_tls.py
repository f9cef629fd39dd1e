"""HTTPS by default: behind a trusted proxy that says the request came over HTTPS
(X-Forwarded-Proto), and on a direct HTTPS request, responses carry Strict-Transport-Security
and the session cookie is marked Secure, with no setting to remember; plain HTTP in development
works as before, and a forged header from a client with no proxy counts for nothing."""

import pytest
from factories import PASSWORD, make_user

from assessment_app import create_app
from assessment_app.extensions import db

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}


@pytest.fixture
def proxied(app):
    """The same app and database, configured for one TLS proxy in front (README)."""
    settings = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED")
    behind = create_app({**{k: app.config[k] for k in settings}, "TRUSTED_PROXIES": 1})
    assert not behind.config["SESSION_COOKIE_SECURE"]  # the default: nobody set it
    with app.app_context():
        make_user(email="sam@example.org")
    yield behind
    with behind.app_context():  # its own engine: its connections closed with it
        db.session.remove()
        db.engine.dispose()


def _session_cookie(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_behind_a_proxy_that_says_https_pages_send_hsts(proxied):
    response = proxied.test_client().get("/login", headers=HTTPS)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_behind_a_proxy_that_says_https_the_session_cookie_is_secure(proxied):
    client = proxied.test_client()
    signed_in = client.post("/login", data={"email": "sam@example.org", "password": PASSWORD},
                            headers=HTTPS)
    assert signed_in.status_code == 302
    assert "; Secure" in _session_cookie(signed_in)
    known = [c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("known_device=")]
    assert "; Secure" in known[0]
    signed_out = client.post("/logout", headers=HTTPS)
    assert "; Secure" in _session_cookie(signed_out)


def test_a_direct_https_request_gets_hsts_and_a_secure_cookie(app):
    with app.app_context():
        make_user(email="sam@example.org")
    client = app.test_client()
    response = client.post("https://localhost/login",
                           data={"email": "sam@example.org", "password": PASSWORD})
    assert "Strict-Transport-Security" in response.headers
    assert "; Secure" in _session_cookie(response)


def test_plain_http_in_development_sends_no_hsts_and_a_plain_cookie(proxied):
    client = proxied.test_client()
    response = client.post("/login", data={"email": "sam@example.org", "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in response.headers
    assert "; Secure" not in _session_cookie(response)


def test_a_forged_header_without_a_trusted_proxy_counts_for_nothing(app, client):
    response = client.get("/login", headers=HTTPS)
    assert "Strict-Transport-Security" not in response.headers
