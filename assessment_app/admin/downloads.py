"""Sending a report or export to an admin, with an audit event saying who took what."""

from collections.abc import Iterable

from flask import Response, stream_with_context
from flask_login import current_user

from ..extensions import db
from ..models import AssessmentWindow
from ..services import audit


def download(window: AssessmentWindow, what: str, filename: str, data: Iterable,
             mimetype: str) -> Response:
    """Every export leaves the service through here, so every one is in the audit log. The
    export is streamed as it is made (the request's context, and so the database session,
    stays open until its last piece is sent)."""
    audit.record("export.downloaded", actor=current_user, window_id=window.id, export=what,
                 filename=filename)
    db.session.commit()
    return Response(stream_with_context(data), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
