"""Donations and their receipt numbers. Money lives in the ledger; a donation row says who
gave what to which target, and where it is in its life."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class DonationStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the money (reconciliation or gateway callback)
    RECEIVED = "RECEIVED"  # money arrived: in the ledger, receipt issued
    FAILED = "FAILED"  # the gateway reported the payment failed
    REFUNDED = "REFUNDED"  # given back: a reversing ledger transaction


class TargetKind(StrEnum):
    HELP_REQUEST = "HELP_REQUEST"
    PROJECT = "PROJECT"
    CAMPAIGN = "CAMPAIGN"
    GENERAL_FUND = "GENERAL_FUND"


class Donation(SQLModel, table=True):
    __tablename__ = "donation"
    __table_args__ = (
        # The public wall and donor history walk these in order.
        sa.Index("ix_donation_status_received_at_id", "status", "received_at", "id"),
        sa.Index("ix_donation_donor_created_at_id", "donor_account_id", "created_at", "id"),
        # The admins' reconciliation list: by status and date, or by date alone.
        sa.Index("ix_donation_status_created_at_id", "status", "created_at", "id"),
        sa.Index("ix_donation_created_at_id", "created_at", "id"),
        # A fund's received donations not yet paid out, oldest first (api/disbursements).
        sa.Index(
            "ix_donation_unpaid_by_target",
            "target_kind",
            "target_id",
            "currency",
            "received_at",
            "id",
            sqlite_where=sa.text("status = 'RECEIVED' AND disbursed_minor < amount_minor"),
            postgresql_where=sa.text("status = 'RECEIVED' AND disbursed_minor < amount_minor"),
        ),
        sa.CheckConstraint(
            "disbursed_minor >= 0 AND disbursed_minor <= amount_minor", name="disbursed_in_range"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    donor_account_id: int | None = Field(default=None, foreign_key="account.id")
    # The name on the receipt (and on the wall unless anonymous); may be empty.
    donor_name: str | None = Field(default=None, max_length=120)
    anonymous: bool = False
    message: str | None = Field(default=None, max_length=500)
    target_kind: str = Field(max_length=20)
    target_id: int | None = None
    # The target's region when it has one (statistics by region), e.g. "/1/3/".
    target_region_path: str | None = Field(default=None, max_length=400)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=40)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    status: str = Field(default=DonationStatus.PENDING, max_length=16)
    # "2026-000123": issued when the money is received, per year, without gaps.
    receipt_number: str | None = Field(default=None, max_length=20, unique=True)
    ledger_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    refund_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    created_at: datetime = timestamp(default_now=True)
    received_at: datetime | None = timestamp(nullable=True)
    refunded_at: datetime | None = timestamp(nullable=True)
    # How much of the gift disbursements paid out (first in, first out within its fund),
    # and when the last of it went.
    disbursed_minor: int = Field(
        default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    reached_target_at: datetime | None = timestamp(nullable=True)


class ReceiptCounter(SQLModel, table=True):
    """The last receipt number issued in a year; bumped by one atomic UPDATE in the
    transaction that receives the money, so numbers have no gaps and no duplicates."""

    __tablename__ = "donation_receipt_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0
