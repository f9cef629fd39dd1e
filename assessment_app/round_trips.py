"""Several statements sent to PostgreSQL in one round trip (psycopg's pipeline mode).

A submission ends with two INSERTs whose results nobody reads (its audit row and its receipt
email) and its COMMIT. One at a time those are three waits for the database; pipelined they are
one. Other databases (SQLite) run the same statements one after another.
"""

from contextlib import contextmanager

from .extensions import db


@contextmanager
def one_round_trip():
    """Send the statements run inside as one pipeline, synced when the block ends (or at a
    COMMIT inside it). Only for statements whose results are not read: reading one would wait
    for it anyway. An error in any of them is raised at the sync, and rolls back as usual."""
    driver = db.session.connection().connection.driver_connection
    pipeline = getattr(driver, "pipeline", None)  # psycopg 3; sqlite3 has none
    if pipeline is None:
        yield
        return
    try:
        with pipeline():
            yield
    except Exception:
        # A statement that failed in a pipeline makes the server skip the rest, the COMMIT
        # too, so the transaction is left aborted rather than ended (SQLAlchemy would hand the
        # connection back to its pool that way): end it here.
        driver.rollback()
        raise
