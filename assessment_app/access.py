"""Who may reach what: role decorators and the per-object loaders that answer 404."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from .extensions import db
from .models import Entry, Role, SubmissionVersion


def role_required(*roles: Role):
    """Signed in with one of these roles, else 403 (404s are for objects, not whole areas)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


participant_required = role_required(Role.PARTICIPANT)
marker_required = role_required(Role.MARKER, Role.MODERATOR)
admin_required = role_required(Role.ADMIN)


def entry_for(user, entry_id: int) -> Entry:
    """The participant's own entry, or 404: someone else's entry looks like no entry at all."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.participant_id != user.id:
        abort(404)
    return entry


def submission_for(user, entry_id: int, version_id: int) -> SubmissionVersion:
    entry = entry_for(user, entry_id)
    version = db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.id == version_id, SubmissionVersion.entry_id == entry.id
        )
    )
    if version is None:
        abort(404)
    return version

