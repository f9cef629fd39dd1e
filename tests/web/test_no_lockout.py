"""Nobody can lock a participant out: failures typed for someone's email at one address never
refuse the owner at another, and asking for someone's password links never uses up the owner's
own; while a guesser, from one address or from many, still gets nowhere."""

import re

import pytest
from factories import PASSWORD, make_user

from assessment_app.extensions import db
from assessment_app.models import OutboxMessage

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def victim(app):
    with app.app_context():
        return make_user(email="sam@example.org").email


def test_ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(app, victim):
    """The deadline-night attack: the attacker is refused, the owner signs in."""
    attacker = _client(app, ATTACKER)
    for _ in range(10):
        assert _sign_in(attacker, victim, "wrong password").status_code == 200
    assert _sign_in(attacker, victim, "another guess").status_code == 429
    assert _sign_in(attacker, victim, PASSWORD).status_code == 429  # even the right one
    assert _sign_in(_client(app, OWNER), victim, PASSWORD).status_code == 302


def test_one_address_guessing_across_accounts_is_still_refused(app):
    """Many emails from one address meet the per-address limit."""
    app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = "12 per minute"
    attacker = _client(app, ATTACKER)
    for n in range(12):
        assert _sign_in(attacker, f"person{n}@example.org", "guess").status_code == 200
    assert _sign_in(attacker, "someone.else@example.org", "guess").status_code == 429


def test_many_addresses_guessing_one_account_meet_its_limit_but_not_the_owners_browser(
        app, victim):
    """Spread over addresses, guesses meet the account's own limit, which a browser that has
    signed in to the account before skips: the owner still signs in from it."""
    owners_laptop = _client(app, OWNER)
    assert _sign_in(owners_laptop, victim).status_code == 302
    owners_laptop.post("/logout")
    limit = 10
    assert app.config["SIGN_IN_FAILURES_PER_ACCOUNT"].startswith(f"{limit} per minute")
    for n in range(limit):
        guesser = _client(app, f"192.0.2.{n + 1}")
        assert _sign_in(guesser, victim, f"guess {n}").status_code == 200
    assert _sign_in(_client(app, "192.0.2.99"), victim, "guess").status_code == 429
    assert _sign_in(_client(app, "192.0.2.99"), victim, PASSWORD).status_code == 429
    assert _sign_in(owners_laptop, victim).status_code == 302


def test_a_known_device_cookie_is_for_its_own_account_only(app, victim):
    with app.app_context():
        other = make_user(email="jo@example.org").email
    browser = _client(app, OWNER)
    assert _sign_in(browser, other).status_code == 302
    browser.post("/logout")
    app.config["SIGN_IN_FAILURES_PER_ACCOUNT"] = "2 per minute"
    for address in ("192.0.2.1", "192.0.2.2"):
        _sign_in(_client(app, address), victim, "guess")
    assert _sign_in(browser, victim).status_code == 429


def _links(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(db.select(OutboxMessage.body)
                                  .where(OutboxMessage.kind == "password_link")
                                  .order_by(OutboxMessage.id)).all()


def test_asking_for_someones_password_links_does_not_use_up_their_own(app, victim):
    """Five requests from the attacker's address: the sixth there is refused; the owner asking
    from elsewhere is answered as usual, and the newest link in their inbox works."""
    attacker = _client(app, ATTACKER)
    for _ in range(5):
        assert attacker.post("/password/forgot", data={"email": victim}).status_code == 302
    assert attacker.post("/password/forgot", data={"email": victim}).status_code == 429
    owner = _client(app, OWNER)
    asked = owner.post("/password/forgot", data={"email": victim}, follow_redirects=True)
    assert asked.status_code == 200
    assert "If that address has an account, we have sent it a link" in asked.text
    links = _links(app)
    assert len(links) == 5  # slowed: no sixth link within the hour, whoever asks
    path = re.search(r"(/password/\S+)", links[-1]).group(1)
    assert owner.get(path).status_code == 200
    new = "a new passphrase for sam"
    assert owner.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert _sign_in(_client(app, OWNER), victim, new).status_code == 302


def test_password_links_from_many_addresses_are_capped_per_account(app, victim):
    for n in range(8):
        _client(app, f"192.0.2.{n + 1}").post("/password/forgot", data={"email": victim})
    assert len(_links(app)) == app.config["PASSWORD_LINKS_PER_ACCOUNT_PER_HOUR"] == 5
