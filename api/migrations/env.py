from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context
from alembic.operations import ops
from sqlalchemy import pool

import api.tables  # noqa: F401  (registers every table)
from api.core.db import create_db_engine
from api.tables import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = create_db_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying the table
        compare_type=True,
        process_revision_directives=add_cycle_breaking_foreign_keys_last,
    )
    with context.begin_transaction():
        context.run_migrations()


def add_cycle_breaking_foreign_keys_last(
    migration_context: Any, revision: Any, directives: list[Any]
) -> None:
    """Autogenerate writes a `use_alter` foreign key (one that breaks a reference cycle)
    inside CREATE TABLE, where PostgreSQL's DDL leaves it out expecting an ALTER TABLE
    later that autogenerate never writes: the constraint would silently be missing. Add
    such keys in a step of their own once every table exists (dropped first going down)."""
    script = directives[0]
    late: list[sa.ForeignKeyConstraint] = []
    for operation in script.upgrade_ops.ops:
        if not isinstance(operation, ops.CreateTableOp):
            continue
        kept = []
        for item in operation.columns:
            if isinstance(item, sa.ForeignKeyConstraint) and item.use_alter:
                late.append(item)
            else:
                kept.append(item)
        operation.columns = kept
    for key in late:
        table = key.table.name
        script.upgrade_ops.ops.append(
            ops.ModifyTableOps(table, [ops.CreateForeignKeyOp.from_constraint(key)])
        )
        script.downgrade_ops.ops.insert(
            0, ops.ModifyTableOps(table, [ops.DropConstraintOp.from_constraint(key)])
        )


run_migrations()
