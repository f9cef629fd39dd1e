"""Sign-in for a cohort: real client addresses behind a trusted proxy, failures limited per
account and per address (generously, as a school shares one), and one password check each time."""

import re

import pytest
from factories import PASSWORD, make_user

from assessment_app import create_app, password_hashing
from assessment_app.extensions import db
from assessment_app.models import OutboxMessage, Role, User

SCHOOL = "192.0.2.10"  # one address for a whole school or cohort
PROXY = "10.0.0.2"  # the TLS proxy, as the app sees it without ProxyFix


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Hundreds of sign-ins in one test: hash at a trivial cost here. The real cost is held by
    tests/unit/test_password_hashing.py; no limit depends on it."""
    monkeypatch.setattr(password_hashing, "METHOD", "pbkdf2:sha256:1")


@pytest.fixture
def app_behind_proxy(app):
    """The same database, served behind one trusted proxy (ASSESSMENT_TRUSTED_PROXIES=1)."""
    keep = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "MAIL_SERVER",
            "MAIL_PORT", "MAIL_TIMEOUT")
    proxied = create_app({**{key: app.config[key] for key in keep}, "TRUSTED_PROXIES": 1})
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(app, email, password=PASSWORD, address=SCHOOL, forwarded_for=None):
    """A sign-in from a browser of its own (no cookies from anyone else's)."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address}, headers=headers)


def ask_for_link(app, email, address=SCHOOL):
    return app.test_client().post("/password/forgot", data={"email": email},
                                  environ_base={"REMOTE_ADDR": address})


def make_people(app, count: int) -> list[str]:
    """`count` participants with the test password (hashed once: they are many)."""
    stored = password_hashing.hash_password(PASSWORD)
    emails = [f"person{n}@school.example" for n in range(count)]
    with app.app_context():
        db.session.add_all(User(email=email, name="A Person", role=Role.PARTICIPANT,
                                programme="NPQLTD", password_hash=stored) for email in emails)
        db.session.commit()
    return emails


def add_address_probe(app):
    @app.get("/_test/address")
    def address_probe():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"


# The proxy count


def test_behind_one_trusted_proxy_the_address_and_scheme_are_the_clients(app_behind_proxy):
    """The last X-Forwarded-For entry (added by the proxy) is the client; anything a client put
    before it is ignored."""
    add_address_probe(app_behind_proxy)
    response = app_behind_proxy.test_client().get(
        "/_test/address", environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": "203.0.113.66, 198.51.100.7", "X-Forwarded-Proto": "https"})
    assert response.text == "198.51.100.7 https"


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(app):
    """The default (0): a client cannot pick its address, or dodge a limit, with a header."""
    add_address_probe(app)
    response = app.test_client().get(
        "/_test/address", environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert response.text == f"{PROXY} http"


@pytest.mark.parametrize("value", ["one", -1, 1.5, True])
def test_the_proxy_count_must_be_a_whole_number(value):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES must be a whole number"):
        create_app({"TESTING": True, "TRUSTED_PROXIES": value})


def test_a_failed_sign_in_is_audited_with_the_clients_address(app_behind_proxy):
    from assessment_app.models import AuditEvent

    sign_in(app_behind_proxy, "nobody@example.org", address=PROXY, forwarded_for="198.51.100.7")
    with app_behind_proxy.app_context():
        event = AuditEvent.query.filter_by(action="user.sign_in_failed").one()
        assert event.detail["ip"] == "198.51.100.7"


# Limits per account and per address


def test_300_people_sharing_one_address_all_sign_in(app, cheap_hashes):
    """A cohort behind one address signs in, even with every tenth person mistyping first."""
    emails = make_people(app, 300)
    for n, email in enumerate(emails):
        if n % 10 == 0:
            assert sign_in(app, email, "mistyped password").status_code == 200
        response = sign_in(app, email)
        assert response.status_code == 302, (n, response.status_code)


@pytest.mark.parametrize("has_account", [True, False], ids=["an account", "no account"])
def test_ten_wrong_passwords_for_one_email_stop_it_whatever_the_address(app, cheap_hashes,
                                                                       has_account):
    """The 11th try within a minute is refused with the friendly page, even with the right
    password and from a new address; an email with no account is treated the same (nothing is
    revealed). The email counts as stored: capitals do not make a new budget."""
    with app.app_context():
        email = make_user().email if has_account else "nobody@example.org"
        other = make_user().email
    for n in range(10):
        spelled = email.upper() if n % 2 else email
        assert sign_in(app, spelled, "wrong password", address=f"198.51.100.{n}").status_code == 200
    refused = sign_in(app, email, address="203.0.113.99")
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    assert sign_in(app, other, address="198.51.100.1").status_code == 302


def test_signing_in_never_uses_the_failure_budget(app, cheap_hashes):
    """Nine failures, then twenty sign-ins: the tenth failure is still allowed, the next try
    is not."""
    with app.app_context():
        email = make_user().email
    for _ in range(9):
        assert sign_in(app, email, "wrong password").status_code == 200
    for _ in range(20):
        assert sign_in(app, email).status_code == 302
    assert sign_in(app, email, "wrong password").status_code == 200
    assert sign_in(app, email).status_code == 429


def test_behind_the_proxy_guessing_across_accounts_is_limited_per_client(app_behind_proxy,
                                                                         cheap_hashes):
    """100 failures a minute from one client address are allowed (a school's typos), the next
    try is refused; another client behind the same proxy is not affected."""
    emails = make_people(app_behind_proxy, 2)
    for n in range(100):
        response = sign_in(app_behind_proxy, f"guess{n}@school.example", "guess", address=PROXY,
                           forwarded_for="198.51.100.7")
        assert response.status_code == 200
    assert sign_in(app_behind_proxy, emails[0], address=PROXY,
                   forwarded_for="198.51.100.7").status_code == 429
    assert sign_in(app_behind_proxy, emails[1], address=PROXY,
                   forwarded_for="198.51.100.8").status_code == 302


# Password links


@pytest.mark.parametrize("has_account", [True, False], ids=["an account", "no account"])
def test_password_links_are_limited_per_email_whatever_the_address(app, has_account):
    """Five requests an hour for one email (so nobody's inbox can be flooded), from anywhere; the
    same for an email with no account, and other people at that address are not affected."""
    with app.app_context():
        email = make_user().email if has_account else "nobody@example.org"
    for n in range(5):
        assert ask_for_link(app, email, address=f"198.51.100.{n}").status_code == 302
    refused = ask_for_link(app, email, address="203.0.113.99")
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    assert ask_for_link(app, "someone.else@example.org", address="198.51.100.1").status_code == 302
    with app.app_context():
        assert OutboxMessage.query.filter_by(to=email).count() == (5 if has_account else 0)


def test_password_links_from_one_address_are_limited_generously(app):
    """50 requests a minute from one address (a school) are fine; the 51st is refused."""
    for n in range(50):
        assert ask_for_link(app, f"person{n}@school.example").status_code == 302
    assert ask_for_link(app, "one.more@school.example").status_code == 429
    assert ask_for_link(app, "one.more@school.example", address="198.51.100.1").status_code == 302


def test_a_cohort_at_one_school_sets_its_passwords_together(app, cheap_hashes):
    """60 people open their emailed links and set passwords in the same minute from one address
    (120 requests): the links are unguessable, so only floods are limited."""
    from assessment_app import clock
    from assessment_app.services import accounts

    emails = make_people(app, 60)
    with app.app_context():
        for user in User.query.filter(User.email.in_(emails)):
            accounts.issue_password_link(user, clock.now(), first_time=True)
        db.session.commit()
        links = [re.search(r"http://[^\s]+(/password/[\w-]+)", message.body).group(1)
                 for message in OutboxMessage.query.filter(OutboxMessage.to.in_(emails))]
    assert len(links) == 60
    for link in links:
        browser = app.test_client()
        assert browser.get(link, environ_base={"REMOTE_ADDR": SCHOOL}).status_code == 200
        response = browser.post(link, data={"password": "a new long password",
                                            "confirm": "a new long password"},
                                environ_base={"REMOTE_ADDR": SCHOOL})
        assert response.status_code == 302


# Password checks


@pytest.mark.parametrize("case", ["right password", "wrong password", "no such account",
                                  "deactivated", "no password set yet"])
def test_each_sign_in_checks_one_password_whoever_it_is(app, monkeypatch, case):
    """Exactly one (costly) password check per sign-in, whether or not the account exists, so
    the time taken reveals nothing and no sign-in pays twice."""
    with app.app_context():
        user = make_user()
        user.active = case != "deactivated"
        if case == "no password set yet":
            user.password_hash = None
        db.session.commit()
        email = "nobody@example.org" if case == "no such account" else user.email
    checks = []
    real_check = password_hashing.check_password_hash
    monkeypatch.setattr(password_hashing, "check_password_hash",
                        lambda stored, given: checks.append(stored) or real_check(stored, given))
    response = sign_in(app, email, "wrong password" if case == "wrong password" else PASSWORD)
    assert response.status_code == (302 if case == "right password" else 200)
    assert len(checks) == 1 and checks[0].startswith(password_hashing.METHOD + "$")
