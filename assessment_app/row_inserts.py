"""Rows of several tables written as plain values in one statement, nothing read back.

A submission writes three rows (the version, its audit row and its receipt email) that do not
depend on each other. On PostgreSQL they go as one INSERT, the others as data-modifying WITH
clauses, which PostgreSQL runs whether or not the statement reads them: one statement for the
driver, SQLAlchemy and the server to handle rather than three. Other databases (SQLite, which
has no data-modifying WITH) get one INSERT each.
"""

from functools import cache

from sqlalchemy import Table, bindparam

from .extensions import db


def insert_together(*rows: tuple[Table, dict]) -> None:
    """INSERT each (table, row) in the session's transaction."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for table, row in rows:
            connection.execute(_insert(table), row)
        return
    connection.execute(_together(tuple((table, tuple(row)) for table, row in rows)),
                       {_name(table, key): value for table, row in rows
                        for key, value in row.items()})


@cache
def _insert(table: Table):
    return table.insert().inline()  # inline: no RETURNING of the new id


@cache
def _together(shape: tuple[tuple[Table, tuple[str, ...]], ...]):
    """The last table's INSERT, with the others' as CTEs (built once per tables and columns)."""
    *others, last = [
        _insert(table).values({key: bindparam(_name(table, key), type_=table.c[key].type)
                               for key in keys})
        for table, keys in shape]
    return last.add_cte(*(insert.cte(f"{insert.table.name}_row") for insert in others))


def _name(table: Table, key: str) -> str:
    return f"{table.name}__{key}"
