"""Pictures uploaded to the instance, each stored as WebP in a few widths.

The bytes live in the database, like everything else an instance keeps: one backup holds
them, every replica serves them, and no shared disk or object store is needed. Their
addresses never change (a new picture gets a new key), so a CDN or the browser caches
them for a year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class Image(SQLModel, table=True):
    __tablename__ = "media_image"

    id: int | None = Field(default=None, primary_key=True)
    # In the picture's address instead of the row id: random, so pictures not yet shown
    # anywhere (a draft product's) cannot be found by counting.
    key: str = Field(max_length=32, unique=True)
    # Of the largest stored width (the upload itself, when it was no wider than allowed).
    width: int
    height: int
    uploaded_by_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    created_at: datetime = timestamp(default_now=True)


class ImageVariant(SQLModel, table=True):
    """One stored width of a picture."""

    __tablename__ = "media_image_variant"

    image_id: int = Field(foreign_key="media_image.id", primary_key=True)
    width: int = Field(primary_key=True)
    height: int
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
