"""The signed session cookie, re-issued at most once a minute rather than on every request.

Sessions end after PERMANENT_SESSION_LIFETIME of idleness, so Flask re-signs and re-sends the
cookie with every response to push that end back. An editor autosaving every 15 seconds would
then pay for a signature, a serialisation and a Set-Cookie header four times a minute for no
gain: re-issuing it when it is a minute old keeps the idle limit to within that minute.
"""

from datetime import datetime, timedelta, timezone

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(minutes=1)


class IssuedSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None: no valid cookie came)."""

    issued_at: datetime | None = None


class MinuteRefreshSessionInterface(SecureCookieSessionInterface):
    session_class = IssuedSession

    def open_session(self, app: Flask, request) -> IssuedSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            data, issued_at = signer.loads(
                cookie, max_age=int(app.permanent_session_lifetime.total_seconds()),
                return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = issued_at
        return session

    def should_set_cookie(self, app: Flask, session: IssuedSession) -> bool:
        """Flask's rule (changed, or permanent and refreshed each request), the refresh made
        only once the cookie is a minute old. The age is by the time itsdangerous signs with,
        not the app's clock module."""
        return session.modified or (super().should_set_cookie(app, session) and (
            session.issued_at is None
            or datetime.now(timezone.utc) - session.issued_at >= REFRESH_AFTER))
