"""A generation number per table, bumped after every committed write to it: how the
response cache (api/graphql/response_cache.py) knows, across processes and replicas, that
an answer it keeps may no longer be what the database says.

Every engine made by `create_db_engine` is tracked: each statement is read for the
tables it writes (INSERT, UPDATE, DELETE, TRUNCATE, DDL), and when the connection goes
back to the pool, after its transaction ended, those tables' rows of `cache_generation`
are bumped in one short statement of their own. Writers therefore never hold a hot row
inside their transactions, and a reader that saw a generation before it ran can tell
whether anything it read was written since. The CLI commands, the payment webhook and
the server's campaign closer go through the same engines, so they bump too.

A generation is the larger of the previous one plus one and the current time in
microseconds: it only grows, even when the table is emptied (tests truncate every table)
or a database is restored from an older backup. A missing row reads as 0.

The statements themselves are bumped and read on the driver's connection, outside
SQLAlchemy's events, so they are not counted as the application's statements."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Column, event
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

log = logging.getLogger("aidbridge.cache")

TABLE = "cache_generation"
# Tables whose rows never reach an answer: reading or writing them changes nothing.
IGNORED_TABLES = frozenset({TABLE, "rate_limit_counter", "alembic_version"})
# Tables written often that no anonymous answer reads (sessions, reset links, replayed
# mutations, the audit trail): not bumped, so a read that touches one is not cached.
UNBUMPED_TABLES = frozenset(
    {"access_token", "password_reset_token", "idempotency_key", "audit_event"}
)
_PENDING = "aidbridge.cache.pending_writes"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WRITE_TARGET = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM"
    r"|MERGE\s+INTO)\s+(?:ONLY\s+)?\"?([A-Za-z_][A-Za-z0-9_]*)",
    re.IGNORECASE,
)
# Statements that may change any table they name.
_SCHEMA_CHANGE = re.compile(r"\s*(?:CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)
_STATEMENT_CACHE_SIZE = 4096


class CacheGeneration(SQLModel, table=True):
    """One row per table that was ever written: its generation (see the module)."""

    __tablename__ = TABLE

    table_name: str = Field(primary_key=True, max_length=100)
    generation: int = Field(sa_column=Column(BigInteger, nullable=False))


@dataclass(frozen=True)
class Touched:
    """The tables one statement reads (every table it names) and writes."""

    reads: frozenset[str]
    writes: frozenset[str]


class _Analyser:
    """Statements to the tables they touch, remembered per statement text (SQLAlchemy
    sends the same few texts over and over). The known tables are those of
    SQLModel.metadata, read again when models are added."""

    def __init__(self) -> None:
        self._known: frozenset[str] = frozenset()
        self._cascades: dict[str, frozenset[str]] = {}
        self._seen: dict[str, Touched] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        tables = SQLModel.metadata.tables
        if len(tables) != len(self._known):
            with self._lock:
                self._known = frozenset(name.lower() for name in tables)
                self._cascades = _cascades(tables)
                self._seen = {}

    def touched(self, statement: str) -> Touched:
        self._refresh()
        found = self._seen.get(statement)
        if found is None:
            found = self._analyse(statement)
            if len(self._seen) >= _STATEMENT_CACHE_SIZE:
                self._seen = {}
            self._seen[statement] = found
        return found

    def _analyse(self, statement: str) -> Touched:
        known = self._known
        named = frozenset(
            word.lower() for word in _IDENTIFIER.findall(statement) if word.lower() in known
        )
        if _SCHEMA_CHANGE.match(statement):
            writes = named
        else:
            writes = frozenset(
                target.lower()
                for target in _WRITE_TARGET.findall(statement)
                if target.lower() in known
            )
        for table in list(writes):
            writes |= self._cascades.get(table, frozenset())
        return Touched(named - IGNORED_TABLES, writes - IGNORED_TABLES)


def _cascades(tables: Any) -> dict[str, frozenset[str]]:
    """For each table, the tables a delete or update of its rows changes through
    `ON DELETE` / `ON UPDATE` actions of foreign keys, transitively."""
    direct: dict[str, set[str]] = {}
    for table in tables.values():
        for key in table.foreign_keys:
            if key.ondelete or key.onupdate:
                direct.setdefault(key.column.table.name, set()).add(table.name)
    closed: dict[str, frozenset[str]] = {}
    for name in direct:
        seen: set[str] = set()
        pending = list(direct[name])
        while pending:
            child = pending.pop()
            if child not in seen:
                seen.add(child)
                pending.extend(direct.get(child, ()))
        closed[name] = frozenset(seen)
    return closed


_analyser = _Analyser()


def touched_tables(statement: str) -> Touched:
    return _analyser.touched(statement)


@dataclass
class ReadRecord:
    """What one operation's statements touched, gathered while it runs (see `recording`)."""

    tables: set[str] = field(default_factory=set)
    wrote: bool = False

    @property
    def cacheable(self) -> bool:
        """Nothing written, and nothing read that writes do not bump."""
        return not self.wrote and not (self.tables & UNBUMPED_TABLES)


_recording: ContextVar[ReadRecord | None] = ContextVar("aidbridge_cache_reads", default=None)


@contextmanager
def recording() -> Iterator[ReadRecord]:
    """Record the tables the statements of this context (and of the worker threads it
    starts, which copy it) touch."""
    record = ReadRecord()
    token = _recording.set(record)
    try:
        yield record
    finally:
        _recording.reset(token)


def track_writes(engine: Engine) -> None:
    """Bump the generations of what `engine`'s connections write, once they are back in
    the pool, and record the tables a `recording()` context reads."""
    bump = _Bumper(engine.dialect.name)

    def on_statement(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        touched = _analyser.touched(statement)
        if touched.writes:
            conn.info.setdefault(_PENDING, set()).update(touched.writes)
        record = _recording.get()
        if record is not None:
            record.tables |= touched.reads
            if touched.writes:
                record.wrote = True

    def on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
        # The transaction is over (committed or rolled back): bump what it wrote. A
        # rolled-back write bumps too, which only costs a cached answer.
        written = connection_record.info.pop(_PENDING, None) if connection_record else None
        if written:
            bump(dbapi_connection, written - UNBUMPED_TABLES)

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "checkin", on_checkin)


class _Bumper:
    """Bumps on the driver's connection: one upsert, its own transaction. Tables it
    could not bump (a lost connection, a table not migrated yet) are owed and bumped
    with the next write of this process."""

    def __init__(self, dialect: str) -> None:
        self.placeholder = "?" if dialect == "sqlite" else "%s"
        self._owed: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, dbapi_connection: Any, tables: Collection[str]) -> None:
        with self._lock:
            wanted = sorted({*tables, *self._owed})  # one order: no deadlock between writers
            self._owed.clear()
        if not wanted:
            return
        try:
            if dbapi_connection is None:
                raise RuntimeError("connection invalidated")
            _execute_bump(dbapi_connection, wanted, self.placeholder)
        except Exception:
            log.warning("could not bump cache generations of %s", wanted, exc_info=True)
            with self._lock:
                self._owed.update(wanted)


def _execute_bump(dbapi_connection: Any, tables: list[str], placeholder: str) -> None:
    now = time.time_ns() // 1000
    values = ", ".join(f"({placeholder}, {placeholder})" for _ in tables)
    statement = (
        f"INSERT INTO {TABLE} (table_name, generation) VALUES {values} "  # noqa: S608
        "ON CONFLICT (table_name) DO UPDATE SET generation = CASE "
        f"WHEN {TABLE}.generation + 1 > excluded.generation THEN {TABLE}.generation + 1 "
        "ELSE excluded.generation END"
    )
    parameters = [item for table in tables for item in (table, now)]
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement, parameters)
        dbapi_connection.commit()
    except Exception:
        dbapi_connection.rollback()
        raise
    finally:
        cursor.close()


def current_generations(engine: Engine, tables: Collection[str] | None = None) -> dict[str, int]:
    """The generations of `tables` (of every table when None) as committed now; a table
    never bumped is absent (it counts as 0)."""
    if tables is not None and not tables:
        return {}
    placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
    statement = f"SELECT table_name, generation FROM {TABLE}"  # noqa: S608
    parameters: list[str] = []
    if tables is not None:
        parameters = sorted(tables)
        statement += f" WHERE table_name IN ({', '.join(placeholder for _ in parameters)})"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement, parameters)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which ends the read transaction
    return {str(name): int(generation) for name, generation in rows}
