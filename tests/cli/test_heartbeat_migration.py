"""The heartbeat's migration (f17a3b9d6c21) adds its table and takes it away again."""

from factories import empty_database, init_db
from sqlalchemy import inspect, text

from assessment_app.extensions import db

BEFORE = "f17d2e9a4c61"


def _tables(app) -> set[str]:
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    return names


def test_the_heartbeat_table_comes_and_goes_with_its_migration(app):
    empty_database(app)
    init_db(app)
    assert "scheduler_heartbeat" in _tables(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
    assert "scheduler_heartbeat" not in _tables(app)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert "scheduler_heartbeat" in _tables(app)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
