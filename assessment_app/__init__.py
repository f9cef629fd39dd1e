"""NPQ summative assessment platform: the application factory."""

import os
import secrets
import sqlite3
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import settings
from .extensions import csrf, db, limit_only_the_limited_pages, limiter, login_manager, migrate
from .request_text import NormalisedRequest
from .session_cookie import MinuteRefreshSessionInterface


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(settings.PROJECT_ROOT / "templates"),
    )
    # Every form field, query parameter and file name normalised once, as the request is read.
    app.request_class = NormalisedRequest
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ASSESSMENT")
    if test_config is not None:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    _trust_proxies(app)
    app.session_interface = MinuteRefreshSessionInterface()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    limit_only_the_limited_pages(app)
    _init_login(app)
    _init_templates(app)

    from . import (
        errors,
        logs,
        monitoring,
        page_compression,
        request_transaction,
        security,
        static_assets,
    )
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .auth import identity_service
    from .cli import register_commands
    from .marker import bp as marker_bp
    from .participant import bp as participant_bp

    app.register_blueprint(auth_bp)
    identity_service.init_app(app)  # single sign-on, where an issuer is configured
    app.register_blueprint(participant_bp)
    app.register_blueprint(marker_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(monitoring.bp)
    errors.register(app)
    # Before the app's other response hooks, so it runs after them, on the finished page.
    page_compression.register(app)
    security.register(app)
    # Before the commit's hook: after_request hooks run last-registered first, so these see
    # the commit's time and its outcome.
    logs.register(app)
    monitoring.register(app)
    request_transaction.register(app)
    static_assets.register(app)
    register_commands(app)

    if app.config["SCHEDULER_ENABLED"] and not app.config.get("TESTING"):
        from .scheduling import start_scheduler

        start_scheduler(app)
    return app


def _instance_secret_key(instance_path: str) -> str:
    """A key kept in the instance folder, so a development restart keeps people signed in."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


def _trust_proxies(app: Flask) -> None:
    """Behind N proxies, take the client's address and scheme from the headers they add, so
    limits and the audit log see each person, not the proxy."""
    count = app.config["TRUSTED_PROXIES"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number, 0 or more (not {count!r}).")
    if count:
        # Not X-Forwarded-Host: the proxy passes Host itself, and a forged one must not count.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _init_login(app: Flask) -> None:
    from flask import session

    from .models import User
    from .session_cookie import session_generation

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # A deactivated account is signed out of every session at its next request, and so is
        # a session signed in before the account last signed out or had a new password.
        user = db.session.get(User, int(user_id))
        if user is None or not user.active \
                or user.session_generation != session_generation(session):
            return None
        return user


def _init_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from . import template_helpers

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    template_helpers.register(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, and WAL so the scheduler thread and requests don't block."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
