"""Views whose every write is one self-checking statement, run without BEGIN and COMMIT.

Autosave is the request a whole cohort sends every 15 seconds. Its only write is one guarded
upsert, atomic by itself, so wrapping it in a transaction only adds two round trips (BEGIN and
COMMIT) to each save. Under AUTOCOMMIT each statement is its own transaction; SQLAlchemy puts
the connection back to the usual isolation level when it returns to the pool.
"""

from functools import wraps

from .extensions import db


def each_statement_commits(view):
    """Run the view with the connection in autocommit mode. Only for views that never need
    two statements to stand or fall together."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapped
