"""The migration that began keeping counts (f1a2c3d4e5b6) makes them from the rows already
there exactly as the app keeps them: each entry's checking_open and the level counts."""

from factories import empty_database, migrate, rows
from sqlalchemy import text

from assessment_app.extensions import db

BEFORE = "f19c4a7e2b15"  # the revision before the counts were kept

CHECKING = text("SELECT id, checking_open FROM entry ORDER BY id")
LEVELS = text("SELECT window_id, marker_id, npq_code, rubric_version, criterion_id, level_id, n "
              "FROM level_count WHERE n > 0 ORDER BY 1, 2, 3, 4, 5, 6")


def test_the_upgrade_makes_the_counts_the_app_keeps(app):
    empty_database(app)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        checking, levels = rows(CHECKING), rows(LEVELS)
        db.engine.dispose()
    assert {bool(open_) for _, open_ in checking} == {True, False} and levels
    migrate(app, "downgrade", BEFORE)
    migrate(app, "upgrade")
    with app.app_context():
        assert [(i, bool(o)) for i, o in rows(CHECKING)] == [(i, bool(o)) for i, o in checking]
        assert rows(LEVELS) == levels
        db.engine.dispose()
