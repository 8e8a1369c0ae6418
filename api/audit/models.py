from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.audit.guard import guard_audit_events
from api.core.models import json_column, timestamp


class AuditOutcome(StrEnum):
    ALLOWED = "ALLOWED"  # the read or change happened
    REFUSED = "REFUSED"  # it was attempted and refused (e.g. a personal field read)


class AuditEvent(SQLModel, table=True):
    """Append-only: who did or read what, when. Values of personal fields are never stored
    here, only their names, so the log is not a second copy of the registry.

    `household_id` and `region_path` say where the subject is (a household, or the
    household or area a request, pledge, campaign... belongs to), copied when the event
    is written: the trail is read by household and by a caseworker's area without
    joining every subject's table, and it keeps the place the event happened in."""

    __tablename__ = "audit_event"
    __table_args__ = (
        # The trail of one household, and of one actor, newest first.
        sa.Index("ix_audit_event_household_id_at_id", "household_id", "at", "id"),
        sa.Index("ix_audit_event_actor_account_id_at_id", "actor_account_id", "at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(default_now=True, index=True)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id")
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    outcome: str = Field(
        default=AuditOutcome.ALLOWED,
        max_length=16,
        sa_column_kwargs={"server_default": AuditOutcome.ALLOWED.value},
    )
    subject_type: str = Field(max_length=40)
    subject_id: int = Field(index=True)
    household_id: int | None = None
    region_path: str | None = Field(default=None, max_length=400, index=True)
    detail: dict[str, Any] = json_column(default={})


# The append-only guard holds wherever the model is used.
guard_audit_events(AuditEvent)
