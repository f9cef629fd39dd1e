"""Response headers: a strict content security policy, no caching of private pages, and HTTPS
kept to (Strict-Transport-Security) once a page has come over it."""

import secrets

from flask import Flask, g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def register(app: Flask) -> None:
    app.add_template_global(csp_nonce)

    @app.after_request
    def _headers(response):
        # A nonce only for a page that rendered a script with one (no page is streamed, so
        # the page is rendered by now); a redirect or JSON runs no script.
        nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self'{nonce}; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            # Over HTTPS (a trusted proxy's X-Forwarded-Proto counts): browsers keep to HTTPS
            # for this site from now on, so nobody can strip it on a later visit.
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_MAX_AGE']}")
        if request.endpoint != "static" and not response.cache_control.private:
            # Case studies and responses are private: never kept by a browser or proxy cache.
            # A download that set "private" itself (a handout, for its one reader) keeps it.
            response.headers["Cache-Control"] = "no-store"
        return response
