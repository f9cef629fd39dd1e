"""Shared fixtures: a fresh database per test, a test client, a frozen clock.

The suite runs on SQLite by default; set TEST_DATABASE_URL to a PostgreSQL URL to run it
there (.ci/run does both). Each test gets empty tables. The app is imported inside the
fixtures so the pure domain tests need nothing but their own module.

Under pytest-xdist each worker is a process of its own with its own files (tmp_path, the
SQLite template, its Redis) and, on PostgreSQL, its own database: see `database_url`.
"""

import functools
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from jinja2 import BytecodeCache
from sqlalchemy import text
from werkzeug.security import check_password_hash


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process and shared by every test's app: each test has an
    app of its own, and compiling the same templates (GOV.UK Frontend's macros among them) for
    each was a fifth of a page test's time. A template whose source changes is compiled again
    (Jinja checks each entry's checksum)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


def _test_app(url: str):
    from assessment_app import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        # Nothing listens here: no test can hand mail to a real server by accident.
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
        "MAIL_TIMEOUT": 2,
    })
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return app


def _empty_tables() -> None:
    from assessment_app.cli import ensure_npqs
    from assessment_app.extensions import db

    db.drop_all()
    _drop_scheduler_table()
    db.create_all()
    ensure_npqs()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite database with every table and the NPQs, made once per run: each test gets a
    copy of the file, which is what creating the tables would give, in a fraction of the time."""
    from assessment_app.extensions import db

    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    template = _test_app(f"sqlite:///{path}")
    with template.app_context():
        _empty_tables()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def database_url() -> str | None:
    """TEST_DATABASE_URL (None: SQLite), made empty for this run. Each pytest-xdist worker
    takes a database of its own named after it (assessment_test_gw0, assessment_test_gw1...),
    so workers never drop each other's tables."""
    from sqlalchemy.engine import make_url

    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None:
        parsed = make_url(url)
        url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(
            hide_password=False)
    script = Path(__file__).resolve().parents[1] / "scripts" / "create_test_database.py"
    made = subprocess.run([sys.executable, str(script), url], capture_output=True, text=True,
                          check=False)
    if made.returncode != 0:
        pytest.fail(f"could not create the test database:\n{made.stderr}", pytrace=False)
    return url


@pytest.fixture
def app(tmp_path, request, database_url):
    from assessment_app.extensions import db, limiter

    url = database_url
    if url is None:
        copy = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        url = f"sqlite:///{copy}"
    app = _test_app(url)
    app.config["EXPORTS_FOLDER"] = str(tmp_path / "exports")  # built moderation packs
    with app.app_context():
        if not url.startswith("sqlite"):
            _empty_tables()
        limiter.reset()  # rate-limit counts never carry over from another test
    yield app
    with app.app_context():
        db.session.remove()
        if not url.startswith("sqlite"):  # an SQLite copy goes with its test's folder
            db.drop_all()
            _drop_scheduler_table()
        db.engine.dispose()


def _drop_scheduler_table():
    from assessment_app.extensions import db

    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))


@functools.cache
def _remembered_check(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


@pytest.fixture(autouse=True)
def password_checks_remembered(monkeypatch):
    """Every test account has the same password hash (factories.PASSWORD_HASH), and checking a
    password costs 0.1 s of CPU by design (scrypt): a fifth of the suite's CPU time went on
    checking that one password against that one hash again at each sign-in. The answer for a
    hash and a password never changes, so each process works it out once. Tests that count or
    inspect the checks wrap this function as they wrapped Werkzeug's."""
    from assessment_app import password_hashing

    monkeypatch.setattr(password_hashing, "check_password_hash", _remembered_check)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway Redis for this run (tests/loopback.py), on a port of its own, stopped by its
    PID at the end: nothing has to be running on the machine."""
    from loopback import start_redis, stop

    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    stop(process)


@pytest.fixture
def migrated(app):
    """The database stamped at the migrations' head, as `flask init-db` leaves it (the tables
    themselves come from the models, which the migrations are held equal to)."""
    from flask_migrate import stamp

    from assessment_app.extensions import db

    with app.app_context():
        stamp(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


class Clock:
    """Freeze time at named instants: `clock.at(instant)`, `clock.move(seconds=1)`."""

    def __init__(self):
        self._traveller = None

    def at(self, instant: datetime) -> datetime:
        self.stop()
        self._traveller = time_machine.travel(instant, tick=False)
        self._traveller.start()
        return instant

    def move(self, **delta) -> datetime:
        return self.at(datetime.now(UTC) + timedelta(**delta))

    def stop(self):
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()
