"""Setting a password from an emailed single-use link, and asking for one."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from .. import clock
from ..extensions import db, limiter
from ..services import accounts
from ..services.accounts import AccountError
from . import limits
from .blueprint import bp


class ForgotForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address")])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters. "
                                         "A few words together are easy to remember.",
                             validators=[DataRequired("Enter a new password")])
    confirm = PasswordField("Confirm the new password", widget=GovPasswordInput(),
                            validators=[EqualTo("password", "The passwords do not match")])


@bp.route("/password/forgot", methods=["GET", "POST"])
@limits.limited(limits.PASSWORD_LINK_REQUESTED, pair="PASSWORD_LINKS_PER_EMAIL_AND_ADDRESS",
                address="PASSWORD_LINKS_PER_ADDRESS", account="PASSWORD_LINKS_PER_EMAIL")
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        limits.count(limits.PASSWORD_LINK_REQUESTED)
        accounts.request_reset(form.email.data, clock.now(),
                               current_app.config["PASSWORD_LINKS_PER_ACCOUNT_PER_HOUR"])
        # The same answer whether or not the address has an account.
        flash("If that address has an account, we have sent it a link to set a new password. "
              "The link works once, for 48 hours.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
# Links are unguessable, so this only stops floods; a cohort setting passwords together at one
# school shares an address.
@limiter.limit("200 per minute")
def set_password(token: str):
    if accounts.valid_token(token, clock.now()) is None:
        return render_template("auth/link_expired.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(token, form.password.data, clock.now())
        except AccountError as problem:
            db.session.rollback()
            form.password.errors = [str(problem)]
        else:
            flash("Your password has been set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form)
