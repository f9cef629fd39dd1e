"""Who may reach what: role decorators and the per-object loaders that answer 404."""

from functools import wraps
from typing import NamedTuple

from flask import abort, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import Entry, Role, SubmissionVersion, WindowPaper
from .services.papers import PAPER_AS_READ
from .session_cookie import session_generation


def role_required(*roles: Role):
    """Signed in with one of these roles, else the sign-in page or 403 (404s are for objects,
    not whole areas)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_role(*roles: Role) -> None:
    """role_required's check, for a view that makes it only on some paths: the sign-in page
    when not signed in, 403 for another role."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.has_role(*roles):
        abort(403)


participant_required = role_required(Role.PARTICIPANT)
marker_required = role_required(Role.MARKER, Role.MODERATOR)
admin_required = role_required(Role.ADMIN)


class SessionAccount(NamedTuple):
    """The account a signed session names, and the account's session generation it holds."""

    id: int
    generation: int


def session_account() -> SessionAccount | None:
    """The account the signed session names, without loading the account, or None.

    For the requests a cohort sends on deadline night (autosave, submit): their own query
    joins the account and checks it is an active participant's whose session generation is
    the session's (so a signed-out or replaced session writes nothing), which saves the
    sign-in query. Sign-in makes every session permanent, and for those Flask-Login's session
    protection never signs anyone out, so nothing is skipped by not running it here; the
    session's absolute lifetime was checked as the cookie was opened (session_cookie.py).
    """
    generation = session_generation(session)
    if not session.permanent or generation is None:
        return None
    try:
        return SessionAccount(int(session["_user_id"]), generation)
    except (KeyError, TypeError, ValueError):
        return None


def current_account() -> SessionAccount:
    """The signed-in user (loaded and checked) as a SessionAccount."""
    return SessionAccount(current_user.id, current_user.session_generation)


def entry_for(user, entry_id: int) -> Entry:
    """The participant's own entry, or 404: someone else's entry looks like no entry at all."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.participant_id != user.id:
        abort(404)
    return entry


def entry_and_paper_for(user, entry_id: int) -> tuple[Entry, WindowPaper | None]:
    """entry_for, with the window, NPQ, paper and handout list in the same single statement.

    The case-study page is what a whole cohort opens in the release minute, so it loads nothing
    lazily; the paper's text is left unloaded because the rendered page is usually cached.
    """
    row = db.session.execute(
        select(Entry, WindowPaper)
        .outerjoin(WindowPaper, (WindowPaper.window_id == Entry.window_id)
                   & (WindowPaper.npq_code == Entry.npq_code))
        .where(Entry.id == entry_id, Entry.participant_id == user.id)
        .options(joinedload(Entry.window), joinedload(Entry.npq), PAPER_AS_READ)
    ).unique().first()
    if row is None:
        abort(404)
    return row.Entry, row.WindowPaper


def submission_for(user, entry_id: int, number: int) -> SubmissionVersion:
    """The participant's own entry's version by its number, or 404."""
    entry = entry_for(user, entry_id)
    version = db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.entry_id == entry.id, SubmissionVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version

