"""Curated showcases: a period, a theme, and ordered items pointing at other content."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


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


class ExhibitionItem(SQLModel, table=True):
    """One exhibit. `target_global_id` is the relay global ID of the object shown (a
    product, project, case study or campaign); MEDIA items carry a URL instead."""

    __tablename__ = "exhibition_item"
    __table_args__ = (sa.UniqueConstraint("exhibition_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibition_id: int = Field(foreign_key="exhibition.id", index=True)
    position: int
    kind: str = Field(max_length=16)
    target_global_id: str | None = Field(default=None, max_length=200)
    media_url: str | None = Field(default=None, max_length=1000)
    caption: str = Field(default="", max_length=500)
