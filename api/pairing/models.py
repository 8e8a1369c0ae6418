"""Pairings: an enterprise with a village, or a helper with a household, over a period,
with commitments, milestones and append-only progress reports.

The money in commitments and reports is a pledge of the helper's own spending (wages,
purchases, investment in the village), recorded as reported. It never passes through the
platform, so nothing here posts to `api.ledger` (which is for money the platform holds)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class PairingKind(StrEnum):
    ENTERPRISE_VILLAGE = "ENTERPRISE_VILLAGE"
    HELPER_HOUSEHOLD = "HELPER_HOUSEHOLD"


class PairingStatus(StrEnum):
    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    ENDED_EARLY = "ENDED_EARLY"


class CommitmentKind(StrEnum):
    MONEY = "MONEY"
    JOBS = "JOBS"
    PURCHASES = "PURCHASES"
    TRAINING = "TRAINING"


# Commitments measured in money; the others count people (jobs created, people trained).
MONEY_KINDS = frozenset({CommitmentKind.MONEY, CommitmentKind.PURCHASES})


class MilestoneStatus(StrEnum):
    PLANNED = "PLANNED"
    DONE = "DONE"


PUBLIC_STATUSES = (PairingStatus.ACTIVE, PairingStatus.COMPLETED)
LIVE_STATUSES = (PairingStatus.PROPOSED, PairingStatus.ACTIVE)


class Pairing(SQLModel, table=True):
    """One pairing. Exactly one of `village_id` (ENTERPRISE_VILLAGE) and `household_id`
    (HELPER_HOUSEHOLD) is set; `region_path` is the village's path, or the path of the
    household's exact region, copied so area filters and checks need no join."""

    __tablename__ = "pairing"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'ENTERPRISE_VILLAGE' AND village_id IS NOT NULL AND household_id IS NULL)"
            " OR (kind = 'HELPER_HOUSEHOLD' AND household_id IS NOT NULL AND village_id IS NULL)",
            name="one_target",
        ),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.Index("ix_pairing_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    status: str = Field(default=PairingStatus.PROPOSED, max_length=20)
    helper_id: int = Field(foreign_key="helper.id", index=True)
    village_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    region_path: str = Field(max_length=400, index=True)
    period_start: date
    period_end: date
    proposed_by_id: int | None = Field(default=None, foreign_key="account.id")
    proposed_at: datetime = timestamp(default_now=True)
    accepted_by_id: int | None = Field(default=None, foreign_key="account.id")
    accepted_at: datetime | None = timestamp(nullable=True)
    ended_by_id: int | None = Field(default=None, foreign_key="account.id")
    ended_at: datetime | None = timestamp(nullable=True)


class PairingCommitment(SQLModel, table=True):
    """What the helper commits to: money or purchases (a target amount), jobs or trainees
    (a target count)."""

    __tablename__ = "pairing_commitment"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    kind: str = Field(max_length=20)
    description: str | None = Field(default=None, max_length=500)
    target_amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    target_count: int | None = None
    created_at: datetime = timestamp(default_now=True)


class PairingMilestone(SQLModel, table=True):
    __tablename__ = "pairing_milestone"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    title: str = Field(max_length=200)
    due_on: date
    done_on: date | None = None
    status: str = Field(default=MilestoneStatus.PLANNED, max_length=20)
    created_at: datetime = timestamp(default_now=True)


class PairingReport(SQLModel, table=True):
    """A progress report for a period. Reports are never changed once submitted: progress
    is the sum of their deliveries, so a correction is a later report."""

    __tablename__ = "pairing_report"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    period_start: date
    period_end: date
    narrative: str = Field(max_length=5000)
    submitted_by_id: int | None = Field(default=None, foreign_key="account.id")
    submitted_at: datetime = timestamp(default_now=True)


class PairingDelivery(SQLModel, table=True):
    """What one report delivered towards one commitment: an amount in the commitment's
    currency (MONEY, PURCHASES) or a count (JOBS, TRAINING)."""

    __tablename__ = "pairing_delivery"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="pairing_report.id", index=True)
    commitment_id: int = Field(foreign_key="pairing_commitment.id", index=True)
    amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    quantity: int | None = None
