"""Several statements and their COMMIT sent to PostgreSQL in one round trip (psycopg's
pipeline mode).

A submission ends with the statement of its three rows, whose results nobody reads (the
version, its audit row and its receipt email: row_inserts.py), and its COMMIT. One at a time
those are two waits for the database; pipelined they are one. Other databases (SQLite) run the
same statements one after another, then commit.
"""

from contextlib import contextmanager, suppress

from sqlalchemy.exc import DBAPIError

from .extensions import db


@contextmanager
def committed_in_one_round_trip():
    """Run the block's statements and commit the session's transaction with them. Only for
    statements whose results are not read (reading one would wait for it), and with nothing
    of the ORM's left to flush after them (it is flushed before, into the same transaction).
    An error in any statement is raised at the end of the block, with everything rolled back."""
    db.session.flush()
    driver = db.session.connection().connection.driver_connection
    pipeline = getattr(driver, "pipeline", None)  # psycopg 3; sqlite3 has none
    if pipeline is None:
        yield
        db.session.commit()
        return
    driver_error = db.session.get_bind().dialect.loaded_dbapi.Error
    try:
        with pipeline():
            yield
            # The COMMIT is queued as one more statement, so leaving the pipeline (which sends
            # its one Sync and reads every result) is the block's only round trip: the
            # driver's commit() would sync on its own, then the pipeline's exit again. (The
            # session's own commit below then finds the transaction ended: nothing to send,
            # and its connection goes back to the pool out of pipeline mode.)
            driver.execute("COMMIT", prepare=False)
    except Exception as error:
        # A statement that failed in a pipeline makes the server skip the rest, the COMMIT
        # too, so the transaction is left aborted rather than ended: end it here.
        with suppress(driver_error):
            driver.rollback()
        if isinstance(error, driver_error):  # raised as SQLAlchemy raises it elsewhere
            raise DBAPIError.instance("COMMIT", None, error, driver_error) from error
        raise
    db.session.commit()
