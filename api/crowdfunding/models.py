"""Crowdfunding campaigns, the backings that fund them and the organiser's updates.

Money lives in the ledger (account "campaign:<id>"); the campaign row keeps `raised_minor`
and `backers_count` (money received and kept) and `refunded_minor` and `refunded_count`
(money given back), changed only by guarded atomic UPDATEs in the transaction that posts
the money (see service.py), so they always equal the backings received and refunded."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.core.translations import DIGEST_LENGTH


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"  # being written by its organiser
    SUBMITTED = "SUBMITTED"  # waiting for a caseworker or platform admin
    ACTIVE = "ACTIVE"  # public, taking backings until the deadline
    SUCCEEDED = "SUCCEEDED"  # closed with its outcome decided, being disbursed
    FAILED = "FAILED"  # all-or-nothing that missed its goal, being refunded
    DISBURSED = "DISBURSED"  # the money went to the target (payout account)
    REFUNDED = "REFUNDED"  # every received backing was given back
    CANCELLED = "CANCELLED"  # stopped by its organiser or an admin; backings refunded


# Statuses anyone may see; a campaign cancelled before approval stays private.
PUBLIC_STATUSES = (
    CampaignStatus.ACTIVE,
    CampaignStatus.SUCCEEDED,
    CampaignStatus.FAILED,
    CampaignStatus.DISBURSED,
    CampaignStatus.REFUNDED,
)
CLOSED_STATUSES = (
    CampaignStatus.SUCCEEDED,
    CampaignStatus.FAILED,
    CampaignStatus.DISBURSED,
    CampaignStatus.REFUNDED,
    CampaignStatus.CANCELLED,
)


class FundingModel(StrEnum):
    ALL_OR_NOTHING = "ALL_OR_NOTHING"
    KEEP_WHAT_YOU_RAISE = "KEEP_WHAT_YOU_RAISE"


class CampaignTargetKind(StrEnum):
    PROJECT = "PROJECT"
    VILLAGE = "VILLAGE"
    HOUSEHOLD = "HOUSEHOLD"


class BackingStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the money (reconciliation or gateway callback)
    RECEIVED = "RECEIVED"  # money arrived and counts toward `raised`
    FAILED = "FAILED"  # the gateway reported the payment failed
    REFUNDED = "REFUNDED"  # given back (campaign failed or cancelled, or money came late)


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (
        # Closing due campaigns and ENDING_SOONEST walk this index.
        sa.Index("ix_campaign_status_deadline_id", "status", "deadline", "id"),
        sa.CheckConstraint("goal_minor > 0", name="goal_positive"),
        sa.CheckConstraint("raised_minor >= 0", name="raised_not_negative"),
        sa.CheckConstraint("refunded_minor >= 0", name="refunded_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The locale title and description were written in ("zh_Hans"), set at creation.
    source_language: str = Field(max_length=20)
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    target_kind: str = Field(max_length=16)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    # The village itself, the household's region or the project's region.
    region_id: int = Field(foreign_key="region.id", index=True)
    # Copied from the region so subtree filters and statistics need no join.
    region_path: str = Field(max_length=400, index=True)
    goal_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    funding_model: str = Field(max_length=24)
    deadline: datetime = timestamp()
    status: str = Field(default=CampaignStatus.DRAFT, max_length=16)
    # Received money that was not given back; bumped atomically with the ledger posting.
    raised_minor: int = Field(default=0, sa_type=sa.BigInteger)
    backers_count: int = 0
    # Received money given back (the campaign failed or was cancelled, or it came late).
    refunded_minor: int = Field(default=0, sa_type=sa.BigInteger)
    refunded_count: int = 0
    organiser_account_id: int = Field(foreign_key="account.id", index=True)
    # Set when an organisation admin organises: every admin of that organisation may manage.
    organiser_helper_id: int | None = Field(default=None, foreign_key="helper.id", index=True)
    approved_by_id: int | None = Field(default=None, foreign_key="account.id")
    payout_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    created_at: datetime = timestamp(default_now=True)
    submitted_at: datetime | None = timestamp(nullable=True)
    approved_at: datetime | None = timestamp(nullable=True)
    closed_at: datetime | None = timestamp(nullable=True)


class CampaignTranslation(SQLModel, table=True):
    """A campaign's title and description in one more locale (api/core/translations.py);
    a null field shows the original."""

    __tablename__ = "campaign_translation"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    # Digest of the campaign's title and description this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)


class Backing(SQLModel, table=True):
    __tablename__ = "campaign_backing"
    # The public backers list walks received backings of one campaign, newest first.
    __table_args__ = (
        sa.Index(
            "ix_campaign_backing_campaign_status_received", "campaign_id", "status", "received_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    backer_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    backer_name: str | None = Field(default=None, max_length=120)
    anonymous: bool = False
    message: str | None = Field(default=None, max_length=500)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=40)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    status: str = Field(default=BackingStatus.PENDING, max_length=16)
    # "2026-000123": issued when the money is received, from the organisation's one yearly
    # series shared with donations (api.donation.service.next_receipt_number).
    receipt_number: str | None = Field(default=None, max_length=20, unique=True)
    ledger_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    refund_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    created_at: datetime = timestamp(default_now=True)
    received_at: datetime | None = timestamp(nullable=True)
    refunded_at: datetime | None = timestamp(nullable=True)


class CampaignPost(SQLModel, table=True):
    """An update from the organiser ("the roof is on"), shown on the campaign."""

    __tablename__ = "campaign_post"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    author_account_id: int = Field(foreign_key="account.id")
    title: str = Field(max_length=200)
    body: str = Field(max_length=5000)
    created_at: datetime = timestamp(default_now=True)
