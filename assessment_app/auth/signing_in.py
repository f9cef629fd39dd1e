"""Signing a person in once they have proved who they are (a password and, where asked, a
second factor; or single sign-on): the steps every way in shares."""

from flask import redirect, session, url_for
from flask_login import login_user

from .. import clock
from ..extensions import db
from ..models import Role
from ..services import audit
from ..session_cookie import begin_signed_in
from . import limits

HOME_FOR_ROLE = {
    Role.PARTICIPANT: "participant.home",
    Role.MARKER: "marker.home",
    Role.MODERATOR: "marker.home",
    Role.ADMIN: "admin.home",
}
SECOND_FACTOR_PENDING = "second_factor_for"
SECOND_FACTOR_WAIT = 600  # seconds from the password to the code


def second_factor_step(user, next_page: str | None) -> str:
    """Hold the password's pass in a fresh session that is not signed in, and say where the
    second factor is asked for (or first set up, where the role requires one)."""
    session.clear()
    session[SECOND_FACTOR_PENDING] = {"id": user.id, "generation": user.session_generation,
                                      "at": int(clock.now().timestamp()), "next": next_page}
    return url_for("auth.enter_second_factor" if user.has_second_factor
                   else "auth.second_factor_setup")


def sign_in(user, how: str, next_page: str | None, **session_values):
    """Sign the user in to a new session (the request commits) and send them on."""
    session.clear()
    session.permanent = True
    session.update(session_values)
    login_user(user)
    begin_signed_in(session, user.session_generation)
    audit.record("user.signed_in", actor=user, method=how)
    db.session.commit()
    limits.remember_device(user.email)
    return redirect(next_page or url_for(HOME_FOR_ROLE[user.role]))
