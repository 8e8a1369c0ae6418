"""Poverty-alleviation projects and the households each one covers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp


class ProjectType(StrEnum):
    INDUSTRY = "INDUSTRY"
    INFRASTRUCTURE = "INFRASTRUCTURE"
    EDUCATION = "EDUCATION"
    HEALTH = "HEALTH"
    EMPLOYMENT = "EMPLOYMENT"
    RELOCATION = "RELOCATION"
    ECOLOGY = "ECOLOGY"
    SOCIAL_SECURITY = "SOCIAL_SECURITY"
    OTHER = "OTHER"


class ProjectStatus(StrEnum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# Statuses in which anyone may see a project.
PUBLIC_PROJECT_STATUSES = (ProjectStatus.ACTIVE, ProjectStatus.COMPLETED)
ALLOWED_PROJECT_STATUS_CHANGES: dict[str, frozenset[str]] = {
    ProjectStatus.PLANNED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.CANCELLED}),
    ProjectStatus.ACTIVE: frozenset({ProjectStatus.COMPLETED, ProjectStatus.CANCELLED}),
    ProjectStatus.COMPLETED: frozenset(),
    ProjectStatus.CANCELLED: frozenset(),
}


class Project(SQLModel, table=True):
    """A project run in a region (and everything below it). Budgets are minor units."""

    __tablename__ = "project"
    __table_args__ = (sa.Index("ix_project_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    project_type: str = Field(max_length=24, index=True)
    status: str = Field(default=ProjectStatus.PLANNED, max_length=16)
    region_id: int = Field(foreign_key="region.id", index=True)
    # Copied from the region so subtree filters need no join.
    region_path: str = Field(max_length=400, index=True)
    description: str = Field(max_length=5000)
    budget_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    starts_on: date | None = None
    ends_on: date | None = None
    outcomes: str | None = Field(default=None, max_length=5000)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class ProjectHousehold(SQLModel, table=True):
    """A household covered by a project (the Guizhou "poverty alleviation cloud" link)."""

    __tablename__ = "project_household"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    household_id: int = Field(foreign_key="household.id", primary_key=True, index=True)
    added_by_id: int | None = Field(default=None, foreign_key="account.id")
    added_at: datetime = timestamp(default_now=True)
