"""Sending a report or export to an admin, with an audit event saying who took what."""

from flask import Response
from flask_login import current_user

from ..extensions import db
from ..models import AssessmentWindow
from ..services import audit


def download(window: AssessmentWindow, what: str, filename: str, data: str | bytes,
             mimetype: str) -> Response:
    """Every export leaves the service through here, so every one is in the audit log."""
    audit.record("export.downloaded", actor=current_user, window_id=window.id, export=what,
                 filename=filename)
    db.session.commit()
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
