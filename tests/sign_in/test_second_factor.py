"""The second factor of a staff password sign-in: an authenticator app (TOTP) and recovery
codes; asked for after the password, set up on the way in where the role requires it, and the
session is not signed in until it passes."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from factories import empty_database, init_db, login, make_user

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, RecoveryCode, Role, SignInRule, User
from assessment_app.services import second_factor

MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SECRET = pyotp.random_base32()


def _code(at: datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(at)


@pytest.fixture
def staff(app, clock):
    """Ann, an admin whose authenticator app holds SECRET (set up an hour ago), with her
    recovery codes; Mark, a marker with no app."""
    clock.at(MORNING - timedelta(hours=1))
    with app.app_context():
        ann = make_user(Role.ADMIN, email="ann@example.org")
        codes = second_factor.confirm_setup(ann, SECRET, _code(MORNING - timedelta(hours=1)),
                                            MORNING - timedelta(hours=1))
        make_user(Role.MARKER, email="mark@example.org")
        db.session.commit()
    clock.at(MORNING)
    return codes


def _wrong(client) -> str:
    """Six digits that are not the code of the app being set up in this browser."""
    with client.session_transaction() as session:
        right = int(_code(MORNING, session["second_factor_new_secret"]))
    return f"{(right + 500_000) % 1_000_000:06d}"


def _require(app, role: Role) -> None:
    with app.app_context():
        db.session.add(SignInRule(role=role, second_factor_required=True,
                                  single_sign_on_required=False))
        db.session.commit()


def test_an_account_with_an_app_is_not_signed_in_by_its_password_alone(app, client, staff):
    answer = login(client, "ann@example.org")
    assert answer.headers["Location"] == "/login/second-factor"
    assert client.get("/admin/").status_code == 302
    page = client.get("/login/second-factor").text
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    answer = client.post("/login/second-factor", data={"code": _code(MORNING)})
    assert answer.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_from_the_step_before_still_counts(app, client, staff):
    """Phone clocks drift: one 30-second step either side is accepted."""
    login(client, "ann@example.org")
    answer = client.post("/login/second-factor", data={"code": _code(MORNING - timedelta(seconds=30))})
    assert answer.headers["Location"] == "/admin/"


def test_a_wrong_code_is_refused_with_the_error_shown_the_govuk_way(app, client, staff):
    login(client, "ann@example.org")
    answer = client.post("/login/second-factor", data={"code": "000000" if _code(MORNING) != "000000" else "111111"})
    assert answer.status_code == 200
    assert "<title>Error: " in answer.text and "govuk-error-summary" in answer.text
    assert "Enter a correct code from your authenticator app" in answer.text
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        assert AuditEvent.query.filter_by(action="user.sign_in_failed").one().detail["reason"] \
            == "wrong second factor"


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦", "12345", "1234567", "abcdef", "12 34 5x"])
def test_a_code_that_is_not_six_digits_is_wrong_not_an_error(app, client, staff, typed):
    """Arabic-Indic digits, too few or too many, letters: refused like a wrong code."""
    login(client, "ann@example.org")
    answer = client.post("/login/second-factor", data={"code": typed})
    assert answer.status_code == 200 and "Enter a correct code" in answer.text


def test_a_setup_code_that_is_not_six_digits_says_so_and_comes_back(app, client, staff):
    login(client, "mark@example.org")
    client.get("/account/second-factor")
    answer = client.post("/account/second-factor", data={"code": "12345x"})
    assert "Enter the 6 digits the app shows, like 123456" in answer.text
    assert 'value="12345x"' in answer.text


def test_a_code_is_accepted_once(app, client, staff):
    """A code seen over a shoulder is spent: the same code again, even at the same moment, is
    refused; the next step's code works."""
    login(client, "ann@example.org")
    client.post("/login/second-factor", data={"code": _code(MORNING)})
    client.post("/logout")
    login(client, "ann@example.org")
    again = client.post("/login/second-factor", data={"code": _code(MORNING)})
    assert again.status_code == 200 and "Enter a correct code" in again.text
    later = MORNING + timedelta(seconds=30)
    assert client.post("/login/second-factor",
                       data={"code": _code(later)}).headers["Location"] == "/admin/"


def test_a_recovery_code_works_once(app, client, staff):
    login(client, "ann@example.org")
    answer = client.post("/login/second-factor", data={"code": staff[0].upper()})
    assert answer.headers["Location"] == "/admin/"
    assert "You have 9 left" in client.get("/admin/").text
    client.post("/logout")
    login(client, "ann@example.org")
    assert "Enter a correct code" in client.post("/login/second-factor",
                                                 data={"code": staff[0]}).text


def test_recovery_codes_are_stored_hashed(app, staff):
    assert len(staff) == 10 and len(set(staff)) == 10
    with app.app_context():
        stored = [c.code_hash for c in RecoveryCode.query]
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in staff for h in stored)


def test_wrong_codes_are_rate_limited_like_passwords(app, client, staff):
    login(client, "ann@example.org")
    for _ in range(5):
        assert client.post("/login/second-factor", data={"code": "12345x"}).status_code == 200
    assert client.post("/login/second-factor", data={"code": _code(MORNING)}).status_code == 429


def test_one_account_s_wrong_setup_codes_never_limit_another_s(app, client, staff):
    """Counted per account: a marker's mistakes setting up an app leave the admin's alone."""
    login(client, "mark@example.org")
    client.get("/account/second-factor")
    wrong = {"code": _wrong(client)}
    for _ in range(5):
        assert client.post("/account/second-factor", data=wrong).status_code == 200
    assert client.post("/account/second-factor", data=wrong).status_code == 429
    admin = app.test_client()
    login(admin, "ann@example.org")
    admin.post("/login/second-factor", data={"code": _code(MORNING)})
    admin.get("/account/second-factor")
    assert admin.post("/account/second-factor", data={"code": _wrong(admin)}).status_code == 200


def test_the_code_must_follow_the_password_within_ten_minutes(app, client, clock, staff):
    login(client, "ann@example.org")
    later = clock.at(MORNING + timedelta(minutes=10, seconds=1))
    answer = client.post("/login/second-factor", data={"code": _code(later)})
    assert answer.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_signing_out_everywhere_voids_a_password_waiting_for_its_code(app, client, staff):
    """A new password (or sign-out everywhere) between the password and the code ends it."""
    login(client, "ann@example.org")
    with app.app_context():
        db.session.scalar(db.select(User).where(User.email == "ann@example.org")).end_sessions()
        db.session.commit()
    answer = client.post("/login/second-factor", data={"code": _code(MORNING)})
    assert answer.headers["Location"] == "/login"


def test_a_role_that_requires_it_sets_it_up_on_the_way_in(app, client, staff):
    _require(app, Role.MARKER)
    answer = login(client, "mark@example.org")
    assert answer.headers["Location"] == "/account/second-factor"
    assert client.get("/marking/").status_code == 302
    page = client.get("/account/second-factor").text
    assert 'src="data:image/svg+xml' in page and 'alt="QR code' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    with client.session_transaction() as session:
        secret = session["second_factor_new_secret"]
    assert secret in page
    wrong = client.post("/account/second-factor", data={"code": "000000"})
    assert "<title>Error: " in wrong.text and client.get("/marking/").status_code == 302
    done = client.post("/account/second-factor", data={"code": _code(MORNING, secret)})
    assert "Your recovery codes" in done.text and "shown only once" in done.text
    assert done.text.count("<li><code>") == 10
    assert client.get("/marking/").status_code == 200
    with app.app_context():
        mark = db.session.scalar(db.select(User).where(User.email == "mark@example.org"))
        assert mark.has_second_factor and mark.totp_secret == secret


def test_a_role_that_does_not_require_it_signs_in_with_the_password(app, client, staff):
    assert login(client, "mark@example.org").headers["Location"] == "/marking/"


def test_participants_never_have_one(app, client, staff):
    _require(app, Role.PARTICIPANT)
    with app.app_context():
        email = make_user().email
    assert login(client, email).headers["Location"] == "/assessments/"
    assert client.get("/account/second-factor").status_code == 403


def test_a_signed_in_marker_can_set_one_up_and_is_asked_for_it_next_time(app, client, staff):
    login(client, "mark@example.org")
    client.get("/account/second-factor")
    with client.session_transaction() as session:
        secret = session["second_factor_new_secret"]
    assert "Your recovery codes" in client.post("/account/second-factor",
                                                data={"code": _code(MORNING, secret)}).text
    client.post("/logout")
    assert login(client, "mark@example.org").headers["Location"] == "/login/second-factor"


def test_a_new_app_replaces_the_old_only_once_its_code_is_typed(app, client, staff):
    """Opening the setup page again does not stop the app already set up."""
    login(client, "ann@example.org")
    client.post("/login/second-factor", data={"code": _code(MORNING)})
    client.get("/account/second-factor")
    client.post("/logout")
    login(client, "ann@example.org")
    later = MORNING + timedelta(seconds=30)
    assert client.post("/login/second-factor",
                       data={"code": _code(later)}).headers["Location"] == "/admin/"


def test_the_admin_sets_each_staff_role_s_rule_and_it_is_audited(app, client, staff):
    login(client, "ann@example.org")
    client.post("/login/second-factor", data={"code": _code(MORNING)})
    page = client.get("/admin/sign-in").text
    assert 'name="marker-second-factor"' in page and "single-sign-on" not in page
    answer = client.post("/admin/sign-in", data={"marker-second-factor": "yes",
                                                 "admin-second-factor": "yes"})
    assert answer.headers["Location"] == "/admin/sign-in"
    with app.app_context():
        assert second_factor.rule_for(Role.MARKER).second_factor_required
        assert not second_factor.rule_for(Role.MODERATOR).second_factor_required
        changes = AuditEvent.query.filter_by(action="sign_in_rule.changed").all()
        assert {c.detail["role"] for c in changes} == {"marker", "admin"}
    assert 'id="marker-second-factor" name="marker-second-factor" type="checkbox" value="yes" checked' \
        in client.get("/admin/sign-in").text


def test_a_new_database_requires_a_second_factor_of_admins(app):
    """Admins read EC evidence, which is health data: on from the migration that adds it."""
    empty_database(app)
    init_db(app)
    with app.app_context():
        assert second_factor.rule_for(Role.ADMIN).second_factor_required
        assert not second_factor.rule_for(Role.MARKER).second_factor_required


def test_a_password_alone_cannot_replace_an_app_already_set_up(app, client, staff):
    """With only the password, the setup page sends the person back to sign in."""
    login(client, "ann@example.org")
    assert client.get("/account/second-factor").headers["Location"] == "/login"
    assert client.post("/account/second-factor",
                       data={"code": "123456"}).headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_a_lost_phone_is_reset_by_command_and_set_up_again_at_sign_in(app, client, staff):
    _require(app, Role.ADMIN)
    result = app.test_cli_runner().invoke(args=["reset-second-factor", "--email",
                                                "Ann@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ann = db.session.scalar(db.select(User).where(User.email == "ann@example.org"))
        assert not ann.has_second_factor and ann.totp_secret is None
        assert RecoveryCode.query.count() == 0
        assert AuditEvent.query.filter_by(action="second_factor.reset").count() == 1
    assert login(client, "ann@example.org").headers["Location"] == "/account/second-factor"
