"""The ledger is append-only, in two layers, like the audit log (api/audit/guard.py).

In the application, SQLAlchemy events refuse to flush a changed or deleted ledger row and
refuse bulk UPDATE/DELETE statements on the ledger tables run through a session. In the
database, triggers (migration 0003) refuse UPDATE and DELETE from any client at all. A
wrong entry is corrected by posting a reversing transaction.

Other money records that must never change once written (the disbursements and their
confirmations, api/disbursements) join the rule with `register_append_only`: the same
application guard, database triggers of their own migration, and the same maintenance
lift below.

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


class LedgerAppendOnlyError(RuntimeError):
    """Code tried to change or delete a recorded ledger row."""

    def __init__(self, table: str, action: str) -> None:
        super().__init__(f"{table} is append-only: refusing to {action} ledger rows")


# Every table guarded here: the ledger's own (api/ledger/models.py registers them) and
# those registered by other sections.
APPEND_ONLY_TABLES: set[str] = set()


def _refuse(action: str) -> Any:
    def listener(mapper: Any, connection: Any, target: Any) -> None:
        raise LedgerAppendOnlyError(type(target).__tablename__, action)

    return listener


def register_append_only(*models: type) -> None:
    """Guard these models' rows like ledger rows (their triggers come from a migration)."""
    for model in models:
        event.listen(model, "before_update", _refuse("update"))
        event.listen(model, "before_delete", _refuse("delete"))
        APPEND_ONLY_TABLES.add(model.__tablename__)  # type: ignore[attr-defined]


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in APPEND_ONLY_TABLES:
        raise LedgerAppendOnlyError(table, "update" if state.is_update else "delete")


@contextmanager
def ledger_triggers_lifted(connection: sa.Connection) -> Iterator[None]:
    """Lift the database triggers on the ledger tables (and every table registered with
    `register_append_only`) inside the caller's transaction.

    Maintenance only (the tests' SQLite clean-up). SQLite triggers are dropped and then
    recreated from their own stored SQL; PostgreSQL disables and enables them. Both are
    transactional: a rollback restores the triggers."""
    tables = sorted(APPEND_ONLY_TABLES)
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in tables)
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "  # noqa: S608  (placeholders only)
            f"WHERE type = 'trigger' AND tbl_name IN ({marks})",
            tuple(tables),
        ).all()
        for name, _ in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in triggers:
            connection.exec_driver_sql(sql)
    else:
        for table in tables:
            connection.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        for table in tables:
            connection.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
