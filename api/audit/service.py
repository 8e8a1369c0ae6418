"""Writing to the append-only audit log, and reading it back (platform admins; caseworkers
for events located in their area)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.audit.locations import locate
from api.audit.models import AuditEvent, AuditOutcome
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.pages import Page, SortKey, fetch_page
from api.core.roles import Role


def record_audit(
    session: Session,
    *,
    actor: Principal,
    action: str,
    subject_type: str,
    subject_id: int,
    detail: dict[str, Any] | None = None,
    outcome: AuditOutcome = AuditOutcome.ALLOWED,
    household_id: int | None = None,
    region_path: str | None = None,
) -> None:
    """Record one event. Where the subject is (its household and region) is looked up
    unless the caller knows and passes it."""
    if household_id is None and region_path is None:
        household_id, region_path = locate(session, subject_type, subject_id)
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_account_id=actor.account_id,
            actor_role=actor.audit_role,
            action=action,
            outcome=outcome,
            subject_type=subject_type,
            subject_id=subject_id,
            household_id=household_id,
            region_path=region_path,
            detail=detail or {},
        )
    )


# --- Reading the trail ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Conditions on events; None means any. `since` is inclusive, `until` exclusive."""

    household_id: int | None = None
    actor_account_id: int | None = None
    action: str | None = None
    outcome: AuditOutcome | None = None
    since: datetime | None = None
    until: datetime | None = None


NEWEST_FIRST = (
    SortKey(col(AuditEvent.at), descending=True, kind="datetime"),
    SortKey(col(AuditEvent.id), descending=True),
)


def may_read_audit(principal: Principal) -> bool:
    return principal.is_admin or (
        principal.role == Role.CASEWORKER and principal.region_path is not None
    )


def visible_audit_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Platform admins read the whole trail; a caseworker reads the events about subjects
    located in their area (households, and requests, pledges, campaigns, projects... of
    the area); nobody else reads any."""
    if principal.is_admin:
        return sa.true()
    if principal.role == Role.CASEWORKER and principal.region_path is not None:
        return col(AuditEvent.region_path).startswith(principal.region_path)
    return sa.false()


def audit_events_statement(principal: Principal, wanted: AuditFilter) -> sa.Select[Any]:
    statement = select(AuditEvent).where(visible_audit_condition(principal))
    if wanted.household_id is not None:
        statement = statement.where(col(AuditEvent.household_id) == wanted.household_id)
    if wanted.actor_account_id is not None:
        statement = statement.where(col(AuditEvent.actor_account_id) == wanted.actor_account_id)
    if wanted.action is not None:
        statement = statement.where(col(AuditEvent.action) == wanted.action)
    if wanted.outcome is not None:
        statement = statement.where(col(AuditEvent.outcome) == wanted.outcome.value)
    if wanted.since is not None:
        statement = statement.where(col(AuditEvent.at) >= wanted.since)
    if wanted.until is not None:
        statement = statement.where(col(AuditEvent.at) < wanted.until)
    return statement


def list_audit_events(
    session: Session,
    principal: Principal,
    wanted: AuditFilter,
    *,
    first: int,
    after: str | None,
) -> Page[AuditEvent]:
    """One page of the trail the principal may read, newest first."""
    page = fetch_page(
        session,
        audit_events_statement(principal, wanted),
        NEWEST_FIRST,
        first=first,
        after=after,
        key_of=lambda row: (row[0].at, row[0].id),
    )
    return replace(page, rows=[row for (row,) in page.rows])


def audit_events_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, AuditEvent]:
    """The events among `ids` the principal may read (the same rule as the list)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.id).in_(wanted))
        .where(visible_audit_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def account_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Current display names of the accounts `ids` (the actors of a page of events)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Account.id, Account.display_name).where(col(Account.id).in_(wanted))
    ).all()
    return {account_id: name for account_id, name in rows if account_id is not None}


def field_names(event: AuditEvent) -> Sequence[str]:
    """The names of the fields an event read or changed; other details (statuses, amounts,
    reasons) stay in the log for the operator and are not shown."""
    fields = event.detail.get("fields") if isinstance(event.detail, dict) else None
    return [str(name) for name in fields] if isinstance(fields, list) else []
