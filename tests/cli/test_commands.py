"""The command-line tasks: init-db through the migrations, seed-demo, create-user."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from factories import empty_database, init_db
from sqlalchemy import inspect, text

from assessment_app.extensions import db
from assessment_app.models import (
    AccessArrangement,
    Allocation,
    AssessmentWindow,
    DefinitiveScript,
    EcClaim,
    Entry,
    Mark,
    Npq,
    OutcomeAmendment,
    ReviewRequest,
    Seed,
    SeedPurpose,
    User,
)


def test_init_db_builds_exactly_the_models_schema_through_the_migrations(app):
    """The migrations and the models agree: nothing left for autogenerate to add or change."""
    empty_database(app)
    init_db(app)
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, db.metadata)
                     if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
        assert diffs == []
        assert db.session.query(Npq).count() == 10
        assert "alembic_version" in inspect(db.engine).get_table_names()
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def test_seed_demo_prints_the_accounts_and_can_run_twice(app):
    empty_database(app)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo-password-2026" in first.output
    assert "admin@example.org" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert User.query.count() == 16
        assert AssessmentWindow.query.count() == 4
        assert Entry.query.count() == 11
        # The marker's demo queue, a marked pass, and two fails marked twice (every allocation
        # an entry's); seeds and qualification sets apart, each with its own mark.
        assert Allocation.query.count() == 8
        assert Allocation.query.filter(Allocation.entry_id.is_(None)).count() == 0
        assert Mark.query.filter(Mark.seed_id.is_not(None)).count() == 10
        assert Seed.query.filter_by(purpose=SeedPurpose.QUALIFICATION).count() == 9
        assert Seed.query.filter_by(purpose=SeedPurpose.LIVE).count() == 3
        assert DefinitiveScript.query.filter(DefinitiveScript.source_entry_id.is_not(None)).count() == 1
        assert EcClaim.query.count() == 1
        # Amended rows in the DfE return: a late EC decision, and a review of marking.
        assert OutcomeAmendment.query.count() == 2
        assert [r.status.value for r in ReviewRequest.query.order_by(ReviewRequest.id)] == [
            "completed", "requested"]
        alex = Entry.query.join(Entry.participant).filter_by(email="alex.morgan@example.org").one()
        assert alex.extended_closes_at is not None  # the access arrangement, applied at entry
        assert AccessArrangement.query.count() == 1
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_create_user_hashes_the_password(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "New@Example.org", "--name", "New Admin", "--role", "admin",
        "--password", "a-long-password",
    ])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User.query.filter_by(email="new@example.org").one()
        assert user.check_password("a-long-password")


def test_the_demo_shows_definitive_scripts_a_qualified_marker_and_one_flagged_for_drift(app):
    from assessment_app.services import standardisation
    from assessment_app.standardisation import Standing

    empty_database(app)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        window = AssessmentWindow.query.filter_by(name="Summer 2026 (demo, being marked)").one()
        assert len(standardisation.definitive_scripts(window)) == 5
        standing = {r.marker.email: r.standing for r in standardisation.records(window).values()}
        assert standing["marker@example.org"] is Standing.LIVE
        assert standing["marker2@example.org"] is Standing.FLAGGED
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
