"""Sending a stored file as a download; who may have it is checked by the caller."""

import io

from flask import send_file


def send_handout(handout):
    """A case-study handout (models.PaperHandout) as an attachment with its own name and type."""
    return send_file(io.BytesIO(handout.data), mimetype=handout.content_type, as_attachment=True,
                     download_name=handout.filename)
