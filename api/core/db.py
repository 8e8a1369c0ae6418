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
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate_if_writing)
    else:
        if "poolclass" not in kwargs:
            kwargs = {"pool_size": 10, "max_overflow": 10, **kwargs}
        engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_nul_characters)
    track_writes(engine)  # the response cache's generations (api/core/cache_generations.py)
    return engine


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
    """A session; `write=True` takes SQLite's write lock at BEGIN (no-op elsewhere)."""
    session = Session(engine, expire_on_commit=False)
    if write and engine.dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": True})
    return session


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
