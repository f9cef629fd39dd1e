"""The migration that gave seeds a table of their own (f16c4e8a2b37) moves existing rows both
ways: a seed's queue state and its mark (with its judgements) go from its allocation to the
seed, the seeds' allocations go, and every allocation left has an entry; downgrading puts them
back."""

from factories import empty_database, migrate, rows
from sqlalchemy import text

from assessment_app.extensions import db

BEFORE = "f16b5d1a7c32"  # the revision before the seeds moved

SEEDS = text("SELECT s.id, s.marker_id, s.candidate_number, s.status, s.returned_at, "
             "s.return_reason, m.outcome, m.submitted_at FROM seed_script s "
             "LEFT JOIN mark m ON m.seed_id = s.id ORDER BY s.id")
SEED_JUDGEMENTS = text("SELECT m.seed_id, j.criterion_id, j.level_id FROM judgement j "
                       "JOIN mark m ON m.id = j.mark_id WHERE m.seed_id IS NOT NULL "
                       "ORDER BY m.seed_id, j.criterion_id")
LIVE = text("SELECT id, entry_id, version_id, marker_id, role, status FROM allocation "
            "ORDER BY id")
OLD_SEEDS = text("SELECT s.id, s.marker_id, s.candidate_number, a.status, a.returned_at, "
                 "a.return_reason, m.outcome, m.submitted_at FROM seed_script s "
                 "JOIN allocation a ON a.id = s.allocation_id "
                 "LEFT JOIN mark m ON m.allocation_id = a.id ORDER BY s.id")
OLD_SEED_JUDGEMENTS = text("SELECT s.id, j.criterion_id, j.level_id FROM judgement j "
                           "JOIN mark m ON m.id = j.mark_id "
                           "JOIN seed_script s ON s.allocation_id = m.allocation_id "
                           "ORDER BY s.id, j.criterion_id")
OLD_LIVE = text("SELECT id, entry_id, version_id, marker_id, role, status FROM allocation "
                "WHERE entry_id IS NOT NULL ORDER BY id")


def test_seeds_and_their_marks_move_to_their_own_table_and_back(app):
    empty_database(app)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        seeds, judgements, live = rows(SEEDS), rows(SEED_JUDGEMENTS), rows(LIVE)
        db.engine.dispose()
    assert len(seeds) == 12 and sum(row[6] is not None for row in seeds) == 10
    assert judgements and all(row[1] is not None and row[2] is not None for row in live)

    migrate(app, "downgrade", BEFORE)
    with app.app_context():
        assert rows(OLD_SEEDS) == seeds
        assert rows(OLD_SEED_JUDGEMENTS) == judgements
        assert rows(OLD_LIVE) == live
        assert rows(text("SELECT COUNT(*) FROM allocation WHERE entry_id IS NULL")) == [(12,)]
        db.engine.dispose()

    migrate(app, "upgrade")
    with app.app_context():
        assert rows(SEEDS) == seeds
        assert rows(SEED_JUDGEMENTS) == judgements
        assert rows(LIVE) == live
        assert rows(text("SELECT COUNT(*) FROM mark WHERE (allocation_id IS NULL) = "
                          "(seed_id IS NULL)")) == [(0,)]
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
