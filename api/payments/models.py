"""Payments as the core sees them, whatever the provider: one row per expected payment,
and the webhook events already processed (so a replayed callback is refused)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class Payment(SQLModel, table=True):
    """Money we expect from a payer through one provider, for one purpose ("donation",
    later "order"...). `reference` is what the payer quotes on a bank transfer and what a
    gateway sends back in its callback."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    provider: str = Field(max_length=40, index=True)
    purpose: str = Field(max_length=40)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(default=PaymentStatus.PENDING, max_length=16, index=True)
    # The bank, cash-book or gateway reference proving the money arrived.
    external_reference: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp(default_now=True)
    settled_at: datetime | None = timestamp(nullable=True)


class PaymentEvent(SQLModel, table=True):
    """A provider callback already handled; its (provider, event id) is never accepted
    again."""

    __tablename__ = "payment_event"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=40)
    event_id: str = Field(max_length=200)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    received_at: datetime = timestamp(default_now=True)
