"""The audit log is append-only, in two layers.

In the application, SQLAlchemy events refuse to flush a changed or deleted `AuditEvent`
and refuse bulk UPDATE/DELETE statements on `audit_event` run through a session. In the
database, triggers (migration 0002) refuse UPDATE and DELETE from any client at all.

Neither layer stops PostgreSQL's TRUNCATE, which fires no row triggers: emptying the whole
table is a deliberate maintenance act (test clean-up, a retention purge), not an edit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

TABLE = "audit_event"
MESSAGE = f"{TABLE} is append-only"


class AppendOnlyError(RuntimeError):
    """Code tried to change or delete a recorded audit event."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{MESSAGE}: refusing to {action} audit events")


def guard_audit_events(model: type) -> None:
    """Refuse to flush a changed or deleted row of `model` (the `AuditEvent` table)."""
    assert model.__tablename__ == TABLE  # type: ignore[attr-defined]
    event.listen(model, "before_update", _refuse_update)
    event.listen(model, "before_delete", _refuse_delete)


def _refuse_update(mapper: Any, connection: Any, target: Any) -> None:
    raise AppendOnlyError("update")


def _refuse_delete(mapper: Any, connection: Any, target: Any) -> None:
    raise AppendOnlyError("delete")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == TABLE:
        raise AppendOnlyError("update" if state.is_update else "delete")


@contextmanager
def append_only_triggers_lifted(connection: sa.Connection) -> Iterator[None]:
    """Lift the database triggers on `audit_event` inside the caller's transaction.

    Maintenance only. SQLite has no TRUNCATE and no way to switch triggers off, so they are
    dropped and then recreated from their own stored SQL; PostgreSQL disables and enables
    them. Both are transactional: no other connection sees the table unguarded, and a
    rollback restores the triggers.
    """
    if connection.dialect.name == "sqlite":
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            (TABLE,),
        ).all()
        for name, _ in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in triggers:
            connection.exec_driver_sql(sql)
    else:
        connection.exec_driver_sql(f'ALTER TABLE "{TABLE}" DISABLE TRIGGER USER')
        yield
        connection.exec_driver_sql(f'ALTER TABLE "{TABLE}" ENABLE TRIGGER USER')
