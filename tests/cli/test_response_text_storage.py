"""On PostgreSQL, response texts are compressed with lz4 (when the server has it), in tables
built by create_all and by the migrations alike; other columns keep the server's default."""

import pytest
from factories import empty_database, init_db
from sqlalchemy import text

from assessment_app.extensions import db
from assessment_app.models.responses import RESPONSE_TEXT_COLUMNS

_COMPRESSION = text("SELECT attcompression FROM pg_attribute "
                    "WHERE attrelid = CAST(:table AS regclass) AND attname = :column")


def _postgresql_with_lz4():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    with db.engine.connect() as conn:
        methods = conn.execute(text("SELECT enumvals FROM pg_settings "
                                    "WHERE name = 'default_toast_compression'")).scalar()
    if not methods or "lz4" not in methods:
        pytest.skip("this PostgreSQL server was built without lz4")


def _compression(table: str, column: str) -> str:
    with db.engine.connect() as conn:
        return conn.execute(_COMPRESSION, {"table": table, "column": column}).scalar_one()


def _assert_lz4_on_response_texts_only():
    assert {_compression(*c) for c in RESPONSE_TEXT_COLUMNS} == {"l"}
    assert _compression("outbox_message", "body") == ""  # the server's default


def test_tables_built_by_create_all_compress_response_texts_with_lz4(ctx):
    _postgresql_with_lz4()
    _assert_lz4_on_response_texts_only()


def test_the_migrations_set_the_same_compression(app):
    with app.app_context():
        _postgresql_with_lz4()
    empty_database(app)
    init_db(app)
    with app.app_context():
        _assert_lz4_on_response_texts_only()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))


def test_a_response_stored_with_lz4_reads_back_whole(ctx, clock):
    """A long text is compressed with lz4 and comes back byte for byte."""
    _postgresql_with_lz4()
    from datetime import UTC, datetime

    from factories import make_entry, make_window

    from assessment_app.models import Draft

    clock.at(datetime(2026, 11, 1, tzinfo=UTC))  # entered before the test window's deadline
    entry = make_entry(make_window())
    written = "Evidence-informed practice, in the classroom. " * 400  # about 18 KB
    db.session.add(Draft(entry_id=entry.id, text=written, word_count=2400))
    db.session.commit()
    with db.engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT text, pg_column_compression(text) FROM draft WHERE entry_id = :id"),
            {"id": entry.id}).one()
    assert stored == (written, "lz4")
