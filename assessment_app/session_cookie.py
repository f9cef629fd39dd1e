"""The signed session cookie, re-issued at most once a minute rather than on every request,
and ended at the latest SESSION_ABSOLUTE_LIFETIME after sign-in however busy it is.

Sessions end after PERMANENT_SESSION_LIFETIME of idleness, so Flask re-signs and re-sends the
cookie with every response to push that end back. An editor autosaving every 15 seconds would
then pay for a signature, a serialisation and a Set-Cookie header four times a minute for no
gain: re-issuing it when it is a minute old keeps the idle limit to within that minute.

A cookie in use is renewed for ever, so a copied one would never expire: a signed-in session
also carries the instant of its sign-in (ending it here, with no query) and the account's
session generation (checked against the account by the user loader and, on the autosave and
submit paths, inside their own statement), so signing out, a new password and deactivation end
every copy of it.
"""

from datetime import UTC, datetime, timedelta

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from . import clock

REFRESH_AFTER = timedelta(minutes=1)
SIGNED_IN_AT = "_signed_in_at"  # whole seconds since the epoch, by the app's clock
GENERATION = "_generation"  # the account's session_generation when it signed in


_FOLLOWING = "cookies_after_session"


def after_session_cookie(set_cookie) -> None:
    """Set a cookie of this response's after the session cookie (set_cookie(response))."""
    g.setdefault(_FOLLOWING, []).append(set_cookie)


def begin_signed_in(session, generation: int) -> None:
    """Mark a session just signed in: when, and with which of the account's generations."""
    session[SIGNED_IN_AT] = int(clock.now().timestamp())
    session[GENERATION] = generation


def session_generation(session) -> int | None:
    generation = session.get(GENERATION)
    return generation if type(generation) is int else None


def session_ends_at(app: Flask, session) -> datetime | None:
    """When a signed-in session ends however busy it is (None: not a signed-in session, or
    one that never said when it began, which counts as ended)."""
    signed_in = session.get(SIGNED_IN_AT)
    if type(signed_in) is not int:
        return None
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    if not isinstance(lifetime, timedelta):  # seconds, as an environment variable gives it
        lifetime = timedelta(seconds=int(lifetime))
    return datetime.fromtimestamp(signed_in, UTC) + lifetime


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
        if "_user_id" in session:
            ends_at = session_ends_at(app, session)
            if ends_at is None or clock.now() >= ends_at:
                session = self.session_class()
                session.modified = True  # so the response deletes the cookie
                return session
        session.issued_at = issued_at
        return session

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure whenever the request came over HTTPS (directly, or through a trusted proxy
        that says so), whatever SESSION_COOKIE_SECURE says: a cookie sent over HTTPS is never
        then sent in the clear."""
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def get_expiration_time(self, app: Flask, session) -> datetime | None:
        """The idle end, or the absolute end if that comes first (the browser drops it then)."""
        idle_end = super().get_expiration_time(app, session)
        ends_at = session_ends_at(app, session) if "_user_id" in session else None
        if idle_end is None or ends_at is None:
            return idle_end
        return min(idle_end, ends_at)

    def save_session(self, app: Flask, session, response) -> None:
        """Flask's, then any cookie a view asked to follow the session's (after_session_cookie),
        so the session's Set-Cookie stays the first a response sends."""
        super().save_session(app, session, response)
        for set_cookie in g.pop(_FOLLOWING, ()):
            set_cookie(response)

    def should_set_cookie(self, app: Flask, session: IssuedSession) -> bool:
        """Flask's rule (changed, or permanent and refreshed each request), the refresh made
        only once the cookie is a minute old. The age is by the time itsdangerous signs with,
        not the app's clock module."""
        return session.modified or (super().should_set_cookie(app, session) and (
            session.issued_at is None
            or datetime.now(UTC) - session.issued_at >= REFRESH_AFTER))
