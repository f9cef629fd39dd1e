"""Default settings. Override in instance/config.py or with ASSESSMENT_* environment variables."""

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # No ping before each request (a round trip on every page): a connection the database
        # dropped fails one request with the 503 page (errors.py), and SQLAlchemy then replaces
        # the whole pool; connections are renewed every half hour anyway.
        # SQL errors never show their parameters: a logged error must not carry a response's
        # text, a password hash or an EC claim's detail.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800, "hide_parameters": True},
        "CASE_STUDY_DIR": str(PROJECT_ROOT / "case_studies"),
        "RUBRIC_DIR": str(PROJECT_ROOT / "rubrics"),
        # Uploads: a .docx response is far smaller than this; anything bigger gets a 413 page.
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        # Sessions expire after two idle hours; autosave requests keep an active writer signed in.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        # However busy, a session ends this long after sign-in (a copied cookie dies with it).
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie is marked Secure whenever the request came over HTTPS (session_cookie.py);
        # True marks it so on plain HTTP too.
        "SESSION_COOKIE_SECURE": False,
        # Sent with every HTTPS response (Strict-Transport-Security): a year.
        "HSTS_MAX_AGE": 31536000,
        # Tokens live as long as the session, so a long writing session is not refused at submit.
        "WTF_CSRF_TIME_LIMIT": None,
        "SCHEDULER_ENABLED": False,
        # /readyz fails when the scheduler leader has not ticked for two minutes; False still
        # reports it but answers 200 (a load balancer need not drop every server for it).
        "READY_NEEDS_SCHEDULER": True,
        # /metrics answers a scraper sending this as a bearer token; unset, it answers 404.
        "METRICS_TOKEN": None,
        # The root logger's level; lines go to stderr as JSON (logs.py).
        "LOG_LEVEL": "INFO",
        # Rate limits are counted here; use a shared store (e.g. redis://) with several workers.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # If that store stops answering, each process counts in memory rather than refuse sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Failed sign-ins and password-link requests (auth/limits.py): per email typed from one
        # address, and per address (a school, or a cohort behind one proxy, shares an address:
        # be generous). Failures from elsewhere never lock the owner out: the per-account limit
        # needs many addresses to reach and skips a browser that has signed in to it before.
        "SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "10 per minute; 50 per hour",
        "SIGN_IN_FAILURES_PER_ADDRESS": "100 per minute; 1000 per hour",
        # Per account, each address counting once an hour: ten addresses failing for one
        # email stop it for every browser that has not signed in to it before.
        "SIGN_IN_FAILURES_PER_ACCOUNT": "10 per minute; 50 per hour",
        # Wrong second-factor codes per account (only someone with the password gets that far):
        # a 6-digit code cannot be guessed within these.
        "SECOND_FACTOR_FAILURES_PER_ACCOUNT": "5 per minute; 20 per hour",
        "PASSWORD_LINKS_PER_EMAIL_AND_ADDRESS": "5 per hour",
        "PASSWORD_LINKS_PER_ADDRESS": "50 per minute; 500 per hour",
        # Per email, each address counting once an hour (as for sign-in failures).
        "PASSWORD_LINKS_PER_EMAIL": "5 per hour",
        # An account is sent at most this many links an hour, whoever asks; asking again then
        # sends nothing new (the newest link sent still works) and is answered the same.
        "PASSWORD_LINKS_PER_ACCOUNT_PER_HOUR": 5,
        # How many proxies (e.g. the TLS proxy) stand before the app and add X-Forwarded-For and
        # X-Forwarded-Proto. 0 ignores those headers, which a client could otherwise forge.
        "TRUSTED_PROXIES": 0,
        "SERVICE_NAME": "NPQ assessment",
        # Single sign-on (auth/identity_service.py): the OpenID Connect issuer's URL (its
        # discovery document is read from ISSUER/.well-known/openid-configuration), and this
        # app's client id and secret there. No issuer: passwords only.
        "OIDC_ISSUER": None,
        "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None,
        "OIDC_SCOPES": "openid email profile",
        # The sign-in button reads "Sign in with <this>", e.g. "Microsoft" or "Google".
        "OIDC_PROVIDER_NAME": "your organisation's account",
        # Email goes through an outbox; the scheduler hands it to this SMTP server each minute.
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "NPQ assessment <no-reply@example.org>",
        "MAIL_TIMEOUT": 10,
        # Where links in emails point (the site's public address).
        "BASE_URL": "http://127.0.0.1:5000",
        "PROVIDER_NAME": "NPQ provider",
        # The DfE's NPQ lead-provider API (services/dfe_api.py): the sandbox's or production's
        # address and this provider's bearer token for it. Unset: nothing is fetched or sent.
        "DFE_API_BASE_URL": None,
        "DFE_API_TOKEN": None,
        "DFE_API_TIMEOUT": 20,
        # Similarity checks list pairs sharing at least this share of the shorter script's
        # five-word runs (README, "Similarity checks": unrelated scripts stay under 10%).
        "SIMILARITY_THRESHOLD_PERCENT": 25,
        # Moderation packs are built here by the scheduler, then downloaded through the web
        # workers: with several servers, a volume they all share. Files go after a day.
        "EXPORTS_FOLDER": str(Path(instance_path) / "exports"),
        # The scheduler looks for packs to build this often (seconds), and a build writes its
        # progress every this many scripts.
        "PACK_POLL_SECONDS": 10,
        "PACK_PROGRESS_EVERY": 250,
        # A check reads scripts this many at a time (texts to sign, earlier scripts' signatures,
        # shingles to count): its memory is set by this and the window's own size, never by the
        # number of earlier scripts (about 2 KB a script read, 12 KB while counting).
        "SIMILARITY_CHUNK_SCRIPTS": 2000,
    }


def database_url(instance_path: str) -> str:
    """DATABASE_URL if set (any SQLAlchemy URL), else the SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'assessment.sqlite'}"
    # Hosting platforms often hand out postgres:// URLs; use the psycopg 3 driver for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
