"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.core.cache_generations import track_writes
from api.core.deadline import bound_transactions
from api.core.errors import ErrorCode, coded_error


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps are stored and returned in UTC, also on SQLite, which drops the offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a pre-pinged pool.
    Both refuse text with a NUL character (see `_refuse_nul_characters`)."""
    if url.startswith("sqlite"):
        if "poolclass" not in kwargs and _is_file(url):
            # Connections to a file are cheap, and the write lock, not the pool, is what
            # writers queue on: every worker thread (40 in anyio's pool, each with a
            # read, a write and a rate-limit connection at most) gets one at once rather
            # than waiting 30 s and failing with an internal error.
            kwargs = {"pool_size": 10, "max_overflow": 110, **kwargs}
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate_if_writing)
    else:
        if "poolclass" not in kwargs and _is_file(url):
            kwargs = {"pool_size": 10, "max_overflow": 10, **kwargs}
        engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_nul_characters)
    track_writes(engine)  # the response cache's generations (api/core/cache_generations.py)
    # Now rather than at the first operation: adding the listener while other threads
    # begin transactions on the engine fails them ("deque mutated during iteration").
    bound_transactions(engine)
    return engine


def _is_file(url: str) -> bool:
    """A SQLite database in a file (pooled by a QueuePool), not in memory."""
    database = sa.make_url(url).database
    return bool(database) and database != ":memory:" and "mode=memory" not in url


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_nul_characters(
    conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
) -> None:
    """PostgreSQL cannot store or even compare text with a NUL character (psycopg raises
    DataError, an unexpected error), and no field of this API means one: any string
    reaching the database with one, from an argument or from inside a global ID, is the
    caller's bad input on both backends."""
    if _has_nul(parameters):
        raise coded_error(ErrorCode.INVALID, reported_as="BAD_USER_INPUT")


def _has_nul(value: Any) -> bool:
    """A NUL, or a lone surrogate (JSON's and GraphQL's `\\udc00` escapes make one; no
    driver can encode it: psycopg raises, SQLite stores garbage)."""
    if isinstance(value, str):
        return "\x00" in value or (not value.isascii() and _SURROGATE.search(value) is not None)
    if isinstance(value, dict):
        return any(_has_nul(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN so transactions are real.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate_if_writing(connection: sa.Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the
    # busy timeout instead of failing with "database is locked" on upgrade.
    if connection.get_execution_options().get("sqlite_immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


def open_session(engine: Engine, *, write: bool = False) -> Session:
    """A session; `write=True` takes SQLite's write lock at BEGIN (no-op elsewhere).

    SQLite has one write lock for the whole file, and a write session holds it from its
    first statement to its commit: nothing slow may happen in one (no Argon2, no picture
    encoding). Such work reads what it needs in a `read_session` first (see
    api/graphql/mutations.py `prepare`), and the write session re-checks it."""
    session = Session(engine, expire_on_commit=False)
    if write and engine.dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": True})
    return session


class ReadOnlySession(Session):
    """A session for reading only: a deferred transaction, which on SQLite (WAL) takes no
    lock and waits for no writer, and is never committed. Flushing a change raises, so a
    write cannot slip into it and be lost (or, on SQLite, upgrade the lock mid-way, which
    fails at once with "database is locked" instead of waiting)."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read session does not write: use the operation's session")


def read_session(engine: Engine) -> Session:
    """A `ReadOnlySession` on `engine`."""
    return ReadOnlySession(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back otherwise."""
    with open_session(engine, write=True) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
