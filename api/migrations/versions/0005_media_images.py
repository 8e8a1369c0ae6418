"""pictures stored by the instance

Tables media_image and media_image_variant (api/media), and mall_product.image_ids: the
pictures a product shows, in order. Existing products get an empty list. And
exhibition_item.image_id: the picture a MEDIA exhibit shows, if any.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["account.id"], name=op.f("fk_media_image_uploaded_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_image")),
        sa.UniqueConstraint("key", name=op.f("uq_media_image_key")),
    )
    with op.batch_alter_table("media_image", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_image_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )
    op.create_table(
        "media_image_variant",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["media_image.id"],
            name=op.f("fk_media_image_variant_image_id_media_image"),
        ),
        sa.PrimaryKeyConstraint("image_id", "width", name=op.f("pk_media_image_variant")),
    )
    with op.batch_alter_table("mall_product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("image_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("mall_product", schema=None) as batch_op:
        batch_op.alter_column("image_ids", server_default=None)
    with op.batch_alter_table("exhibition_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_exhibition_item_image_id_media_image"),
            "media_image",
            ["image_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("exhibition_item", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_exhibition_item_image_id_media_image"), type_="foreignkey"
        )
        batch_op.drop_column("image_id")
    with op.batch_alter_table("mall_product", schema=None) as batch_op:
        batch_op.drop_column("image_ids")
    op.drop_table("media_image_variant")
    with op.batch_alter_table("media_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_image_uploaded_by_id"))
    op.drop_table("media_image")
