"""partial indexes of public rows for the public lists' first pages

Public help requests (OPEN, PLEDGED, FULFILLED) in each order of the list (newest, by
category then newest, most urgent, soonest deadline), and public households (verified,
consenting) newest registration first: a first page walks one of them and stops after
the page size instead of filtering or sorting the whole table. The conditions are the
ones `public_requests_condition` and `public_households_condition` write (literals), so
both planners can prove a statement implies them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PUBLIC_REQUEST = "status IN ('OPEN', 'PLEDGED', 'FULFILLED')"
PUBLIC_HOUSEHOLD = {
    "sqlite": "verification_status = 'VERIFIED' AND consent_to_publish IS 1",
    "postgresql": "verification_status = 'VERIFIED' AND consent_to_publish IS true",
}
REQUEST_INDEXES = {
    "ix_help_request_public_published": ["published_at", "id"],
    "ix_help_request_public_category": ["category", "published_at", "id"],
    "ix_help_request_public_urgency": ["urgency_rank", "id"],
    "ix_help_request_public_deadline": ["deadline", "id"],
}


def upgrade() -> None:
    for name, columns in REQUEST_INDEXES.items():
        op.create_index(
            name,
            "help_request",
            columns,
            unique=False,
            sqlite_where=sa.text(PUBLIC_REQUEST),
            postgresql_where=sa.text(PUBLIC_REQUEST),
        )
    op.create_index(
        "ix_household_public_created",
        "household",
        ["created_at", "id"],
        unique=False,
        sqlite_where=sa.text(PUBLIC_HOUSEHOLD["sqlite"]),
        postgresql_where=sa.text(PUBLIC_HOUSEHOLD["postgresql"]),
    )


def downgrade() -> None:
    op.drop_index("ix_household_public_created", table_name="household")
    for name in reversed(REQUEST_INDEXES):
        op.drop_index(name, table_name="help_request")
