"""Curated showcases: a period, a theme, and ordered items pointing at other content."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.core.translations import DIGEST_LENGTH


class ExhibitionStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"


class ExhibitionItemKind(StrEnum):
    PRODUCT = "PRODUCT"
    PROJECT = "PROJECT"
    CASE_STUDY = "CASE_STUDY"
    CAMPAIGN = "CAMPAIGN"
    MEDIA = "MEDIA"


class Exhibition(SQLModel, table=True):
    __tablename__ = "exhibition"
    __table_args__ = (sa.Index("ix_exhibition_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # The locale title, theme, description and captions were written in, set at creation.
    source_language: str = Field(max_length=20)
    title: str = Field(max_length=200)
    theme: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    starts_on: date
    ends_on: date
    status: str = Field(default=ExhibitionStatus.DRAFT, max_length=16)
    # Organisation admins own what their organisation (helper profile) created.
    organisation_id: int | None = Field(default=None, foreign_key="helper.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    published_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class ExhibitionTranslation(SQLModel, table=True):
    """An exhibition's title, theme and description in one more locale
    (api/core/translations.py); a null field shows the original."""

    __tablename__ = "exhibition_translation"

    exhibition_id: int = Field(foreign_key="exhibition.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    title: str | None = Field(default=None, max_length=200)
    theme: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    # Digest of the exhibition's title, theme and description this was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)


class ExhibitionItem(SQLModel, table=True):
    """One exhibit. `target_global_id` is the relay global ID of the object shown (a
    product, project, case study or campaign); MEDIA items carry a picture stored by the
    instance (`image_id`), a URL of one elsewhere, or both, instead. An item
    keeps its row while its position exists, so its caption's translations stay with it."""

    __tablename__ = "exhibition_item"
    __table_args__ = (sa.UniqueConstraint("exhibition_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibition_id: int = Field(foreign_key="exhibition.id", index=True)
    position: int
    kind: str = Field(max_length=16)
    target_global_id: str | None = Field(default=None, max_length=200)
    media_url: str | None = Field(default=None, max_length=1000)
    image_id: int | None = Field(default=None, foreign_key="media_image.id")
    caption: str = Field(default="", max_length=500)


class ExhibitionItemTranslation(SQLModel, table=True):
    """An exhibit's caption in one more locale; written with its exhibition's translation."""

    __tablename__ = "exhibition_item_translation"

    item_id: int = Field(foreign_key="exhibition_item.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    caption: str | None = Field(default=None, max_length=500)
    # Digest of the caption this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)
