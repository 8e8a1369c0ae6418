"""An operation's time limit, enforced in Python and in the database.

While an operation runs, its deadline lives in a context variable of the worker thread
that runs it. Resolvers check it between fields (api/graphql/execution.py); every database
transaction begun meanwhile is bounded too, so one slow statement cannot outlive it:
PostgreSQL gets `SET LOCAL statement_timeout`, SQLite a progress handler that interrupts
the statement once the deadline has passed."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.core.errors import CodedError
from api.core.i18n import N_

TIMEOUT_MESSAGE = N_(
    "This operation took too long and was stopped; nothing it changed was saved. "
    "Ask for less at once."
)
# SQLite calls the progress handler every this many virtual machine instructions.
SQLITE_PROGRESS_STEPS = 10_000

_deadline: ContextVar[float | None] = ContextVar("aidbridge_deadline", default=None)
_bounded_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
_lock = threading.Lock()
clock = time.monotonic


class OperationTimeoutError(CodedError):
    """The operation ran past its deadline: reported as TIMEOUT, its work rolled back."""

    def __init__(self) -> None:
        super().__init__("TIMEOUT", TIMEOUT_MESSAGE)


@contextmanager
def deadline(at: float, engine: Engine) -> Iterator[None]:
    """Run the block under a deadline (a `clock()` reading) for Python and `engine`."""
    bound_transactions(engine)
    previous = _deadline.get()
    _deadline.set(at)
    try:
        yield
    finally:
        # Not `reset(token)`: a generator that holds this block may be closed by the
        # garbage collector in another context, where the token is not valid.
        _deadline.set(previous)


def seconds_left() -> float | None:
    """Seconds until the current deadline (at least 0), None outside one."""
    at = _deadline.get()
    return None if at is None else max(0.0, at - clock())


def past_deadline() -> bool:
    at = _deadline.get()
    return at is not None and clock() > at


def check_deadline() -> None:
    if past_deadline():
        raise OperationTimeoutError


def bound_transactions(engine: Engine) -> None:
    """Bound every transaction `engine` begins under a deadline (once per engine)."""
    if engine in _bounded_engines:
        return
    with _lock:
        if engine not in _bounded_engines:
            event.listen(engine, "begin", bound_connection)
            _bounded_engines.add(engine)


def bound_connection(connection: sa.Connection) -> None:
    """Apply the current deadline, if any, to the transaction `connection` is in."""
    at = _deadline.get()
    if at is None:
        return
    if connection.dialect.name == "postgresql":
        remaining = max(1, int((at - clock()) * 1000))
        # On the driver's cursor: a setting of the transaction, not one of the statements
        # the application's own queries are counted by (and no event fires for it).
        cursor = connection.connection.cursor()
        try:
            cursor.execute(f"SET LOCAL statement_timeout = {remaining}")
        finally:
            cursor.close()
    elif connection.dialect.name == "sqlite":
        raw: Any = connection.connection.driver_connection
        raw.set_progress_handler(_interrupt_past_deadline, SQLITE_PROGRESS_STEPS)


def _interrupt_past_deadline() -> int:
    # Non-zero interrupts the statement (sqlite3.OperationalError: interrupted). The
    # handler stays on the pooled connection and does nothing outside a deadline.
    return 1 if past_deadline() else 0
