"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from api.audit.models import AuditEvent
from api.core.auth import Principal
from api.core.db import utcnow


def record_audit(
    session: Session,
    *,
    actor: Principal,
    action: str,
    subject_type: str,
    subject_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_account_id=actor.account_id,
            actor_role=actor.audit_role,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail or {},
        )
    )
