"""The session cookie is re-issued when it is a minute old, not with every response: an editor
autosaving every 15 seconds still stays signed in, and a changed session is always sent."""

from datetime import UTC, datetime, timedelta

from factories import login, make_user

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _signed_in(app, client, clock):
    clock.at(START)
    with app.app_context():
        email = make_user().email
    assert "session=" in login(client, email).headers["Set-Cookie"]
    client.get("/assessments/")  # the first page adds the form token to the session


def test_the_cookie_is_not_re_sent_until_it_is_a_minute_old(app, client, clock):
    _signed_in(app, client, clock)
    clock.at(START + timedelta(seconds=59))
    assert "Set-Cookie" not in client.get("/assessments/").headers
    clock.at(START + timedelta(seconds=60))
    assert "session=" in client.get("/assessments/").headers["Set-Cookie"]
    clock.at(START + timedelta(seconds=61))  # the new cookie is the one now aged
    assert "Set-Cookie" not in client.get("/assessments/").headers


def test_a_changed_session_is_always_sent(app, client, clock):
    _signed_in(app, client, clock)
    clock.at(START + timedelta(seconds=1))
    response = client.post("/logout")
    assert "session=" in response.headers["Set-Cookie"]
    assert client.get("/assessments/").status_code == 302


def test_steady_requests_keep_a_writer_signed_in_past_the_idle_limit(app, client, clock):
    """Requests every 15 seconds for three hours (the idle limit is two): still signed in."""
    _signed_in(app, client, clock)
    for step in range(1, 3 * 60 * 4 + 1):
        clock.at(START + timedelta(seconds=15 * step))
        assert client.get("/assessments/").status_code == 200, step
