from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from api.core.models import json_column, timestamp


class AuditEvent(SQLModel, table=True):
    """Append-only: who did or read what, when. Values of personal fields are never stored
    here, only their names, so the log is not a second copy of the registry."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(default_now=True, index=True)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=40)
    subject_id: int = Field(index=True)
    detail: dict[str, Any] = json_column(default={})


# Registers the append-only guard wherever the model is used; it needs the class above.
import api.audit.guard  # noqa: E402, F401
