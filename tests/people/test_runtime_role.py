"""Two database roles on PostgreSQL: the app runs as a role that may INSERT and SELECT the audit
trail but not change it, remove it or switch its append-only trigger off (only the owner, who
runs the migrations, could); `flask grant-runtime-role NAME` grants it the rest it needs, and
the app works as it."""

import uuid

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from moments import DURING
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from assessment_app import create_app
from assessment_app.extensions import db
from assessment_app.models import AuditEvent, SubmissionVersion
from assessment_app.services import audit


@pytest.fixture
def runtime_url(app):
    """A fresh LOGIN role (no rights yet), granted by the command; dropped afterwards."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("database roles are PostgreSQL's; SQLite has no roles or grants")
        owner = db.engine
    name = f"assessment_runtime_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
    result = app.test_cli_runner().invoke(args=["grant-runtime-role", name])
    assert result.exit_code == 0, result.output
    assert "REVOKE UPDATE, DELETE, TRUNCATE" in result.output
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(username=name, password=None)
    yield url.render_as_string(hide_password=False)
    with owner.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{name}"'))
        conn.execute(text(f'DROP ROLE "{name}"'))


RUNTIME_SETTINGS = ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "MAIL_SERVER", "MAIL_PORT",
                    "MAIL_TIMEOUT")


def _one_event(app) -> None:
    with app.app_context():
        audit.record("window.created", name="Autumn 2026")
        db.session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'rewritten'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER USER",
    "DROP TABLE audit_event",
])
def test_the_runtime_role_cannot_change_the_audit_trail_or_its_trigger(app, runtime_url,
                                                                      statement):
    _one_event(app)
    engine = create_engine(runtime_url)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError,
                                                     match="permission denied|must be owner"):
            conn.execute(text(statement))
        with engine.begin() as conn:
            assert conn.execute(text("SELECT action FROM audit_event")).scalars().all() == [
                "window.created"]
    finally:
        engine.dispose()


def test_the_runtime_role_adds_to_and_reads_the_audit_trail(app, runtime_url):
    engine = create_engine(runtime_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_event (at, action, detail) "
                              "VALUES (now(), 'tested', '{}')"))
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
    finally:
        engine.dispose()


def test_the_app_works_as_the_runtime_role(app, runtime_url, clock):
    """Sign in, autosave and submit (writes to the entry, draft, versions, outbox and audit
    trail) and sign out, with the app connected as the runtime role."""
    clock.at(DURING.replace(day=1, month=11))
    with app.app_context():
        entry_id = make_entry(make_window(), make_user(email="sam@example.org")).id
    runtime = create_app({**{k: app.config[k] for k in RUNTIME_SETTINGS},
                          "SQLALCHEMY_DATABASE_URI": runtime_url})
    client = runtime.test_client()
    try:
        clock.at(DURING)
        with runtime.app_context():
            assert login(client, "sam@example.org", PASSWORD).status_code == 302
        saved = client.post(f"/assessments/{entry_id}/draft", data={"text": "Kept."})
        assert saved.status_code == 200
        submitted = client.post(f"/assessments/{entry_id}/response",
                                data={"text": "My response.", "declaration": "y",
                                      "client_token": "t-1"})
        assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/submissions/1")
        assert client.post("/logout").status_code == 302
        with runtime.app_context():
            assert db.session.scalars(db.select(SubmissionVersion.text)).all() == ["My response."]
            assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) > 0
    finally:
        with runtime.app_context():
            db.session.remove()
            db.engine.dispose()
