"""Pages sent gzip-compressed (Flask-Compress), but only for a request the browser says came
from this site or from the person (Sec-Fetch-Site), so compression never leaks a secret.

BREACH: where a response holds a secret (the CSRF token, whose signed payload Flask-WTF repeats
unchanged in every page of a session, and people's names, scripts and marks) beside text the
request put there (a search term, a form's typed values), its compressed length shows how much
of a guess matches the secret. An attacker who sees the lengths on the network has another site
make the victim's browser send thousands of guesses. Those requests carry `Sec-Fetch-Site:
cross-site` (a header no page can set), so they get the page uncompressed; so does a browser
that sends no such header (older than 2023). Static files are compressed ahead (static_assets.py)
and hold no secret. Streamed downloads (CSV exports, the scripts' zip) are sent as they are
made, uncompressed.
"""

from flask import Flask, request

from .extensions import compress

# `none`: the person typed the address or chose a bookmark; no site asked for it.
OUR_OWN = frozenset({"same-origin", "none"})
_VARY = ("Accept-Encoding", "Sec-Fetch-Site")


def register(app: Flask) -> None:
    for key, value in {
        "COMPRESS_REGISTER": False,  # the hook below decides which responses it sees
        "COMPRESS_MIMETYPES": ["text/html"],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_STREAMS": False,
        "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,  # pages are no-store, with no ETag
    }.items():
        app.config.setdefault(key, value)
    compress.init_app(app)

    @app.after_request
    def _compress(response):
        # Caches must key a page on both headers, compressed or not.
        if "Vary" in response.headers:
            response.vary.update(_VARY)
        else:  # nearly always: set without parsing and writing back a header set
            response.headers["Vary"] = ", ".join(_VARY)
        # Flask-Compress leaves a redirect or an error as it is: not handed to it at all.
        if (200 <= response.status_code < 300
                and request.headers.get("Sec-Fetch-Site") in OUR_OWN):
            return compress.after_request(response)
        return response
