"""The audit trail is append-only in the database itself on PostgreSQL: a trigger refuses any
UPDATE, DELETE or TRUNCATE of it, whoever sends the statement; the migrations create it too."""

import pytest
from factories import empty_database, init_db
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assessment_app.extensions import db
from assessment_app.services import audit


def _postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; on SQLite the app's own guard applies "
                    "(test_people.test_audit_events_cannot_be_changed_or_deleted)")


def _one_event() -> int:
    event = audit.record("window.created", name="Autumn 2026")
    db.session.flush()
    event_id = event.id
    db.session.commit()  # and no read after it: an open transaction would hold TRUNCATE back
    return event_id


def _refused_and_unchanged(statement: str, event_id: int) -> None:
    with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(statement))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_event WHERE id = :id"),
                            {"id": event_id}).scalar_one() == "window.created"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'rewritten'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
])
def test_the_database_refuses_to_change_or_remove_audit_events(ctx, statement):
    """Raw SQL, as a bug in a bulk statement or someone at a database console would send it."""
    _postgresql_only()
    _refused_and_unchanged(statement, _one_event())


def test_the_migrations_create_the_same_trigger(app):
    """A database built by `flask init-db` (the migrations), not create_all, refuses too."""
    with app.app_context():
        _postgresql_only()
    empty_database(app)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only()"))
    init_db(app)
    with app.app_context():
        _refused_and_unchanged("DELETE FROM audit_event", _one_event())
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
