from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import json_column, timestamp


class HelperKind(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    ENTERPRISE = "ENTERPRISE"
    ORGANISATION = "ORGANISATION"


class Helper(SQLModel, table=True):
    """Someone who gives: a person, an enterprise or an organisation."""

    __tablename__ = "helper"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    display_name: str = Field(max_length=200)
    about: str | None = Field(default=None, max_length=2000)
    verification_status: str = Field(default="UNVERIFIED", max_length=20)
    verified_at: datetime | None = timestamp(nullable=True)
    # Preferences used to match requests: region ids, cause and category codes.
    preferred_region_ids: list[Any] = json_column(default=[])
    preferred_causes: list[Any] = json_column(default=[])
    preferred_categories: list[Any] = json_column(default=[])
    budget_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    budget_currency: str | None = Field(default=None, max_length=3)
    created_at: datetime = timestamp(default_now=True)
