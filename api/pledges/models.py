from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.core.translations import DIGEST_LENGTH


class PledgeStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DELIVERED = "DELIVERED"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    LAPSED = "LAPSED"


class PledgeKind(StrEnum):
    MONEY = "MONEY"
    GOODS = "GOODS"
    SERVICE = "SERVICE"


LIVE_PLEDGE_STATUSES = (PledgeStatus.ACTIVE, PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED)


class Pledge(SQLModel, table=True):
    """A helper's commitment to a request, from promise to confirmed receipt."""

    __tablename__ = "pledge"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    helper_id: int = Field(foreign_key="helper.id", index=True)
    kind: str = Field(max_length=20)
    amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    description: str | None = Field(default=None, max_length=2000)
    status: str = Field(default=PledgeStatus.ACTIVE, max_length=20, index=True)
    due_on: date
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)
    delivered_at: datetime | None = timestamp(nullable=True)
    confirmed_at: datetime | None = timestamp(nullable=True)
    confirmed_by_id: int | None = Field(default=None, foreign_key="account.id")
    thank_you_message: str | None = Field(default=None, max_length=2000)
    # When the thank-you was written or last replaced (at confirmation or later).
    thanked_at: datetime | None = timestamp(nullable=True)
    ended_at: datetime | None = timestamp(nullable=True)


class ProgressUpdate(SQLModel, table=True):
    """A dated note from the household on a request it received help for ("the roof is
    repaired"), public with the request like its thanks."""

    __tablename__ = "progress_update"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    body: str = Field(max_length=2000)
    source_language: str = Field(max_length=20)
    posted_by_id: int | None = Field(default=None, foreign_key="account.id")
    posted_at: datetime = timestamp(default_now=True)


class ProgressUpdateTranslation(SQLModel, table=True):
    """A progress update's body in one more locale (api/core/translations.py)."""

    __tablename__ = "progress_update_translation"

    progress_update_id: int = Field(foreign_key="progress_update.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    body: str | None = Field(default=None, max_length=2000)
    # Digest of the body this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)
