"""ledger append-only

The database itself refuses UPDATE and DELETE on ledger_account, ledger_transaction and
ledger_entry, whichever client asks (api/ledger/guard.py is the same rule inside the
application). Both backends raise an integrity error with the message "<table> is
append-only". TRUNCATE on PostgreSQL fires no row triggers and stays possible for
deliberate maintenance.

On SQLite, a later migration that rebuilds one of these tables (batch "move and copy")
drops its triggers with the old table and must create them again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("ledger_account", "ledger_transaction", "ledger_entry")
ACTIONS = {"update": "UPDATE", "delete": "DELETE"}

SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{action} BEFORE {event} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only');
END
"""

POSTGRESQL_FUNCTION = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

POSTGRESQL_TRIGGER = """
CREATE TRIGGER {table}_no_{action} BEFORE {event} ON {table}
FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(POSTGRESQL_FUNCTION)
    template = POSTGRESQL_TRIGGER if postgresql else SQLITE_TRIGGER
    for table in TABLES:
        for action, event in ACTIONS.items():
            op.execute(template.format(table=table, action=action, event=event))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for action in ACTIONS:
            op.execute(f"DROP TRIGGER {table}_no_{action}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION ledger_refuse_change()")
