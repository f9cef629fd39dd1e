"""The second factor of a staff password sign-in: asked for after the password, set up on the
way in where the role requires it, or from the account's own page. The session is signed in
only once a code passes."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from .. import clock
from ..extensions import db, limiter
from ..models import User
from ..services import audit, second_factor
from .blueprint import bp
from .signing_in import SECOND_FACTOR_PENDING, SECOND_FACTOR_WAIT, sign_in

NEW_SECRET = "second_factor_new_secret"
WRONG_CODE = "Enter a correct code from your authenticator app, or a recovery code"


class CodeForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(),
                       description="The 6-digit code your authenticator app shows now, or one "
                                   "of your recovery codes.",
                       validators=[DataRequired("Enter the code from your authenticator app")])


class SetupForm(FlaskForm):
    code = StringField("Code from the app", widget=GovTextInput(),
                       description="The 6-digit code the app shows after you add the account.",
                       validators=[DataRequired("Enter the 6-digit code from the app"),
                                   Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$",
                                          message="Enter the 6 digits the app shows, like 123456")])


def _pending_user() -> User | None:
    """The account whose password passed in this session, within the wait, still unchanged
    (same session generation) and active; None otherwise."""
    pending = session.get(SECOND_FACTOR_PENDING)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("at", 0) > SECOND_FACTOR_WAIT:
        return None
    user = db.session.get(User, pending.get("id"))
    if user is None or not user.active or user.session_generation != pending.get("generation"):
        return None
    return user


def _failed(_response) -> bool:
    return g.get("second_factor_failed", False)


def _account_key() -> str:
    """The account typing codes: signed in (setting up an app) or with its password passed."""
    if current_user.is_authenticated:
        return f"second-factor:{current_user.id}"
    pending = session.get(SECOND_FACTOR_PENDING)
    return f"second-factor:{pending.get('id') if isinstance(pending, dict) else None}"


def _limited(view):
    """Wrong codes are limited per account, like wrong passwords (only someone who has the
    password reaches this step, so only they can use up its budget), and per address."""
    view = limiter.limit(lambda: current_app.config["SECOND_FACTOR_FAILURES_PER_ACCOUNT"],
                         key_func=_account_key, methods=["POST"], deduct_when=_failed)(view)
    return limiter.limit(lambda: current_app.config["SIGN_IN_FAILURES_PER_ADDRESS"],
                         methods=["POST"], deduct_when=_failed)(view)


@bp.route("/login/second-factor", methods=["GET", "POST"])
@_limited
def enter_second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("auth.index"))
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        how = second_factor.verify(user, form.code.data, clock.now())
        if how is not None:
            signed_in = sign_in(user, f"password and {how}",
                                session[SECOND_FACTOR_PENDING].get("next"))
            if how == "recovery code":  # said after sign_in, which starts a new session
                flash(f"You used a recovery code. You have "
                      f"{second_factor.recovery_codes_left(user)} left: set up your app again "
                      "to get new ones.", "info")
            return signed_in
        g.second_factor_failed = True
        form.code.errors.append(WRONG_CODE)
        audit.record("user.sign_in_failed", actor=user, reason="wrong second factor",
                     ip=request.remote_addr)
        db.session.commit()
    return render_template("auth/second_factor.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@_limited
def second_factor_setup():
    """Set up (or replace) the authenticator app: a signed-in staff account, or one whose role
    requires a second factor, on its way in with its password."""
    signed_in = current_user.is_authenticated
    user = current_user._get_current_object() if signed_in else _pending_user()
    # A password alone never replaces an app already set up: that takes the app's own code.
    if user is None or (not signed_in and user.has_second_factor):
        return _start_again()
    if not user.is_staff:
        abort(403)
    form = SetupForm()
    # The new secret waits in this session (signed, and only ever shown to this person) until
    # a code from it is typed: until then an app set up earlier goes on working.
    if not isinstance(session.get(NEW_SECRET), str):
        session[NEW_SECRET] = second_factor.new_secret()
    secret = session[NEW_SECRET]
    if form.validate_on_submit():
        codes = second_factor.confirm_setup(user, secret, form.code.data, clock.now())
        if codes is not None:
            session.pop(NEW_SECRET)
            next_page = None
            if not signed_in:
                next_page = session[SECOND_FACTOR_PENDING].get("next")
                sign_in(user, "password and app (set up)", next_page)
            db.session.commit()
            # Shown once, in this response only: they are stored hashed.
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_page=next_page or url_for("auth.index"))
        g.second_factor_failed = True
        form.code.errors.append("Enter the code the app shows now: that one is not right")
    uri = second_factor.provisioning_uri(user, secret, current_app.config["SERVICE_NAME"])
    return render_template("auth/second_factor_setup.html", form=form, secret=secret,
                           qr_code=second_factor.qr_code_data_uri(uri),
                           required=not signed_in)


def _start_again():
    flash("Sign in again: the time to enter your code ran out.", "info")
    return redirect(url_for("auth.login"))
