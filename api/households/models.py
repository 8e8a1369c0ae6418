from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class PovertyStatus(StrEnum):
    REGISTERED = "REGISTERED"
    IN_POVERTY = "IN_POVERTY"
    LIFTED_OUT = "LIFTED_OUT"
    RELAPSED = "RELAPSED"


class VerificationStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


# The condition of the partial index of public households, per backend, as
# `public_households_condition` writes it: a planner uses the index only when the
# statement's WHERE clause contains it.
PUBLIC_HOUSEHOLD_CONDITION = {
    "sqlite": "verification_status = 'VERIFIED' AND consent_to_publish IS 1",
    "postgresql": "verification_status = 'VERIFIED' AND consent_to_publish IS true",
}


class Household(SQLModel, table=True):
    """A registered household. Personal fields are sensitive: they leave the API only
    through field-level permission checks, and every read is audited."""

    __tablename__ = "household"
    # The public list (newest registration first) walks this and stops at the page size.
    __table_args__ = (
        sa.Index(
            "ix_household_public_created",
            "created_at",
            "id",
            sqlite_where=sa.text(PUBLIC_HOUSEHOLD_CONDITION["sqlite"]),
            postgresql_where=sa.text(PUBLIC_HOUSEHOLD_CONDITION["postgresql"]),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_code: str = Field(max_length=16, unique=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    members_count: int
    # Sensitive
    head_name: str = Field(max_length=200)
    national_id: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    latitude: float | None = None
    longitude: float | None = None
    annual_income_per_member_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    income_currency: str | None = Field(default=None, max_length=3)
    # Status
    poverty_status: str = Field(default=PovertyStatus.REGISTERED, max_length=20, index=True)
    verification_status: str = Field(default=VerificationStatus.UNVERIFIED, max_length=20)
    verified_by_id: int | None = Field(default=None, foreign_key="account.id")
    verified_at: datetime | None = timestamp(nullable=True)
    consent_to_publish: bool = False
    consent_recorded_at: datetime | None = timestamp(nullable=True)
    registered_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class HouseholdCause(SQLModel, table=True):
    __tablename__ = "household_cause"

    household_id: int = Field(foreign_key="household.id", primary_key=True)
    cause_code: str = Field(max_length=40, primary_key=True, index=True)


class HouseholdSubsidy(SQLModel, table=True):
    __tablename__ = "household_subsidy"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    programme: str = Field(max_length=200)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    received_on: date
    recorded_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)


class HouseholdStatusChange(SQLModel, table=True):
    """The dated history of a household's poverty status."""

    __tablename__ = "household_status_change"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(max_length=20)
    effective_on: date
    note: str | None = Field(default=None, max_length=1000)
    recorded_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)
