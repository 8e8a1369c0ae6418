"""Conditions written so both planners can walk the partial indexes of public rows.

A partial index (`sqlite_where` / `postgresql_where`) is only used when the statement's
WHERE clause implies the index's own condition, which a planner proves from the statement
text: a bound parameter proves nothing (PostgreSQL's generic plans, SQLite always). So the
constant part of a visibility condition (public statuses, VERIFIED) is written into the
statement as literals with `constants` / `constant`; values a caller chose stay bound.

SQLite, without statistics (ANALYZE has not run on most embedded databases), takes any
`status IN (...)` on an indexed column for a few rows and prefers searching that index and
sorting what it finds over walking an index in the list's order and stopping at the page
size. `likely` says what is true: the condition holds for most rows. SQLite sees through
`likely()` when it matches a partial index's condition; other dialects get the bare
condition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def constants(values: Iterable[str]) -> sa.BindParameter[Any]:
    """A list of constants for `IN`, written into the statement (not bound), in order."""
    return sa.bindparam(
        "constants",
        list(values),
        unique=True,
        expanding=True,
        literal_execute=True,
        type_=sa.String(),
    )


def constant(value: str) -> sa.BindParameter[Any]:
    """One constant for a comparison, written into the statement (not bound)."""
    return sa.literal(value, type_=sa.String(), literal_execute=True)


class unindexed(FunctionElement[Any]):  # noqa: N801 (reads like a column)
    """`column` in a condition that SQLite must check on the rows an ordered index walk
    reaches, not search an index by (`+column`): without statistics it takes any indexed
    equality for a few rows, and searching, then sorting every match, grows with the
    data. PostgreSQL, which estimates from statistics, gets the bare column."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _bare_column(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _sqlite_unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class likely(FunctionElement[bool]):  # noqa: N801 (named like the SQL function)
    """`condition`, marked as true for most rows (SQLite's `likely()`)."""

    type = sa.Boolean()
    inherit_cache = True
    name = "likely"
    # A condition already: no `= 1` after it where booleans are integers (SQLite), which
    # would hide the condition from the partial index it matches.
    _is_implicitly_boolean = True


@compiles(likely)
def _bare(element: likely, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(likely, "sqlite")
def _sqlite_likely(element: likely, compiler: Any, **kw: Any) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"
