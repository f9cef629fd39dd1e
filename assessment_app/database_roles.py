"""Two PostgreSQL roles: the owner, which owns the schema and runs the migrations, and the
runtime role the app connects with, which may read and write the tables but only INSERT and
SELECT the audit trail. Only a table's owner can drop its triggers or disable them, so the
append-only trigger on audit_event holds against the running app itself (README, "Production
deployment").
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

AUDIT_TABLE = "audit_event"


def grant_runtime_role(conn: Connection, role: str, job_table: str) -> list[str]:
    """Grant `role` what the running app needs, run as the schema's owner (after every
    migration: new tables are covered by the default privileges too). Returns the statements."""
    quote = conn.dialect.identifier_preparer.quote
    name, database = quote(role), quote(conn.execute(text("SELECT current_database()")).scalar())
    statements = [
        f"GRANT CONNECT ON DATABASE {database} TO {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name}",
        # The audit trail: added to and read, never changed, removed or emptied.
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {name}",
        # Tables a later migration adds (made by this same owner).
        ("ALTER DEFAULT PRIVILEGES IN SCHEMA public "
         f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}"),
        ("ALTER DEFAULT PRIVILEGES IN SCHEMA public "
         f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {name}"),
    ]
    _make_job_table(conn, job_table)  # before the grants, so they cover it
    for statement in statements:
        conn.execute(text(statement))
    return statements


def _make_job_table(conn: Connection, job_table: str) -> None:
    """The scheduler's job table, made here by the owner: the runtime role cannot create
    tables, and the scheduler then finds it made."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    SQLAlchemyJobStore(engine=conn.engine, tablename=job_table).jobs_t.create(conn,
                                                                             checkfirst=True)
