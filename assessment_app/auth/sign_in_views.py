"""The sign-in page (email and password), signing out, and the site's front door."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Regexp

from ..extensions import db
from ..local_redirects import local_path
from ..services import accounts, audit, second_factor
from . import identity_service, limits, single_sign_on
from .blueprint import bp
from .signing_in import HOME_FOR_ROLE, second_factor_step, sign_in

SINGLE_SIGN_ON_ONLY = "Your role signs in with your organisation's account: use the button below"


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter your email address"),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                   message="Enter an email address in the correct format, like name@example.com"),
        ],
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")]
    )


@bp.route("/login", methods=["GET", "POST"])
@limits.limited(limits.SIGN_IN_FAILED, pair="SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS",
                address="SIGN_IN_FAILURES_PER_ADDRESS", account="SIGN_IN_FAILURES_PER_ACCOUNT")
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_FOR_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user, failure = accounts.authenticate(form.email.data, form.password.data)
        if failure:
            limits.count(limits.SIGN_IN_FAILED)
            # One message for every failure, so the form does not reveal who has an account.
            form.password.errors.append("Enter a correct email address and password")
            # The audit log (admins only) keeps the address tried and why, never the password.
            audit.record("user.sign_in_failed", email=form.email.data.strip().lower()[:254],
                         reason=failure, ip=request.remote_addr)
            db.session.commit()
        elif identity_service.enabled() and user.is_staff \
                and second_factor.rule_for(user.role).single_sign_on_required:
            # Said only after the right password, so it reveals nothing to a guesser.
            form.password.errors.append(SINGLE_SIGN_ON_ONLY)
            audit.record("user.sign_in_failed", actor=user, reason="single sign-on required",
                         ip=request.remote_addr)
            db.session.commit()
        elif second_factor.needs_second_factor(user):
            return redirect(second_factor_step(user, _safe_next()))
        else:
            return sign_in(user, "password", _safe_next())
    return render_template("auth/login.html", form=form,
                           single_sign_on=identity_service.enabled())


@bp.post("/logout")
@login_required
def logout():
    # Every session of the account ends, not just this cookie: a copy of it is refused too.
    user = current_user._get_current_object()
    user.end_sessions()
    audit.record("user.signed_out", actor=user)
    id_token = session.get(single_sign_on.ID_TOKEN)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    if id_token is not None and identity_service.enabled():
        # Signed in at the identity service too: end that session there as well (RP-initiated
        # logout), where it offers to; it sends the browser back to the sign-in page.
        return single_sign_on.provider_sign_out(id_token) or redirect(url_for("auth.login"))
    return redirect(url_for("auth.login"))


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_FOR_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))


def _safe_next() -> str | None:
    """Only follow a `next` that is a page of this site (local_redirects says why this is hard)."""
    return local_path(request.args.get("next"), _is_page)


def _is_page(path: str) -> bool:
    """Whether a GET of `path` reaches one of this app's routes (a slash redirect counts)."""
    try:
        current_app.url_map.bind("").match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True
