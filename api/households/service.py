"""The household registry: registration, verification, poverty status, subsidies, consent.

Every change is audited; who may change a household is decided by region coverage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.roles import Role
from api.core.security import new_public_code
from api.core.settings import Instance
from api.core.sqlhints import constant
from api.core.validation import FieldErrors, check_money, clean_text, optional_text
from api.households.models import (
    Household,
    HouseholdCause,
    HouseholdStatusChange,
    HouseholdSubsidy,
    PovertyStatus,
    VerificationStatus,
)
from api.regions.models import Region
from api.regions.service import check_takes_new_records
from api.stats.metrics import HOUSEHOLDS_LIFTED_OUT, HOUSEHOLDS_REGISTERED
from api.stats.sections import HOUSEHOLDS_LIFTED_OUT_BY_MONTH
from api.stats.service import bump

MAX_MEMBERS = 100
ALLOWED_STATUS_CHANGES: dict[str, frozenset[str]] = {
    PovertyStatus.REGISTERED: frozenset({PovertyStatus.IN_POVERTY, PovertyStatus.LIFTED_OUT}),
    PovertyStatus.IN_POVERTY: frozenset({PovertyStatus.LIFTED_OUT}),
    PovertyStatus.LIFTED_OUT: frozenset({PovertyStatus.RELAPSED}),
    PovertyStatus.RELAPSED: frozenset({PovertyStatus.LIFTED_OUT}),
}
AUDIT_SUBJECT = "Household"
# The easternmost UTC offset in use (Kiribati, UTC+14).
_LATEST_UTC_OFFSET = timedelta(hours=14)


def latest_today() -> date:
    """The latest date it is anywhere right now. A date a caseworker enters as "today" in
    their own time zone is never after it, even when it is already tomorrow in UTC's terms."""
    return (utcnow() + _LATEST_UTC_OFFSET).date()


@dataclass
class HouseholdDetails:
    """Personal details as entered by a caseworker; None means "leave unchanged" on update."""

    head_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    members_count: int | None = None
    income_per_member_minor: int | None = None
    income_currency: str | None = None
    causes: list[str] | None = None


def public_households_condition() -> sa.ColumnElement[bool]:
    """Households anyone may see through the public view."""
    # Literals, not bound values: the partial index of public households
    # (models.PUBLIC_HOUSEHOLD_CONDITION) is only used when the statement implies it.
    return sa.and_(
        col(Household.verification_status) == constant(VerificationStatus.VERIFIED),
        col(Household.consent_to_publish).is_(True),
    )


def visible_households_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Row visibility: admins all; caseworkers their area plus public ones; others public."""
    if principal.is_admin:
        return sa.true()
    public = public_households_condition()
    if principal.role == Role.CASEWORKER and principal.region_path:
        in_area = col(Household.region_id).in_(
            select(Region.id).where(col(Region.path).startswith(principal.region_path))
        )
        return sa.or_(public, in_area)
    if principal.household_id is not None:
        return sa.or_(public, col(Household.id) == principal.household_id)
    return public


def has_cause_condition(cause: str) -> sa.ColumnElement[bool]:
    """The household has this cause of poverty: a lookup in household_cause's primary key
    for each household a list walks (not the list of every household with the cause)."""
    return sa.exists().where(
        col(HouseholdCause.household_id) == col(Household.id),
        col(HouseholdCause.cause_code) == cause,
    )


def _region_for(session: Session, actor: Principal, region_id: int, field: str) -> Region:
    """The region a household is registered or moved into: in the actor's area and not
    retired (a retired area takes no new households; those already there stay)."""
    region = session.get(Region, region_id)
    if region is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field=field)
    if not actor.covers_region(region.path):
        raise ServiceError(ErrorCode.FORBIDDEN, field=field)
    check_takes_new_records(session, region, field=field)
    return region


def household_for_staff(session: Session, actor: Principal, household_id: int) -> Household:
    """A household the caseworker (or admin) may change; others get NOT_FOUND or FORBIDDEN."""
    household = session.get(Household, household_id)
    if household is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    region = session.get(Region, household.region_id)
    if region is None or not actor.covers_region(region.path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return household


def _validate_details(
    details: HouseholdDetails, instance: Instance, *, creating: bool
) -> list[ServiceError]:
    errors: list[ServiceError] = []

    def check(action: object) -> None:
        try:
            if callable(action):
                action()
        except ServiceError as error:
            errors.append(error)
        except ServiceErrors as many:
            errors.extend(many.errors)

    if creating or details.head_name is not None:
        check(lambda: clean_text(details.head_name, field="headName", limit=200))
    for name, limit in (("national_id", 64), ("phone", 40), ("address", 500)):
        value = getattr(details, name)
        camel = "".join(p if i == 0 else p.title() for i, p in enumerate(name.split("_")))
        check(lambda v=value, f=camel, n=limit: optional_text(v, field=f, limit=n))
    if details.latitude is not None and not -90 <= details.latitude <= 90:
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="latitude"))
    if details.longitude is not None and not -180 <= details.longitude <= 180:
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="longitude"))
    if creating and details.members_count is None:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="membersCount"))
    if details.members_count is not None and not 1 <= details.members_count <= MAX_MEMBERS:
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="membersCount"))
    if details.income_per_member_minor is not None:
        check(
            lambda: check_money(
                instance,
                details.income_per_member_minor,
                details.income_currency,
                field="annualIncomePerMember.amountMinor",
                currency_field="annualIncomePerMember.currency",
                allow_zero=True,
            )
        )
    if (creating or details.causes is not None) and not details.causes:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="causes"))
    elif details.causes is not None and not set(details.causes) <= instance.cause_codes():
        errors.append(ServiceError(ErrorCode.UNKNOWN_CODE, field="causes"))
    return errors


# Audit events name changed fields as the API spells them, never their values.
_AUDIT_NAMES = {
    "head_name": "headName",
    "national_id": "nationalId",
    "phone": "phone",
    "address": "address",
    "latitude": "latitude",
    "longitude": "longitude",
    "members_count": "membersCount",
    "income": "annualIncomePerMember",
    "causes": "causes",
}


def _given_fields(details: HouseholdDetails) -> list[str]:
    given = {
        "income" if name.startswith("income_") else name
        for name, value in vars(details).items()
        if value is not None
    }
    return sorted(_AUDIT_NAMES[name] for name in given)


def _apply_details(household: Household, details: HouseholdDetails) -> list[str]:
    """Copy the given details onto the row; returns the API names of the changed ones."""
    changed: list[str] = []
    for name in (
        "head_name",
        "national_id",
        "phone",
        "address",
        "latitude",
        "longitude",
        "members_count",
    ):
        value = getattr(details, name)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if getattr(household, name) != value:
            setattr(household, name, value)
            changed.append(_AUDIT_NAMES[name])
    if details.income_per_member_minor is not None and (
        household.annual_income_per_member_minor,
        household.income_currency,
    ) != (details.income_per_member_minor, details.income_currency):
        household.annual_income_per_member_minor = details.income_per_member_minor
        household.income_currency = details.income_currency
        changed.append(_AUDIT_NAMES["income"])
    return changed


def _set_causes(session: Session, household_id: int, causes: Iterable[str]) -> bool:
    """Replace the household's causes; True when they changed."""
    wanted = set(causes)
    current = set(
        session.exec(
            select(HouseholdCause.cause_code).where(HouseholdCause.household_id == household_id)
        ).all()
    )
    if wanted == current:
        return False
    session.execute(
        sa.delete(HouseholdCause).where(col(HouseholdCause.household_id) == household_id)
    )
    session.add_all(
        HouseholdCause(household_id=household_id, cause_code=code) for code in sorted(wanted)
    )
    return True


def register_household(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    region_id: int,
    details: HouseholdDetails,
    consent_to_publish: bool,
) -> Household:
    errors = _validate_details(details, instance, creating=True)
    try:
        region = _region_for(session, actor, region_id, "region")
    except ServiceError as error:
        errors.insert(0, error)
    if errors:
        raise ServiceErrors(errors)
    now = utcnow()
    household = Household(
        public_code=_unused_public_code(session),
        region_id=region.id,  # type: ignore[arg-type]
        head_name="",
        members_count=0,
        consent_to_publish=consent_to_publish,
        consent_recorded_at=now,
        registered_by_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    _apply_details(household, details)
    session.add(household)
    session.flush()
    assert household.id is not None
    _set_causes(session, household.id, details.causes or [])
    session.add(
        HouseholdStatusChange(
            household_id=household.id,
            status=PovertyStatus.REGISTERED,
            effective_on=now.date(),
            recorded_by_id=actor.account_id,
        )
    )
    record_audit(
        session,
        actor=actor,
        action="household.register",
        subject_type=AUDIT_SUBJECT,
        subject_id=household.id,
        detail={"fields": sorted(["region", *_given_fields(details)])},
    )
    bump(session, region.path, HOUSEHOLDS_REGISTERED)
    session.flush()
    return household


def _unused_public_code(session: Session) -> str:
    for _ in range(10):
        code = new_public_code("HH")
        if session.exec(select(Household.id).where(Household.public_code == code)).first() is None:
            return code
    raise RuntimeError("could not draw an unused household code")  # pragma: no cover


def update_household(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    household_id: int,
    details: HouseholdDetails,
    region_id: int | None = None,
) -> Household:
    household = household_for_staff(session, actor, household_id)
    errors = _validate_details(details, instance, creating=False)
    old_region = session.get(Region, household.region_id)
    new_region = None
    if region_id is not None and region_id != household.region_id:
        try:
            new_region = _region_for(session, actor, region_id, "region")
        except ServiceError as error:
            errors.insert(0, error)
    if errors:
        raise ServiceErrors(errors)
    changed = _apply_details(household, details)
    if details.causes is not None and _set_causes(session, household_id, details.causes):
        changed.append(_AUDIT_NAMES["causes"])
    if new_region is not None:
        # The household's requests keep the region they were made in (help_request
        # .region_path), so per-region request statistics stay historical and exact.
        old_path = old_region.path if old_region else None
        bump(session, old_path, HOUSEHOLDS_REGISTERED, -1)
        bump(session, new_region.path, HOUSEHOLDS_REGISTERED)
        if household.poverty_status == PovertyStatus.LIFTED_OUT:
            bump(session, old_path, HOUSEHOLDS_LIFTED_OUT, -1)
            bump(session, new_region.path, HOUSEHOLDS_LIFTED_OUT)
        household.region_id = new_region.id  # type: ignore[assignment]
        changed.append("region")
    household.updated_at = utcnow()
    session.add(household)
    record_audit(
        session,
        actor=actor,
        action="household.update",
        subject_type=AUDIT_SUBJECT,
        subject_id=household_id,
        detail={"fields": sorted(changed)},
    )
    session.flush()
    return household


def verify_household(
    session: Session, *, actor: Principal, household_id: int, approve: bool
) -> Household:
    household = household_for_staff(session, actor, household_id)
    household.verification_status = (
        VerificationStatus.VERIFIED if approve else VerificationStatus.REJECTED
    )
    household.verified_by_id = actor.account_id
    household.verified_at = utcnow()
    household.updated_at = household.verified_at
    session.add(household)
    record_audit(
        session,
        actor=actor,
        action="household.verify" if approve else "household.reject",
        subject_type=AUDIT_SUBJECT,
        subject_id=household_id,
    )
    session.flush()
    return household


def change_poverty_status(
    session: Session,
    *,
    actor: Principal,
    household_id: int,
    status: str,
    effective_on: date,
    note: str | None,
) -> Household:
    household = household_for_staff(session, actor, household_id)
    errors: list[ServiceError] = []
    if status not in ALLOWED_STATUS_CHANGES.get(household.poverty_status, frozenset()):
        errors.append(ServiceError(ErrorCode.INVALID_STATE, field="status"))
    # Not in the future, and not before the previous change of status, so the changes read
    # oldest first end with the current status. The REGISTERED entry only dates the record
    # (in UTC): a status assessed before registration may be dated before it.
    last_change = session.exec(
        select(sa.func.max(HouseholdStatusChange.effective_on)).where(
            HouseholdStatusChange.household_id == household_id,
            HouseholdStatusChange.status != PovertyStatus.REGISTERED,
        )
    ).one()
    if effective_on > latest_today() or (last_change is not None and effective_on < last_change):
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="effectiveOn"))
    try:
        note = optional_text(note, field="note", limit=1000)
    except ServiceError as error:
        errors.append(error)
    if errors:
        raise ServiceErrors(errors)
    region = session.get(Region, household.region_id)
    path = region.path if region else None
    if status == PovertyStatus.LIFTED_OUT:
        bump(session, path, HOUSEHOLDS_LIFTED_OUT)
        bump(
            session,
            path,
            HOUSEHOLDS_LIFTED_OUT_BY_MONTH,
            bucket=effective_on.year * 12 + effective_on.month,
        )
    elif household.poverty_status == PovertyStatus.LIFTED_OUT:
        bump(session, path, HOUSEHOLDS_LIFTED_OUT, -1)
    household.poverty_status = status
    household.updated_at = utcnow()
    session.add(household)
    session.add(
        HouseholdStatusChange(
            household_id=household_id,
            status=status,
            effective_on=effective_on,
            note=note,
            recorded_by_id=actor.account_id,
        )
    )
    record_audit(
        session,
        actor=actor,
        action="household.status_change",
        subject_type=AUDIT_SUBJECT,
        subject_id=household_id,
        detail={"status": status},
    )
    session.flush()
    return household


def record_subsidy(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    household_id: int,
    programme: str,
    amount_minor: int,
    currency: str,
    received_on: date,
) -> HouseholdSubsidy:
    household_for_staff(session, actor, household_id)
    found = FieldErrors()
    found.check(lambda: clean_text(programme, field="programme", limit=200))
    found.check(
        lambda: check_money(
            instance,
            amount_minor,
            currency,
            field="amount.amountMinor",
            currency_field="amount.currency",
        )
    )
    if received_on > latest_today():
        found.add(ErrorCode.OUT_OF_RANGE, "receivedOn")
    found.raise_if_any()
    subsidy = HouseholdSubsidy(
        household_id=household_id,
        programme=programme.strip(),
        amount_minor=amount_minor,
        currency=currency,
        received_on=received_on,
        recorded_by_id=actor.account_id,
    )
    session.add(subsidy)
    record_audit(
        session,
        actor=actor,
        action="household.subsidy_record",
        subject_type=AUDIT_SUBJECT,
        subject_id=household_id,
    )
    session.flush()
    return subsidy


def set_consent(
    session: Session, *, actor: Principal, household_id: int, consent_to_publish: bool
) -> Household:
    household = household_for_staff(session, actor, household_id)
    household.consent_to_publish = consent_to_publish
    household.consent_recorded_at = utcnow()
    household.updated_at = household.consent_recorded_at
    session.add(household)
    record_audit(
        session,
        actor=actor,
        action="household.consent_change",
        subject_type=AUDIT_SUBJECT,
        subject_id=household_id,
        detail={"consent_to_publish": consent_to_publish},
    )
    session.flush()
    return household


def causes_by_household(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    wanted = set(ids)
    result: dict[int, list[str]] = {i: [] for i in wanted}
    if wanted:
        rows = session.exec(
            select(HouseholdCause.household_id, HouseholdCause.cause_code)
            .where(col(HouseholdCause.household_id).in_(wanted))
            .order_by(col(HouseholdCause.cause_code))
        ).all()
        for household_id, code in rows:
            result[household_id].append(code)
    return result
