"""Disbursements: money paid out of a fund to a beneficiary, the household's confirmation
that it arrived, and which donations each payout carried (first in, first out).

All three tables are append-only like the ledger (api/ledger/guard.py, triggers in
migration 0004): a payout is a fact, corrected, if ever, by a new one, never edited. What
changes as money goes out is kept beside them: `Donation.disbursed_minor`, and a help
request's `received_amount_minor` once the household confirms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.ledger.guard import register_append_only


class DisbursementSource(StrEnum):
    TARGET_FUND = "TARGET_FUND"  # the request's, project's fund or a campaign's payout
    GENERAL_FUND = "GENERAL_FUND"


class DisbursementTargetKind(StrEnum):
    HELP_REQUEST = "HELP_REQUEST"  # paid to the request's household, for the request
    PROJECT = "PROJECT"
    CAMPAIGN = "CAMPAIGN"  # paid to the campaign's beneficiary
    HOUSEHOLD = "HOUSEHOLD"  # paid to a household directly


class Disbursement(SQLModel, table=True):
    __tablename__ = "disbursement"
    __table_args__ = (
        # The target's figures and the list filtered by target.
        sa.Index("ix_disbursement_target_kind_target_id_id", "target_kind", "target_id", "id"),
        # A household's disbursements (its representative's list, the filter).
        sa.Index("ix_disbursement_household_id_id", "household_id", "id"),
        # Households paid in an area (the transparency threshold) and the caseworkers' list.
        sa.Index("ix_disbursement_region_path_household_id", "region_path", "household_id"),
        # What a fund paid out.
        sa.Index("ix_disbursement_fund_account_currency", "fund_account", "currency"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    # The ledger account the money left: "request:42", "project:3", "fund:general",
    # "payout:campaign:5".
    fund_account: str = Field(max_length=80)
    # The region of the target owning the fund (None for the general fund and campaign
    # payouts): whose donations the payout used, for the area's `held` figure.
    fund_region_path: str | None = Field(default=None, max_length=400)
    target_kind: str = Field(max_length=16)
    # The help request, project, campaign or household id (by `target_kind`).
    target_id: int
    # The household that received the money, when a household did.
    household_id: int | None = Field(default=None, foreign_key="household.id")
    # Where the beneficiary is: the household's exact region for a household. Never
    # shown; it decides who may see the row and the area figures it counts in.
    region_path: str = Field(max_length=400)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    # The transfer, mobile-money or cash-book reference proving the payment.
    evidence_reference: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=500)
    ledger_transaction_id: int = Field(foreign_key="ledger_transaction.id", unique=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)


class DisbursementReceipt(SQLModel, table=True):
    """The household's confirmation that a disbursement reached it; at most one each."""

    __tablename__ = "disbursement_receipt"

    disbursement_id: int = Field(
        foreign_key="disbursement.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    confirmed_by_id: int | None = Field(default=None, foreign_key="account.id")
    confirmed_at: datetime = timestamp(default_now=True)


class DonationDisbursement(SQLModel, table=True):
    """The part of one donation that one disbursement paid out (FIFO attribution)."""

    __tablename__ = "donation_disbursement"
    __table_args__ = (sa.CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    donation_id: int = Field(foreign_key="donation.id", index=True)
    disbursement_id: int = Field(foreign_key="disbursement.id", index=True)
    amount_minor: int = Field(sa_type=sa.BigInteger)


DISBURSEMENT_TABLES = (
    Disbursement.__tablename__,
    DisbursementReceipt.__tablename__,
    DonationDisbursement.__tablename__,
)

register_append_only(Disbursement, DisbursementReceipt, DonationDisbursement)
