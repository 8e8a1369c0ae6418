"""The ledger is append-only, in two layers, like the audit log (api/audit/guard.py).

In the application, SQLAlchemy events refuse to flush a changed or deleted ledger row and
refuse bulk UPDATE/DELETE statements on the ledger tables run through a session. In the
database, triggers (migration 0003) refuse UPDATE and DELETE from any client at all. A
wrong entry is corrected by posting a reversing transaction.

PostgreSQL's TRUNCATE fires no row triggers: emptying the ledger is a deliberate
maintenance act (test clean-up), not an edit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from api.ledger.models import LEDGER_TABLES, LedgerAccount, LedgerEntry, LedgerTransaction


class LedgerAppendOnlyError(RuntimeError):
    """Code tried to change or delete a recorded ledger row."""

    def __init__(self, table: str, action: str) -> None:
        super().__init__(f"{table} is append-only: refusing to {action} ledger rows")


def _refuse(action: str) -> Any:
    def listener(mapper: Any, connection: Any, target: Any) -> None:
        raise LedgerAppendOnlyError(type(target).__tablename__, action)

    return listener


for _model in (LedgerAccount, LedgerTransaction, LedgerEntry):
    event.listen(_model, "before_update", _refuse("update"))
    event.listen(_model, "before_delete", _refuse("delete"))


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in LEDGER_TABLES:
        raise LedgerAppendOnlyError(table, "update" if state.is_update else "delete")


@contextmanager
def ledger_triggers_lifted(connection: sa.Connection) -> Iterator[None]:
    """Lift the database triggers on the ledger tables inside the caller's transaction.

    Maintenance only (the tests' SQLite clean-up). SQLite triggers are dropped and then
    recreated from their own stored SQL; PostgreSQL disables and enables them. Both are
    transactional: a rollback restores the triggers."""
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in LEDGER_TABLES)
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "  # noqa: S608  (placeholders only)
            f"WHERE type = 'trigger' AND tbl_name IN ({marks})",
            LEDGER_TABLES,
        ).all()
        for name, _ in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in triggers:
            connection.exec_driver_sql(sql)
    else:
        for table in LEDGER_TABLES:
            connection.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        for table in LEDGER_TABLES:
            connection.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
