"""disbursements append-only

The database refuses UPDATE and DELETE on disbursement, disbursement_receipt and
donation_disbursement from any client, as it does on the ledger (0003): a payout, its
confirmation by the household and the donations it carried are facts, never edited.
api/ledger/guard.py (`register_append_only`) is the same rule inside the application. Both
backends raise an integrity error with the message "<table> is append-only".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("disbursement", "disbursement_receipt", "donation_disbursement")
ACTIONS = {"update": "UPDATE", "delete": "DELETE"}

SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{action} BEFORE {event} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only');
END
"""

# The function of 0003 names the table it refuses (TG_TABLE_NAME): it serves these too.
POSTGRESQL_TRIGGER = """
CREATE TRIGGER {table}_no_{action} BEFORE {event} ON {table}
FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    template = POSTGRESQL_TRIGGER if postgresql else SQLITE_TRIGGER
    for table in TABLES:
        for action, event in ACTIONS.items():
            op.execute(template.format(table=table, action=action, event=event))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for action in ACTIONS:
            op.execute(f"DROP TRIGGER {table}_no_{action}" + (f" ON {table}" if postgresql else ""))
