"""Sessions end: a copied session cookie replayed after sign-out, a new password or
deactivation is refused everywhere (pages, autosave, submit), and however busy a session is it
ends SESSION_ABSOLUTE_LIFETIME after sign-in."""

import re
from datetime import timedelta

import pytest
from factories import PASSWORD, login, make_user
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Draft, OutboxMessage, Role, SubmissionVersion, User
from assessment_app.services import accounts

NEW_PASSWORD = "a brand new passphrase"


def _copied(client) -> str:
    return client.get_cookie("session").value


def _thief(app, cookie: str):
    """Another browser holding a copy of the cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _refused_everywhere(app, journey, client) -> None:
    """Every way in answers the sign-in page, and nothing is written."""
    for response in (
        client.get(journey.url("/response")),
        client.get("/assessments/"),
        client.post(journey.url("/draft"), data={"text": "Written by a thief."}),
        client.post(journey.url("/response"), data={"text": "Written by a thief.",
                                                    "declaration": "y", "client_token": "x"}),
    ):
        assert response.status_code == 302, response.request.path
        assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalars(db.select(Draft)).all() == []
        assert db.session.scalars(db.select(SubmissionVersion)).all() == []


def _works(journey, client) -> None:
    assert client.get(journey.url("/response")).status_code == 200
    assert client.post(journey.url("/draft"), data={"text": "Still mine."}).status_code == 200


def test_a_cookie_copied_before_sign_out_is_refused_on_pages_autosave_and_submit(app, journey):
    """Signing out ends the session everywhere, not just in the browser that signed out."""
    journey.at(DURING)
    cookie = _copied(journey.client)
    _works(journey, _thief(app, cookie))  # the copy works while the session lasts
    with app.app_context():
        db.session.execute(db.delete(Draft))
        db.session.commit()
    assert journey.client.post("/logout").status_code == 302
    _refused_everywhere(app, journey, _thief(app, cookie))
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent.action)
                                 .where(AuditEvent.action == "user.signed_out")) is not None


def test_signing_out_ends_the_accounts_sessions_on_other_devices_too(app, journey):
    journey.at(DURING)
    laptop = app.test_client()
    with app.app_context():
        login(laptop, db.session.get(User, journey.participant_id))
    journey.client.post("/logout")
    _refused_everywhere(app, journey, laptop)


def test_signing_in_again_after_signing_out_works(app, journey):
    journey.at(DURING)
    journey.client.post("/logout")
    journey.at(DURING + timedelta(minutes=1))
    _works(journey, journey.client)


def test_a_password_reset_ends_every_earlier_session(app, journey):
    """The owner resets a password they fear is known: a copied cookie stops working."""
    journey.at(DURING)
    cookie = _copied(journey.client)
    owner = app.test_client()
    owner.post("/password/forgot", data={"email": "sam@example.org"})
    with app.app_context():
        body = db.session.scalars(db.select(OutboxMessage.body)
                                  .where(OutboxMessage.kind == "password_link")).all()[-1]
    path = re.search(r"(/password/\S+)", body).group(1)
    set_ = owner.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert set_.status_code == 302
    _refused_everywhere(app, journey, _thief(app, cookie))
    _refused_everywhere(app, journey, journey.client)
    with app.app_context():
        login(owner, db.session.get(User, journey.participant_id), NEW_PASSWORD)
    _works(journey, owner)


def test_a_password_changed_any_other_way_ends_every_earlier_session(app, journey):
    """User.set_password is the one way a password changes (links, the create-user command)."""
    journey.at(DURING)
    cookie = _copied(journey.client)
    with app.app_context():
        db.session.get(User, journey.participant_id).set_password(NEW_PASSWORD)
        db.session.commit()
    _refused_everywhere(app, journey, _thief(app, cookie))


def test_a_rehash_at_sign_in_is_not_a_password_change(app, journey, monkeypatch):
    """An old hash upgraded at sign-in keeps the account's other sessions."""
    journey.at(DURING)
    from assessment_app import password_hashing

    monkeypatch.setattr(password_hashing, "needs_rehash", lambda _hash: True)
    laptop = app.test_client()
    with app.app_context():
        login(laptop, db.session.get(User, journey.participant_id), PASSWORD)
    _works(journey, journey.client)


def test_deactivation_ends_every_session_and_reactivation_revives_none(app, journey):
    journey.at(DURING)
    cookie = _copied(journey.client)
    with app.app_context():
        admin = make_user(Role.ADMIN)
        participant = db.session.get(User, journey.participant_id)
        accounts.set_active(participant, False, admin)
        db.session.commit()
    _refused_everywhere(app, journey, _thief(app, cookie))
    with app.app_context():
        accounts.set_active(db.session.get(User, journey.participant_id), True,
                            db.session.scalar(db.select(User).where(User.role == Role.ADMIN)))
        db.session.commit()
    _refused_everywhere(app, journey, _thief(app, cookie))


def _keep_busy(journey, clock, until):
    """A request every hour (inside the two-hour idle limit) from the sign-in to `until`."""
    at = DURING
    while at + timedelta(hours=1) < until:
        at += timedelta(hours=1)
        clock.at(at)
        assert journey.client.get(journey.url("/response")).status_code == 200, at


@pytest.mark.parametrize("path", ["/response", "/draft"])
def test_a_busy_session_ends_exactly_twelve_hours_after_sign_in(app, journey, clock, path):
    """Renewed every minute it is used, a session still ends at sign-in + 12 hours: at the last
    second before, it works; at the boundary, the sign-in page."""
    journey.at(DURING)
    ends = DURING + app.config["SESSION_ABSOLUTE_LIFETIME"]
    assert ends == DURING + timedelta(hours=12)
    _keep_busy(journey, clock, ends)
    send = (journey.client.get if path == "/response" else
            lambda url: journey.client.post(url, data={"text": "Typing on."}))
    clock.at(ends - timedelta(seconds=1))
    assert send(journey.url(path)).status_code == 200
    clock.at(ends)
    refused = send(journey.url(path))
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")


def test_the_absolute_lifetime_is_a_setting(app, journey, clock):
    app.config["SESSION_ABSOLUTE_LIFETIME"] = timedelta(minutes=30)
    journey.at(DURING)
    clock.at(DURING + timedelta(minutes=29, seconds=59))
    assert journey.client.get(journey.url("/response")).status_code == 200
    clock.at(DURING + timedelta(minutes=30))
    assert journey.client.get(journey.url("/response")).status_code == 302


@pytest.mark.parametrize("key", ["_signed_in_at", "_generation"])
@pytest.mark.parametrize("path", ["/response", "/draft"])
def test_a_signed_in_cookie_that_never_said_when_it_began_is_refused(app, journey, key, path):
    """A session signed before sign-in times were kept (or forged without one) counts as
    ended, as does one without the account's session generation."""
    journey.at(DURING)
    with journey.client.session_transaction() as session:
        del session[key]
    response = (journey.client.get(journey.url(path)) if path == "/response" else
                journey.client.post(journey.url(path), data={"text": "x"}))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
