"""Help requests: drafting, submission, verification by a caseworker, withdrawal, and who
may see which request.

Lifecycle: DRAFT -> PENDING_VERIFICATION -> OPEN -> PLEDGED -> FULFILLED, with REJECTED at
verification and EXPIRED / WITHDRAWN on the way. Status changes are compare-and-set
UPDATEs (`WHERE status IN (...)`), so two people acting at once cannot both succeed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.i18n import N_
from api.core.roles import Role
from api.core.settings import Instance
from api.core.sqlhints import constants, likely
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import FieldErrors, check_money, clean_text
from api.help_requests.models import (
    EDITABLE_STATUSES,
    PUBLIC_STATUSES,
    URGENCY_RANK,
    WITHDRAWABLE_STATUSES,
    HelpRequest,
    HelpRequestTranslation,
    RequestStatus,
    Urgency,
)
from api.households.models import Household, VerificationStatus
from api.households.service import public_households_condition
from api.pledges.models import Pledge, PledgeStatus
from api.regions.models import Region
from api.regions.service import check_takes_new_records
from api.stats.metrics import REQUESTS_MADE, REQUESTS_PUBLISHED_BY_DAY
from api.stats.service import bump, day_number

AUDIT_SUBJECT = "HelpRequest"
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 5000
ITEM_NAME_LIMIT = 200
ITEM_UNIT_LIMIT = 40
MAX_ITEMS = 50
MAX_ITEM_QUANTITY = 1_000_000


@dataclass(frozen=True)
class Item:
    """One in-kind need: `quantity` of `unit` of `name` (e.g. 2 bags of rice)."""

    name: str
    quantity: int
    unit: str


@dataclass
class RequestDetails:
    """What a household asks for. On update, None means "leave unchanged"; giving a money
    target turns the request into a money request (and clears items), and vice versa."""

    category: str | None = None
    title: str | None = None
    description: str | None = None
    target_minor: int | None = None
    currency: str | None = None
    items: list[Item] | None = None
    deadline: date | None = None
    urgency: str | None = None

    @property
    def has_target(self) -> bool:
        return self.target_minor is not None or self.currency is not None


# --- Visibility ------------------------------------------------------------------------------


def public_requests_condition() -> sa.ColumnElement[bool]:
    """Requests anyone may see: published and not withdrawn, of a public household.

    Shaped for the public lists' partial indexes (models.PUBLIC_STATUS_CONDITION): the
    statuses are literals, marked `likely` (api/core/sqlhints.py), and the household is
    looked up by its primary key for each request walked, so a first page reads about as
    many rows as it shows instead of every public household."""
    return sa.and_(
        likely(col(HelpRequest.status).in_(constants(PUBLIC_STATUSES))),
        sa.exists().where(
            col(Household.id) == col(HelpRequest.household_id), public_households_condition()
        ),
    )


def households_in_area(region_path: str) -> Any:
    """Ids of the households whose region lies in the area (a subquery)."""
    return (
        select(Household.id)
        .join(Region, col(Region.id) == Household.region_id)
        .where(col(Region.path).startswith(region_path))
    )


def visible_requests_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Row visibility: admins all; caseworkers every request of the households in their
    area plus the public ones; a household representative their household's plus the
    public ones; everyone else the public ones."""
    if principal.is_admin:
        return sa.true()
    public = public_requests_condition()
    if principal.role == Role.CASEWORKER and principal.region_path:
        return sa.or_(
            public, col(HelpRequest.household_id).in_(households_in_area(principal.region_path))
        )
    if principal.household_id is not None:
        return sa.or_(public, col(HelpRequest.household_id) == principal.household_id)
    return public


def sees_only_public_requests(principal: Principal) -> bool:
    """True when `visible_requests_condition` is the public condition alone."""
    return not (
        principal.is_admin
        or (principal.role == Role.CASEWORKER and principal.region_path)
        or principal.household_id is not None
    )


def visible_request(session: Session, actor: Principal, request_id: int) -> HelpRequest | None:
    return session.exec(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .where(visible_requests_condition(actor))
    ).first()


def speaks_for_household(session: Session, actor: Principal, household: Household) -> bool:
    """The household's representative, a caseworker covering it, or an admin."""
    if actor.is_admin:
        return True
    if actor.role == Role.HOUSEHOLD_REPRESENTATIVE:
        return actor.household_id == household.id
    if actor.role == Role.CASEWORKER:
        region = session.get(Region, household.region_id)
        return region is not None and actor.covers_region(region.path)
    return False


def covers_household(session: Session, actor: Principal, household: Household) -> bool:
    """A caseworker covering the household, or an admin (the verifiers)."""
    if actor.is_admin:
        return True
    region = session.get(Region, household.region_id)
    return region is not None and actor.role == Role.CASEWORKER and actor.covers_region(region.path)


def _request_for(
    session: Session,
    actor: Principal,
    request_id: int,
    allowed: Callable[[Session, Principal, Household], bool],
) -> tuple[HelpRequest, Household]:
    """A request the actor can see (else NOT_FOUND) and may act on (else FORBIDDEN)."""
    request = visible_request(session, actor, request_id)
    if request is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    household = session.get(Household, request.household_id)
    assert household is not None
    if not allowed(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return request, household


# --- Validation ------------------------------------------------------------------------------


def _validate(details: RequestDetails, instance: Instance, *, creating: bool) -> list[ServiceError]:
    found = FieldErrors()
    if creating or details.category is not None:
        if not details.category:
            found.add(ErrorCode.REQUIRED, "category")
        elif details.category not in instance.category_codes():
            found.add(ErrorCode.UNKNOWN_CODE, "category")
    if creating or details.title is not None:
        found.check(lambda: clean_text(details.title, field="title", limit=TITLE_LIMIT))
    if creating or details.description is not None:
        found.check(
            lambda: clean_text(details.description, field="description", limit=DESCRIPTION_LIMIT)
        )
    if details.has_target and details.items is not None:
        found.add(
            ErrorCode.INVALID,
            "items",
            message=N_("Ask for either money (a target) or items in kind, not both."),
        )
    elif details.has_target:
        found.check(
            lambda: check_money(
                instance,
                details.target_minor,
                details.currency,
                field="target.amountMinor",
                currency_field="target.currency",
            )
        )
    elif details.items is not None:
        _validate_items(details.items, found)
    elif creating:
        found.add(
            ErrorCode.REQUIRED,
            "target",
            message=N_("Ask for money (a target) or for items in kind."),
        )
    if details.deadline is not None and details.deadline < utcnow().date():
        found.add(ErrorCode.OUT_OF_RANGE, "deadline")
    if details.urgency is not None and details.urgency not in Urgency.__members__:
        found.add(ErrorCode.INVALID, "urgency")
    return found.errors


def _validate_items(items: list[Item], found: FieldErrors) -> None:
    if not items:
        found.add(ErrorCode.REQUIRED, "items")
        return
    if len(items) > MAX_ITEMS:
        found.add(ErrorCode.OUT_OF_RANGE, "items")
        return
    for index, item in enumerate(items):
        for name, limit in (("name", ITEM_NAME_LIMIT), ("unit", ITEM_UNIT_LIMIT)):
            try:
                clean_text(getattr(item, name), field=f"items.{index}.{name}", limit=limit)
            except ServiceError as error:
                found.errors.append(error)
        if not 1 <= item.quantity <= MAX_ITEM_QUANTITY:
            found.add(ErrorCode.OUT_OF_RANGE, f"items.{index}.quantity")


def _apply(request: HelpRequest, details: RequestDetails) -> list[str]:
    changed: list[str] = []

    def put(name: str, value: object) -> None:
        if getattr(request, name) != value:
            setattr(request, name, value)
            changed.append(name)

    if details.category is not None:
        put("category", details.category)
    if details.title is not None:
        put("title", details.title.strip())
    if details.description is not None:
        put("description", details.description.strip())
    if details.has_target:
        put("target_amount_minor", details.target_minor)
        put("currency", details.currency)
        put("items", [])
    elif details.items is not None:
        put("target_amount_minor", None)
        put("currency", None)
        put(
            "items",
            [
                {"name": i.name.strip(), "quantity": i.quantity, "unit": i.unit.strip()}
                for i in details.items
            ],
        )
    if details.deadline is not None:
        put("deadline", details.deadline)
    if details.urgency is not None:
        put("urgency", details.urgency)
        put("urgency_rank", URGENCY_RANK[Urgency(details.urgency)])
    return changed


# --- Lifecycle -------------------------------------------------------------------------------


def create_request(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    household_id: int,
    details: RequestDetails,
    language: str | None = None,
) -> HelpRequest:
    """A new DRAFT, by the household's representative, a caseworker covering it, or an admin.
    `language` is the locale title and description are written in (an instance locale;
    the instance's default when not given)."""
    found = FieldErrors()
    household = session.get(Household, household_id)
    if household is None:
        found.add(ErrorCode.NOT_FOUND, "household")
    elif not speaks_for_household(session, actor, household):
        found.add(ErrorCode.FORBIDDEN, "household")
    source_language = instance.default_locale
    try:
        source_language = check_source_language(
            language or instance.default_locale, locales=instance.locales
        )
    except ServiceError as error:
        found.errors.append(error)
    found.errors.extend(_validate(details, instance, creating=True))
    found.raise_if_any()
    assert household is not None
    region = session.get(Region, household.region_id)
    assert region is not None
    # A retired area takes no new requests (api/regions/service.py).
    check_takes_new_records(session, region, field="household")
    now = utcnow()
    request = HelpRequest(
        household_id=household_id,
        region_path=region.path,
        category="",
        source_language=source_language,
        title="",
        description="",
        created_by_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    _apply(request, RequestDetails(urgency=Urgency.MEDIUM))
    _apply(request, details)
    session.add(request)
    session.flush()
    return request


def update_request(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    request_id: int,
    details: RequestDetails,
) -> HelpRequest:
    """Change a request while it is a draft or waiting for verification."""
    request, _household = _request_for(session, actor, request_id, speaks_for_household)
    if request.status not in EDITABLE_STATUSES:
        raise ServiceError(ErrorCode.INVALID_STATE)
    errors = _validate(details, instance, creating=False)
    if errors:
        raise ServiceErrors(errors)
    if _apply(request, details):
        request.updated_at = utcnow()
        session.add(request)
        session.flush()
    # Compare-and-set: a verification that happened meanwhile wins over this edit.
    if not _transition(session, request, EDITABLE_STATUSES, {}):
        raise ServiceError(ErrorCode.INVALID_STATE)
    return request


REQUEST_TEXT = Translatable(
    HelpRequestTranslation,
    "help_request_id",
    (
        TextField("title", "title", TITLE_LIMIT),
        TextField("description", "description", DESCRIPTION_LIMIT),
    ),
)


def set_request_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    request_id: int,
    locale: str,
    title: str | None,
    description: str | None,
) -> HelpRequest:
    """Add, replace or remove (no text at all) the request's title and description in one
    more locale. The household's representative translates while it may still edit the
    request (before verification), like the original; caseworkers covering the household
    and admins, who verify what is published, also translate published requests, where a
    translation helps most."""
    request, _household = _request_for(session, actor, request_id, speaks_for_household)
    if actor.role == Role.HOUSEHOLD_REPRESENTATIVE and request.status not in EDITABLE_STATUSES:
        raise ServiceError(ErrorCode.INVALID_STATE)
    translations.set_translation(
        session,
        REQUEST_TEXT,
        original=request,
        locale=locale,
        locales=locales,
        values={"title": title, "description": description},
    )
    return request


def submit_request(session: Session, *, actor: Principal, request_id: int) -> HelpRequest:
    """DRAFT -> PENDING_VERIFICATION: the household asks a caseworker to check and publish."""
    request, _household = _request_for(session, actor, request_id, speaks_for_household)
    if request.deadline is not None and request.deadline < utcnow().date():
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field="deadline")
    if not _transition(
        session,
        request,
        (RequestStatus.DRAFT,),
        {"status": RequestStatus.PENDING_VERIFICATION, "submitted_at": utcnow()},
    ):
        raise ServiceError(ErrorCode.INVALID_STATE)
    bump(session, request.region_path, REQUESTS_MADE)
    return request


def verify_request(
    session: Session, *, actor: Principal, request_id: int, approve: bool
) -> HelpRequest:
    """A caseworker covering the household (or an admin) publishes the request (OPEN) or
    rejects it. Only requests of verified households can be published."""
    request, household = _request_for(session, actor, request_id, covers_household)
    if request.status != RequestStatus.PENDING_VERIFICATION:
        raise ServiceError(ErrorCode.INVALID_STATE)
    if approve and household.verification_status != VerificationStatus.VERIFIED:
        raise ServiceError(
            ErrorCode.INVALID_STATE, message=N_("Verify the household before its requests.")
        )
    now = utcnow()
    values: dict[str, Any] = {"verified_by_id": actor.account_id}
    if approve:
        values.update(status=RequestStatus.OPEN, published_at=now)
    else:
        values.update(status=RequestStatus.REJECTED)
    if not _transition(session, request, (RequestStatus.PENDING_VERIFICATION,), values, now=now):
        raise ServiceError(ErrorCode.INVALID_STATE)
    if approve:
        bump(session, request.region_path, REQUESTS_PUBLISHED_BY_DAY, bucket=day_number(now))
    record_audit(
        session,
        actor=actor,
        action="help_request.verify" if approve else "help_request.reject",
        subject_type=AUDIT_SUBJECT,
        subject_id=request_id,
    )
    return request


def withdraw_request(session: Session, *, actor: Principal, request_id: int) -> HelpRequest:
    """The household (or its caseworker) takes a request back. Pledges not yet delivered
    are cancelled; delivered ones stay, so their receipt can still be confirmed."""
    request, _household = _request_for(session, actor, request_id, speaks_for_household)
    now = utcnow()
    # The request row first, then its pledges: the lock order of every pledge operation.
    if not _transition(
        session, request, WITHDRAWABLE_STATUSES, {"status": RequestStatus.WITHDRAWN}, now=now
    ):
        raise ServiceError(ErrorCode.INVALID_STATE)
    cancelled = session.exec(
        sa.update(Pledge)
        .where(col(Pledge.request_id) == request_id, col(Pledge.status) == PledgeStatus.ACTIVE)
        .values(status=PledgeStatus.CANCELLED, ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if cancelled:
        still_pledged = (
            select(sa.func.coalesce(sa.func.sum(Pledge.amount_minor), 0))
            .where(
                col(Pledge.request_id) == request_id,
                col(Pledge.status).in_((PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED)),
            )
            .scalar_subquery()
        )
        session.exec(
            sa.update(HelpRequest)
            .where(col(HelpRequest.id) == request_id)
            .values(pledged_amount_minor=still_pledged)
            .execution_options(synchronize_session=False)
        )
        session.refresh(request)
    record_audit(
        session,
        actor=actor,
        action="help_request.withdraw",
        subject_type=AUDIT_SUBJECT,
        subject_id=request_id,
        detail={"cancelled_pledges": cancelled},
    )
    return request


def _transition(
    session: Session,
    request: HelpRequest,
    from_statuses: Iterable[str],
    values: dict[str, Any],
    *,
    now: Any = None,
) -> bool:
    """Compare-and-set on the status; True if this call made the change."""
    session.flush()
    changed = session.exec(
        sa.update(HelpRequest)
        .where(col(HelpRequest.id) == request.id, col(HelpRequest.status).in_(tuple(from_statuses)))
        .values(**values, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    return bool(changed)


# --- Reading ---------------------------------------------------------------------------------


def requests_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, HelpRequest]:
    """The visible requests among `ids`, in one statement."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(HelpRequest)
        .where(col(HelpRequest.id).in_(wanted))
        .where(visible_requests_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}
