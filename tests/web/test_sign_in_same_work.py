"""Account discovery by timing: a wrong password for a real account and an unknown email do the
same work, counted as password-hash checks and the method (cost) of the hash checked."""

import importlib

import pytest
from factories import PASSWORD, login, make_user
from werkzeug.security import generate_password_hash

from assessment_app import password_hashing
from assessment_app.extensions import db
from assessment_app.models import User

LEGACY = "pbkdf2:sha256:1000"  # an older, cheaper method, as a hash from before the pinned cost


@pytest.fixture
def checks(monkeypatch):
    """The method of every hash a password is checked against."""
    seen = []
    real = password_hashing.check_password_hash
    monkeypatch.setattr(password_hashing, "check_password_hash",
                        lambda stored, given: seen.append(stored.split("$")[0]) or real(stored, given))
    return seen


def test_a_hash_of_another_cost_is_replaced_at_the_next_right_sign_in(app, client, checks):
    """Until then a wrong password for that account would check a cheaper hash than an unknown
    email does; after it, both check one hash at the pinned cost."""
    with app.app_context():
        user = make_user()
        user.password_hash = generate_password_hash(PASSWORD, method=LEGACY)
        db.session.commit()
        email = user.email
    assert login(client, email).status_code == 302
    with app.app_context():
        stored = db.session.scalar(db.select(User.password_hash).where(User.email == email))
    assert stored.startswith(password_hashing.METHOD + "$")
    checks.clear()
    login(app.test_client(), email, "wrong password")
    login(app.test_client(), "nobody@example.org", "wrong password")
    assert checks == [password_hashing.METHOD, password_hashing.METHOD]
    assert login(app.test_client(), email).status_code == 302


def test_the_first_unknown_email_in_a_process_makes_no_hash(app, monkeypatch):
    """The dummy hash is made when the module loads (as in a fresh server process), so no
    sign-in pays for making it on top of the one check."""
    importlib.reload(password_hashing)
    made, checked = [], []
    real = password_hashing.check_password_hash
    monkeypatch.setattr(password_hashing, "generate_password_hash",
                        lambda *args, **kwargs: made.append(args) or "unused")
    monkeypatch.setattr(password_hashing, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    login(app.test_client(), "nobody@example.org", "wrong password")
    assert made == [] and len(checked) == 1
