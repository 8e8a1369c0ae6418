"""Pairings: proposal, acceptance, end; commitments, milestones and progress reports; who
may see and change which pairing.

Lifecycle: PROPOSED -> ACTIVE -> COMPLETED, or ENDED_EARLY from PROPOSED or ACTIVE. Status
changes are compare-and-set UPDATEs, so two people acting at once cannot both succeed (and
counters are bumped once). Every status change is audited.

Who does what:
- propose: the helper side (a HELPER, or an ORGANISATION_ADMIN acting for its enterprise
  or organisation profile; enterprise-village pairings need an ENTERPRISE profile), a
  caseworker covering the village or household, or an admin;
- accept, complete: a caseworker covering the village or household, or an admin;
- end early, add commitments and milestones, complete milestones, submit reports: the
  helper side or a covering caseworker or admin.

Money in commitments and reports is the helper's own spending as reported; it never
passes through the platform and is never posted to `api.ledger`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.roles import Role
from api.core.settings import Instance
from api.core.validation import FieldErrors, check_amount, check_money, clean_text, optional_text
from api.helpers.models import Helper, HelperKind
from api.households.models import Household
from api.households.service import (
    latest_today,
    public_households_condition,
    visible_households_condition,
)
from api.pairing import metrics
from api.pairing.models import (
    LIVE_STATUSES,
    MONEY_KINDS,
    PUBLIC_STATUSES,
    CommitmentKind,
    MilestoneStatus,
    Pairing,
    PairingCommitment,
    PairingDelivery,
    PairingKind,
    PairingMilestone,
    PairingReport,
    PairingStatus,
)
from api.regions.models import Region
from api.stats.service import bump

AUDIT_SUBJECT = "Pairing"
Child = TypeVar("Child", PairingCommitment, PairingMilestone, PairingReport)
HELPER_SIDE_ROLES = (Role.HELPER, Role.ORGANISATION_ADMIN)
MAX_PERIOD_DAYS = 3660  # ten years
MAX_COUNT = 10_000_000
MAX_COMMITMENTS = 20
MAX_DELIVERIES = 20
DESCRIPTION_LIMIT = 500
TITLE_LIMIT = 200
NARRATIVE_LIMIT = 5000


@dataclass(frozen=True)
class CommitmentDraft:
    """A commitment as given: `target_minor` + `currency` for MONEY and PURCHASES,
    `target_count` for JOBS and TRAINING."""

    kind: str
    description: str | None = None
    target_minor: int | None = None
    currency: str | None = None
    target_count: int | None = None


@dataclass(frozen=True)
class DeliveryDraft:
    """What a report delivered towards one commitment: an amount or a count."""

    commitment_id: int
    amount_minor: int | None = None
    currency: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class CommitmentProgress:
    commitment: PairingCommitment
    delivered_minor: int
    delivered_count: int


def public_pairings_condition() -> sa.ColumnElement[bool]:
    """The public ledger: ACTIVE and COMPLETED pairings; household pairings only when the
    household itself is public (verified, consented to publication)."""
    return sa.and_(
        col(Pairing.status).in_(PUBLIC_STATUSES),
        sa.or_(
            col(Pairing.kind) == PairingKind.ENTERPRISE_VILLAGE,
            # The household by its primary key, for each pairing walked.
            sa.exists().where(
                col(Household.id) == col(Pairing.household_id), public_households_condition()
            ),
        ),
    )


def visible_pairings_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Row visibility: admins all; caseworkers every pairing in their area plus the public
    ones; a helper side its own pairings plus the public ones; everyone else the public."""
    if principal.is_admin:
        return sa.true()
    public = public_pairings_condition()
    if principal.role == Role.CASEWORKER and principal.region_path:
        return sa.or_(public, col(Pairing.region_path).startswith(principal.region_path))
    if principal.role in HELPER_SIDE_ROLES and principal.helper_id is not None:
        return sa.or_(public, col(Pairing.helper_id) == principal.helper_id)
    return public


def area_condition(
    principal: Principal, region: Region, public_level: int
) -> sa.ColumnElement[bool]:
    """Pairings in `region` or below. Household pairings are matched below the instance's
    public level only for those who may see the household's exact region (caseworkers
    covering it, admins), so a fine filter cannot reveal where a household lives."""
    inside = col(Pairing.region_path).startswith(region.path)
    if region.level <= public_level or principal.is_admin:
        return inside
    villages = col(Pairing.kind) == PairingKind.ENTERPRISE_VILLAGE
    if principal.role == Role.CASEWORKER and principal.region_path:
        return sa.and_(
            inside,
            sa.or_(villages, col(Pairing.region_path).startswith(principal.region_path)),
        )
    return sa.and_(inside, villages)


def is_helper_side(actor: Principal, pairing: Pairing) -> bool:
    return actor.role in HELPER_SIDE_ROLES and actor.helper_id == pairing.helper_id


def _visible_pairing(session: Session, actor: Principal, pairing_id: int, field: str) -> Pairing:
    pairing = session.exec(
        select(Pairing)
        .where(col(Pairing.id) == pairing_id)
        .where(visible_pairings_condition(actor))
    ).first()
    if pairing is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field=field)
    return pairing


def _managed_pairing(
    session: Session, actor: Principal, pairing_id: int, *, field: str = "id"
) -> Pairing:
    """A pairing the actor may work on: the helper side, a covering caseworker, an admin."""
    pairing = _visible_pairing(session, actor, pairing_id, field)
    if not (is_helper_side(actor, pairing) or actor.covers_region(pairing.region_path)):
        raise ServiceError(ErrorCode.FORBIDDEN, field=field)
    return pairing


# --- Validation ------------------------------------------------------------------------------


def _check_period(found: FieldErrors, start: date, end: date, prefix: str = "") -> None:
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        found.add(ErrorCode.OUT_OF_RANGE, f"{prefix}periodEnd")


def _check_commitment(
    found: FieldErrors, draft: CommitmentDraft, prefix: str, instance: Instance
) -> None:
    if draft.kind not in CommitmentKind.__members__:
        found.add(ErrorCode.INVALID, f"{prefix}kind")
        return
    found.check(
        lambda: optional_text(
            draft.description, field=f"{prefix}description", limit=DESCRIPTION_LIMIT
        )
    )
    if draft.kind in MONEY_KINDS:
        if draft.target_count is not None:
            found.add(ErrorCode.INVALID, f"{prefix}targetCount")
        if draft.target_minor is None or draft.currency is None:
            found.add(ErrorCode.REQUIRED, f"{prefix}target")
            return
        found.check(
            lambda: check_money(
                instance,
                draft.target_minor,
                draft.currency,
                field=f"{prefix}target.amountMinor",
                currency_field=f"{prefix}target.currency",
            )
        )
    else:
        if draft.target_minor is not None or draft.currency is not None:
            found.add(ErrorCode.INVALID, f"{prefix}target")
        if draft.target_count is None:
            found.add(ErrorCode.REQUIRED, f"{prefix}targetCount")
        elif not 1 <= draft.target_count <= MAX_COUNT:
            found.add(ErrorCode.OUT_OF_RANGE, f"{prefix}targetCount")


def _commitment_row(pairing_id: int, draft: CommitmentDraft) -> PairingCommitment:
    money = draft.kind in MONEY_KINDS
    return PairingCommitment(
        pairing_id=pairing_id,
        kind=draft.kind,
        description=(draft.description or "").strip() or None,
        target_amount_minor=draft.target_minor if money else None,
        currency=draft.currency if money else None,
        target_count=None if money else draft.target_count,
    )


# --- Lifecycle -------------------------------------------------------------------------------


def propose_pairing(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    kind: str,
    helper_id: int | None,
    village_id: int | None,
    household_id: int | None,
    period_start: date,
    period_end: date,
    commitments: list[CommitmentDraft] | None = None,
) -> Pairing:
    """A new PROPOSED pairing with its first commitments; every input error at once."""
    found = FieldErrors()
    if kind not in PairingKind.__members__:
        found.add(ErrorCode.INVALID, "kind")
        found.raise_if_any()
    helper = _proposing_helper(session, actor, helper_id, found)
    enterprise_needed = kind == PairingKind.ENTERPRISE_VILLAGE
    if helper is not None and enterprise_needed and helper.kind != HelperKind.ENTERPRISE:
        found.add(ErrorCode.INVALID, "helper")
    region_path: str | None = None
    if kind == PairingKind.ENTERPRISE_VILLAGE:
        if household_id is not None:
            found.add(ErrorCode.INVALID, "household")
        region_path = _village_path(session, actor, instance, village_id, found)
    else:
        if village_id is not None:
            found.add(ErrorCode.INVALID, "village")
        region_path = _household_path(session, actor, household_id, found)
    _check_period(found, period_start, period_end)
    drafts = commitments or []
    if len(drafts) > MAX_COMMITMENTS:
        found.add(ErrorCode.OUT_OF_RANGE, "commitments")
    for index, draft in enumerate(drafts):
        _check_commitment(found, draft, f"commitments.{index}.", instance)
    if helper is not None and region_path is not None:
        target = (
            col(Pairing.village_id) == village_id
            if kind == PairingKind.ENTERPRISE_VILLAGE
            else col(Pairing.household_id) == household_id
        )
        live = session.exec(
            select(Pairing.id).where(
                col(Pairing.helper_id) == helper.id,
                target,
                col(Pairing.status).in_(LIVE_STATUSES),
            )
        ).first()
        if live is not None:
            found.add(
                ErrorCode.DUPLICATE,
                "village" if kind == PairingKind.ENTERPRISE_VILLAGE else "household",
            )
    found.raise_if_any()
    assert helper is not None and helper.id is not None and region_path is not None
    pairing = Pairing(
        kind=kind,
        status=PairingStatus.PROPOSED,
        helper_id=helper.id,
        village_id=village_id if kind == PairingKind.ENTERPRISE_VILLAGE else None,
        household_id=household_id if kind == PairingKind.HELPER_HOUSEHOLD else None,
        region_path=region_path,
        period_start=period_start,
        period_end=period_end,
        proposed_by_id=actor.account_id,
        proposed_at=utcnow(),
    )
    session.add(pairing)
    session.flush()
    assert pairing.id is not None
    session.add_all([_commitment_row(pairing.id, draft) for draft in drafts])
    record_audit(
        session,
        actor=actor,
        action="pairing.propose",
        subject_type=AUDIT_SUBJECT,
        subject_id=pairing.id,
        detail={"to": PairingStatus.PROPOSED.value, "kind": kind},
    )
    session.flush()
    return pairing


def _proposing_helper(
    session: Session, actor: Principal, helper_id: int | None, found: FieldErrors
) -> Helper | None:
    """Helper sides propose for their own profile; staff name the helper."""
    if actor.role in HELPER_SIDE_ROLES:
        if actor.helper_id is None or (helper_id is not None and helper_id != actor.helper_id):
            found.add(ErrorCode.FORBIDDEN, "helper")
            return None
        helper_id = actor.helper_id
    elif helper_id is None:
        found.add(ErrorCode.REQUIRED, "helper")
        return None
    helper = session.get(Helper, helper_id)
    if helper is None:
        found.add(ErrorCode.NOT_FOUND, "helper")
    return helper


def _village_path(
    session: Session,
    actor: Principal,
    instance: Instance,
    village_id: int | None,
    found: FieldErrors,
) -> str | None:
    if village_id is None:
        found.add(ErrorCode.REQUIRED, "village")
        return None
    village = session.get(Region, village_id)
    if village is None:
        found.add(ErrorCode.NOT_FOUND, "village")
        return None
    if village.level != len(instance.admin_levels):
        # Villages are the regions at the lowest administrative level.
        found.add(ErrorCode.INVALID, "village")
        return None
    if actor.role not in HELPER_SIDE_ROLES and not actor.covers_region(village.path):
        found.add(ErrorCode.FORBIDDEN, "village")
        return None
    return village.path


def _household_path(
    session: Session, actor: Principal, household_id: int | None, found: FieldErrors
) -> str | None:
    if household_id is None:
        found.add(ErrorCode.REQUIRED, "household")
        return None
    row = session.exec(
        select(Household.id, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(col(Household.id) == household_id)
        .where(visible_households_condition(actor))
    ).first()
    if row is None:
        found.add(ErrorCode.NOT_FOUND, "household")
        return None
    path = row[1]
    if actor.role not in HELPER_SIDE_ROLES and not actor.covers_region(path):
        found.add(ErrorCode.FORBIDDEN, "household")
        return None
    return path


def accept_pairing(session: Session, *, actor: Principal, pairing_id: int) -> Pairing:
    """PROPOSED -> ACTIVE, by a caseworker covering the village or household, or an admin."""
    pairing = _visible_pairing(session, actor, pairing_id, "id")
    if not actor.covers_region(pairing.region_path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    _lock_for_counting(session, pairing)
    now = utcnow()
    if not _change_status(
        session,
        pairing,
        (PairingStatus.PROPOSED,),
        status=PairingStatus.ACTIVE,
        accepted_by_id=actor.account_id,
        accepted_at=now,
    ):
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    path = pairing.region_path
    bump(session, path, metrics.PAIRINGS_ACTIVE, 1)
    bump(session, path, metrics.PAIRINGS_STARTED_BY_MONTH, 1, bucket=metrics.month_bucket(now))
    _count_distinct(session, pairing, 1)
    _audit_status(session, actor, pairing, PairingStatus.PROPOSED)
    return pairing


def end_pairing(session: Session, *, actor: Principal, pairing_id: int, outcome: str) -> Pairing:
    """ACTIVE -> COMPLETED (covering caseworker or admin), or PROPOSED/ACTIVE ->
    ENDED_EARLY (also the helper side, e.g. to withdraw a proposal)."""
    pairing = _managed_pairing(session, actor, pairing_id)
    if outcome == PairingStatus.COMPLETED:
        if not actor.covers_region(pairing.region_path):
            raise ServiceError(ErrorCode.FORBIDDEN, field="outcome")
        allowed: tuple[PairingStatus, ...] = (PairingStatus.ACTIVE,)
    elif outcome == PairingStatus.ENDED_EARLY:
        allowed = LIVE_STATUSES
    else:
        raise ServiceError(ErrorCode.INVALID, field="outcome")
    previous = PairingStatus(pairing.status)
    _lock_for_counting(session, pairing)
    if not _change_status(
        session,
        pairing,
        allowed,
        status=outcome,
        ended_by_id=actor.account_id,
        ended_at=utcnow(),
    ):
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    if previous == PairingStatus.ACTIVE:
        bump(session, pairing.region_path, metrics.PAIRINGS_ACTIVE, -1)
        _count_distinct(session, pairing, -1)
    _audit_status(session, actor, pairing, previous)
    return pairing


def _change_status(
    session: Session,
    pairing: Pairing,
    from_statuses: tuple[PairingStatus, ...],
    **values: object,
) -> bool:
    changed = session.execute(
        sa.update(Pairing)
        .where(col(Pairing.id) == pairing.id, col(Pairing.status).in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(pairing)
    return bool(changed)


def _lock_for_counting(session: Session, pairing: Pairing) -> None:
    """On PostgreSQL, serialise status changes of one enterprise and one village, so that
    "first active pairing" is decided on committed data (SQLite has one writer anyway)."""
    session.execute(
        sa.select(col(Helper.id)).where(col(Helper.id) == pairing.helper_id).with_for_update()
    )
    if pairing.village_id is not None:
        session.execute(
            sa.select(col(Region.id)).where(col(Region.id) == pairing.village_id).with_for_update()
        )


def _count_distinct(session: Session, pairing: Pairing, sign: int) -> None:
    """Enterprises and villages paired: counted in a scope while they have at least one
    ACTIVE enterprise-village pairing there. Called after `pairing` changed status."""
    if pairing.kind != PairingKind.ENTERPRISE_VILLAGE:
        return
    others = select(Pairing.region_path, Pairing.village_id).where(
        col(Pairing.kind) == PairingKind.ENTERPRISE_VILLAGE,
        col(Pairing.status) == PairingStatus.ACTIVE,
        col(Pairing.id) != pairing.id,
    )
    enterprise_paths = session.exec(others.where(col(Pairing.helper_id) == pairing.helper_id)).all()
    path = pairing.region_path
    # +1 in every scope of the village, -1 back in the scopes the enterprise already had.
    bump(session, path, metrics.ENTERPRISES_PAIRED, sign)
    shared = metrics.shared_ancestor_path(path, [p for p, _ in enterprise_paths])
    if shared is not None:
        bump(session, shared, metrics.ENTERPRISES_PAIRED, -sign)
    village_taken = session.exec(
        others.where(col(Pairing.village_id) == pairing.village_id)
    ).first()
    if village_taken is None:
        bump(session, path, metrics.VILLAGES_PAIRED, sign)


def _audit_status(
    session: Session, actor: Principal, pairing: Pairing, previous: PairingStatus
) -> None:
    assert pairing.id is not None
    record_audit(
        session,
        actor=actor,
        action="pairing.status",
        subject_type=AUDIT_SUBJECT,
        subject_id=pairing.id,
        detail={"from": previous.value, "to": pairing.status},
    )


# --- Commitments, milestones, reports --------------------------------------------------------


def add_commitment(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    pairing_id: int,
    draft: CommitmentDraft,
) -> PairingCommitment:
    pairing = _managed_pairing(session, actor, pairing_id, field="pairing")
    if pairing.status not in LIVE_STATUSES:
        raise ServiceError(ErrorCode.INVALID_STATE, field="pairing")
    found = FieldErrors()
    _check_commitment(found, draft, "", instance)
    count = session.exec(
        select(sa.func.count()).where(col(PairingCommitment.pairing_id) == pairing_id)
    ).one()
    if count >= MAX_COMMITMENTS:
        found.add(ErrorCode.OUT_OF_RANGE, "pairing")
    found.raise_if_any()
    row = _commitment_row(pairing_id, draft)
    session.add(row)
    session.flush()
    return row


def add_milestone(
    session: Session, *, actor: Principal, pairing_id: int, title: str, due_on: date
) -> PairingMilestone:
    pairing = _managed_pairing(session, actor, pairing_id, field="pairing")
    if pairing.status not in LIVE_STATUSES:
        raise ServiceError(ErrorCode.INVALID_STATE, field="pairing")
    found = FieldErrors()
    found.check(lambda: clean_text(title, field="title", limit=TITLE_LIMIT))
    if not pairing.period_start <= due_on <= pairing.period_end:
        found.add(ErrorCode.OUT_OF_RANGE, "dueOn")
    found.raise_if_any()
    row = PairingMilestone(pairing_id=pairing_id, title=title.strip(), due_on=due_on)
    session.add(row)
    session.flush()
    return row


def complete_milestone(
    session: Session, *, actor: Principal, milestone_id: int, done_on: date | None
) -> PairingMilestone:
    milestone = session.get(PairingMilestone, milestone_id)
    if milestone is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    pairing = _managed_pairing(session, actor, milestone.pairing_id)
    if pairing.status != PairingStatus.ACTIVE or milestone.status == MilestoneStatus.DONE:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    done = done_on or utcnow().date()
    if done > latest_today() or done < pairing.period_start:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field="doneOn")
    changed = session.execute(
        sa.update(PairingMilestone)
        .where(
            col(PairingMilestone.id) == milestone_id,
            col(PairingMilestone.status) == MilestoneStatus.PLANNED,
        )
        .values(status=MilestoneStatus.DONE, done_on=done)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    session.refresh(milestone)
    record_audit(
        session,
        actor=actor,
        action="pairing.milestone_done",
        subject_type=AUDIT_SUBJECT,
        subject_id=pairing.id or 0,
        detail={"milestone": milestone_id},
    )
    return milestone


def submit_report(
    session: Session,
    *,
    actor: Principal,
    pairing_id: int,
    period_start: date,
    period_end: date,
    narrative: str,
    deliveries: list[DeliveryDraft],
) -> PairingReport:
    """An append-only report on an ACTIVE pairing: a narrative (public, as written) and
    what was delivered towards each commitment in the period."""
    pairing = _managed_pairing(session, actor, pairing_id, field="pairing")
    if pairing.status != PairingStatus.ACTIVE:
        raise ServiceError(ErrorCode.INVALID_STATE, field="pairing")
    found = FieldErrors()
    found.check(lambda: clean_text(narrative, field="narrative", limit=NARRATIVE_LIMIT))
    _check_period(found, period_start, period_end)
    if period_start < pairing.period_start:
        found.add(ErrorCode.OUT_OF_RANGE, "periodStart")
    if period_end > latest_today():
        found.add(ErrorCode.OUT_OF_RANGE, "periodEnd")
    if len(deliveries) > MAX_DELIVERIES:
        found.add(ErrorCode.OUT_OF_RANGE, "deliveries")
    commitments = {
        row.id: row
        for row in session.exec(
            select(PairingCommitment).where(col(PairingCommitment.pairing_id) == pairing_id)
        ).all()
    }
    seen: set[int] = set()
    for index, delivery in enumerate(deliveries):
        _check_delivery(found, delivery, commitments.get(delivery.commitment_id), index, seen)
    found.raise_if_any()
    report = PairingReport(
        pairing_id=pairing_id,
        period_start=period_start,
        period_end=period_end,
        narrative=narrative.strip(),
        submitted_by_id=actor.account_id,
        submitted_at=utcnow(),
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    session.add_all(
        [
            PairingDelivery(
                report_id=report.id,
                commitment_id=d.commitment_id,
                amount_minor=d.amount_minor,
                quantity=d.count,
            )
            for d in deliveries
        ]
    )
    session.flush()
    return report


def _check_delivery(
    found: FieldErrors,
    delivery: DeliveryDraft,
    commitment: PairingCommitment | None,
    index: int,
    seen: set[int],
) -> None:
    prefix = f"deliveries.{index}."
    if commitment is None:
        found.add(ErrorCode.NOT_FOUND, f"{prefix}commitment")
        return
    if delivery.commitment_id in seen:
        found.add(ErrorCode.DUPLICATE, f"{prefix}commitment")
    seen.add(delivery.commitment_id)
    if commitment.kind in MONEY_KINDS:
        if delivery.count is not None:
            found.add(ErrorCode.INVALID, f"{prefix}count")
        if delivery.amount_minor is None:
            found.add(ErrorCode.REQUIRED, f"{prefix}amount")
        elif delivery.currency != commitment.currency:
            found.add(
                ErrorCode.CURRENCY_MISMATCH,
                f"{prefix}amount.currency",
                currency=commitment.currency,
            )
        else:
            found.check(
                lambda: check_amount(
                    delivery.amount_minor or 0, field=f"{prefix}amount.amountMinor"
                )
            )
    else:
        if delivery.amount_minor is not None:
            found.add(ErrorCode.INVALID, f"{prefix}amount")
        if delivery.count is None:
            found.add(ErrorCode.REQUIRED, f"{prefix}count")
        elif not 1 <= delivery.count <= MAX_COUNT:
            found.add(ErrorCode.OUT_OF_RANGE, f"{prefix}count")


# --- Reading ---------------------------------------------------------------------------------


def pairings_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Pairing]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(Pairing)
        .where(col(Pairing.id).in_(wanted))
        .where(visible_pairings_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def commitments_of(
    session: Session, pairing_ids: Iterable[int]
) -> dict[int, list[CommitmentProgress]]:
    """Commitments of the pairings, oldest first, each with what reports delivered so far,
    in one statement."""
    wanted = set(pairing_ids)
    result: dict[int, list[CommitmentProgress]] = {i: [] for i in wanted}
    if not wanted:
        return result
    delivered = (
        select(
            col(PairingDelivery.commitment_id).label("commitment_id"),
            sa.func.coalesce(sa.func.sum(PairingDelivery.amount_minor), 0).label("minor"),
            sa.func.coalesce(sa.func.sum(PairingDelivery.quantity), 0).label("count"),
        )
        .join(PairingCommitment, col(PairingCommitment.id) == PairingDelivery.commitment_id)
        .where(col(PairingCommitment.pairing_id).in_(wanted))
        .group_by(col(PairingDelivery.commitment_id))
        .subquery()
    )
    rows = session.exec(
        select(PairingCommitment, delivered.c.minor, delivered.c.count)
        .outerjoin(delivered, delivered.c.commitment_id == PairingCommitment.id)
        .where(col(PairingCommitment.pairing_id).in_(wanted))
        .order_by(col(PairingCommitment.pairing_id), col(PairingCommitment.id))
    ).all()
    for commitment, minor, count in rows:
        result[commitment.pairing_id].append(
            CommitmentProgress(commitment, int(minor or 0), int(count or 0))
        )
    return result


def milestones_of(
    session: Session, pairing_ids: Iterable[int]
) -> dict[int, list[PairingMilestone]]:
    wanted = set(pairing_ids)
    result: dict[int, list[PairingMilestone]] = {i: [] for i in wanted}
    if wanted:
        rows = session.exec(
            select(PairingMilestone)
            .where(col(PairingMilestone.pairing_id).in_(wanted))
            .order_by(col(PairingMilestone.due_on), col(PairingMilestone.id))
        ).all()
        for row in rows:
            result[row.pairing_id].append(row)
    return result


def reports_of(session: Session, pairing_ids: Iterable[int]) -> dict[int, list[PairingReport]]:
    wanted = set(pairing_ids)
    result: dict[int, list[PairingReport]] = {i: [] for i in wanted}
    if wanted:
        rows = session.exec(
            select(PairingReport)
            .where(col(PairingReport.pairing_id).in_(wanted))
            .order_by(col(PairingReport.period_end).desc(), col(PairingReport.id).desc())
        ).all()
        for row in rows:
            result[row.pairing_id].append(row)
    return result


def deliveries_of(session: Session, report_ids: Iterable[int]) -> dict[int, list[PairingDelivery]]:
    wanted = set(report_ids)
    result: dict[int, list[PairingDelivery]] = {i: [] for i in wanted}
    if wanted:
        rows = session.exec(
            select(PairingDelivery)
            .where(col(PairingDelivery.report_id).in_(wanted))
            .order_by(col(PairingDelivery.id))
        ).all()
        for row in rows:
            result[row.report_id].append(row)
    return result


def visible_children(
    session: Session, principal: Principal, table: type[Child], ids: Iterable[int]
) -> dict[int, Child]:
    """Commitments, milestones or reports by id, when their pairing is visible."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows: list[Child] = list(
        session.exec(
            select(table)
            .join(Pairing, col(Pairing.id) == table.pairing_id)
            .where(col(table.id).in_(wanted))
            .where(visible_pairings_condition(principal))
        ).all()
    )
    return {row.id: row for row in rows if row.id is not None}
