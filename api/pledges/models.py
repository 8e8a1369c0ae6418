from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


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
    ended_at: datetime | None = timestamp(nullable=True)
