"""Sending a stored file as a download; who may have it is checked by the caller."""

import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, request

# A handout never changes (its ETag is its SHA-256), so a browser may keep it a while; only that
# person's browser, though ("private"): a shared cache must never hand it to anyone else.
HANDOUT_MAX_AGE = 3600


def send_handout(handouts: list, number: int):
    """Handout `number` (from 1, in listed order) of a case study as an attachment, else 404.

    Private caching with the handout's SHA-256 as ETag: a browser that has it gets a 304 and the
    file's bytes are not even read from the database.
    """
    if not 1 <= number <= len(handouts):
        abort(404)
    handout = handouts[number - 1]
    if handout.sha256 in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(handout.data, mimetype=handout.content_type)
        response.headers["Content-Disposition"] = attachment_disposition(handout.filename)
    response.set_etag(handout.sha256)
    response.cache_control.private = True
    response.cache_control.max_age = HANDOUT_MAX_AGE
    return response


def attachment_disposition(filename: str) -> str:
    """A Content-Disposition header that no file name can break out of.

    Control characters go; the plain `filename` is ASCII with quotes and backslashes replaced, and
    a name that needs more is given whole as RFC 6266 `filename*` (UTF-8, percent-encoded).
    """
    name = re.sub(r"[\x00-\x1f\x7f]", "", filename).strip() or "download"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'["\\]', "_", ascii_name).strip() or "download"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
