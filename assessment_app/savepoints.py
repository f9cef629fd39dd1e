"""SAVEPOINTs that behave alike on PostgreSQL and SQLite.

A service that must undo only its own row (a race lost on a unique key) writes it under a
savepoint, so the caller's transaction, which the caller commits, goes on. pysqlite opens
SQLite's transaction only before a write, so a SAVEPOINT sent first would open it instead, and
its RELEASE would commit everything done so far: the transaction is opened first here.
"""

import sqlite3
from contextlib import contextmanager

from .extensions import db


@contextmanager
def savepoint():
    """db.session.begin_nested(), inside the session's transaction on every database."""
    driver = db.session.connection().connection.driver_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        driver.execute("BEGIN")
    with db.session.begin_nested():
        yield


class _Undone(Exception):
    """Raised inside a trial's savepoint to roll it back."""


def refusal_of(action, refused: type[Exception]) -> str | None:
    """Try `action` under a savepoint and undo it, whatever it did: the message of the refusal
    it raises, or None if it would go through. A check page is shown only for an action that
    would go through, so its refusal comes back on the form, with what was typed."""
    try:
        with savepoint():
            action()
            raise _Undone
    except _Undone:
        return None
    except refused as problem:
        return str(problem)
