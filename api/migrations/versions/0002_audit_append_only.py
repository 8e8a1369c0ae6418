"""audit log append-only

The database itself refuses UPDATE and DELETE on audit_event, whichever client asks
(api/audit/guard.py is the same rule inside the application). Both backends raise an
integrity error with the message "audit_event is append-only". TRUNCATE on PostgreSQL
fires no row triggers and stays possible for deliberate maintenance.

On SQLite, a later migration that rebuilds audit_event (batch "move and copy") drops
these triggers with the old table and must create them again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER audit_event_no_{action} BEFORE {event} ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END
"""

POSTGRESQL_FUNCTION = """
CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

POSTGRESQL_TRIGGER = """
CREATE TRIGGER audit_event_no_{action} BEFORE {event} ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
"""

ACTIONS = {"update": "UPDATE", "delete": "DELETE"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for action, event in ACTIONS.items():
            op.execute(POSTGRESQL_TRIGGER.format(action=action, event=event))
    else:
        for action, event in ACTIONS.items():
            op.execute(SQLITE_TRIGGER.format(action=action, event=event))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for action in ACTIONS:
        op.execute(f"DROP TRIGGER audit_event_no_{action}" + (" ON audit_event" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION audit_event_refuse_change()")
