"""Flask extensions, created unbound and bound to the app in create_app()."""

from functools import partial

from flask import Flask
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
compress = Compress()
login_manager = LoginManager()
# Limits apply only where a route asks for one: sign-in and password links, all in the auth
# blueprint (tests/web/test_rate_limited_pages.py holds them there).
limiter = Limiter(key_func=get_remote_address)
LIMITED_BLUEPRINT = "auth"


def limit_only_the_limited_pages(app: Flask) -> None:
    """Move the hooks limiter.init_app put around every request of the app (its check, its
    headers, its per-request state) onto the blueprint every limit is on, so no other request
    runs them: about 5% of each autosave and submission on deadline night."""
    def the_limiters(hook) -> bool:
        owner = hook.args[0] if isinstance(hook, partial) and hook.args else getattr(
            hook, "__self__", None)
        return owner is limiter

    for hooks in (app.before_request_funcs, app.after_request_funcs,
                  app.teardown_request_funcs):
        moved = [hook for hook in hooks.get(None, []) if the_limiters(hook)]
        hooks[None] = [hook for hook in hooks.get(None, []) if not the_limiters(hook)]
        hooks.setdefault(LIMITED_BLUEPRINT, []).extend(moved)
