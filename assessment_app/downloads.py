"""Sending a stored file as a download; who may have it is checked by the caller."""

import io

from flask import abort, send_file


def send_handout(handouts: list, number: int):
    """Handout `number` (from 1, in listed order) of a case study as an attachment, else 404."""
    if not 1 <= number <= len(handouts):
        abort(404)
    handout = handouts[number - 1]
    return send_file(io.BytesIO(handout.data), mimetype=handout.content_type, as_attachment=True,
                     download_name=handout.filename)
