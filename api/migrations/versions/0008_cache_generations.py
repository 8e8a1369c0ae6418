"""cache generations: one row per table, bumped after every committed write to it

Table cache_generation (api/core/cache_generations.py): how the response cache knows,
across processes and replicas, that a table an answer was read from changed since.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_generation",
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_cache_generation")),
    )


def downgrade() -> None:
    op.drop_table("cache_generation")
