"""Fixtures for the load balancer's and the operators' routes."""

import pytest
from flask_migrate import stamp
from sqlalchemy import event, text

from assessment_app.extensions import db


@pytest.fixture
def migrated(app):
    """The database stamped at the migrations' head, as `flask init-db` leaves it (the tables
    themselves come from the models, which the migrations are held equal to)."""
    with app.app_context():
        stamp(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def statements(app):
    """Every SQL statement the app sends while the test runs."""
    sent = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)
