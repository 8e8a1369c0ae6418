"""Stories of what worked, for replication elsewhere."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.core.translations import DIGEST_LENGTH


class CaseStudyStatus(StrEnum):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    PUBLISHED = "PUBLISHED"


class InterventionType(StrEnum):
    INDUSTRY = "INDUSTRY"
    E_COMMERCE = "E_COMMERCE"
    INFRASTRUCTURE = "INFRASTRUCTURE"
    EDUCATION = "EDUCATION"
    HEALTH = "HEALTH"
    EMPLOYMENT = "EMPLOYMENT"
    RELOCATION = "RELOCATION"
    MICROFINANCE = "MICROFINANCE"
    PAIRING = "PAIRING"
    OTHER = "OTHER"


class CaseStudy(SQLModel, table=True):
    __tablename__ = "case_study"
    __table_args__ = (sa.Index("ix_case_study_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # The locale title, summary, story and lessons were written in, set at creation.
    source_language: str = Field(max_length=20)
    title: str = Field(max_length=200)
    summary: str = Field(max_length=1000)
    story: str = Field(default="", max_length=20000)
    lessons: str = Field(default="", max_length=5000)
    region_id: int = Field(foreign_key="region.id", index=True)
    # Copied from the region so subtree filters need no join.
    region_path: str = Field(max_length=400, index=True)
    intervention_type: str = Field(max_length=24, index=True)
    # Indicators: income per member before and after (minor units, one currency), counts.
    currency: str | None = Field(default=None, max_length=3)
    income_before_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    income_after_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    households_lifted_out: int | None = None
    jobs_created: int | None = None
    status: str = Field(default=CaseStudyStatus.DRAFT, max_length=16)
    organisation_id: int | None = Field(default=None, foreign_key="helper.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    reviewed_by_id: int | None = Field(default=None, foreign_key="account.id")
    review_note: str | None = Field(default=None, max_length=1000)
    submitted_at: datetime | None = timestamp(nullable=True)
    published_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class CaseStudyTranslation(SQLModel, table=True):
    """A case study's title, summary, story and lessons in one more locale
    (api/core/translations.py); a null field shows the original."""

    __tablename__ = "case_study_translation"

    case_study_id: int = Field(foreign_key="case_study.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    title: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=1000)
    story: str | None = Field(default=None, max_length=20000)
    lessons: str | None = Field(default=None, max_length=5000)
    # Digest of the case study's four texts this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)


class CaseStudyCause(SQLModel, table=True):
    __tablename__ = "case_study_cause"

    case_study_id: int = Field(foreign_key="case_study.id", primary_key=True)
    cause_code: str = Field(max_length=40, primary_key=True, index=True)


class CaseStudyProject(SQLModel, table=True):
    __tablename__ = "case_study_project"

    case_study_id: int = Field(foreign_key="case_study.id", primary_key=True)
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True)


class CaseStudyHousehold(SQLModel, table=True):
    __tablename__ = "case_study_household"

    case_study_id: int = Field(foreign_key="case_study.id", primary_key=True)
    household_id: int = Field(foreign_key="household.id", primary_key=True, index=True)


class CaseStudyPairing(SQLModel, table=True):
    """A pairing the story reports on (e.g. an enterprise paired with a village)."""

    __tablename__ = "case_study_pairing"

    case_study_id: int = Field(foreign_key="case_study.id", primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", primary_key=True, index=True)
