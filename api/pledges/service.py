"""Pledges: a helper promises money, goods or a service to an open request, delivers it,
and the household confirms receipt (with thanks). `sweep` expires and lapses what time
has overtaken.

Concurrency: amounts are changed only by guarded UPDATEs evaluated by the database
(`pledged + x <= target`), never read, changed in Python and written back; SQLite would
silently ignore SELECT ... FOR UPDATE. Every operation touches the request row before its
pledge rows, so two operations on PostgreSQL never wait for each other in a cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.idempotency import claim_key
from api.core.money import MoneyParam
from api.core.pages import Page, SortKey, fetch_page
from api.core.roles import Role
from api.core.settings import Instance
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import FieldErrors, check_money, clean_text, is_currency, optional_text
from api.help_requests.models import PUBLIC_STATUSES, HelpRequest, RequestStatus
from api.help_requests.service import (
    households_in_area,
    public_requests_condition,
    speaks_for_household,
    visible_request,
    visible_requests_condition,
)
from api.helpers.models import Helper
from api.households.models import Household
from api.pledges.models import (
    LIVE_PLEDGE_STATUSES,
    Pledge,
    PledgeKind,
    PledgeStatus,
    ProgressUpdate,
    ProgressUpdateTranslation,
)
from api.stats.metrics import (
    DAYS_TO_FIRST_PLEDGE,
    PLEDGES_DELIVERED,
    REQUESTS_ANSWERED_90D_BY_DAY,
    REQUESTS_MET,
)
from api.stats.service import answered_in_window, bump, day_number, whole_days_between

AUDIT_SUBJECT = "Pledge"
PROGRESS_AUDIT_SUBJECT = "ProgressUpdate"
DESCRIPTION_LIMIT = 2000
THANK_YOU_LIMIT = 2000
PROGRESS_UPDATE_LIMIT = 2000


# --- Visibility ------------------------------------------------------------------------------


def visible_pledges_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Admins all; caseworkers the pledges to households in their area; a household
    representative the pledges to their household; a helper its own pledges."""
    if principal.is_admin:
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = []
    if principal.helper_id is not None:
        conditions.append(col(Pledge.helper_id) == principal.helper_id)
    requests: Any = None
    if principal.role == Role.CASEWORKER and principal.region_path:
        requests = select(HelpRequest.id).where(
            col(HelpRequest.household_id).in_(households_in_area(principal.region_path))
        )
    elif principal.household_id is not None:
        requests = select(HelpRequest.id).where(
            col(HelpRequest.household_id) == principal.household_id
        )
    if requests is not None:
        conditions.append(col(Pledge.request_id).in_(requests))
    return sa.or_(sa.false(), *conditions)


def _visible_pledge(session: Session, actor: Principal, pledge_id: int) -> Pledge:
    pledge = session.exec(
        select(Pledge).where(Pledge.id == pledge_id).where(visible_pledges_condition(actor))
    ).first()
    if pledge is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    return pledge


def _own_pledge(session: Session, actor: Principal, pledge_id: int) -> Pledge:
    pledge = _visible_pledge(session, actor, pledge_id)
    if actor.helper_id is None or pledge.helper_id != actor.helper_id:
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return pledge


# --- Pledging --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeDetails:
    """What a helper promises: money (`amount_minor`, `currency`), or goods or a service
    (`description`), by `due_on`."""

    request_id: int
    kind: str
    amount_minor: int | None
    currency: str | None
    description: str | None
    due_on: date


def _fingerprint(details: PledgeDetails) -> dict[str, object]:
    """The input as the idempotency key remembers it (api/core/idempotency.py)."""
    return {
        "request": details.request_id,
        "kind": details.kind,
        "amount": [details.amount_minor, details.currency],
        "description": (details.description or "").strip(),
        "dueOn": details.due_on.isoformat(),
    }


def create_pledge(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    details: PledgeDetails,
    idempotency_key: str,
) -> Pledge:
    """A helper (or an organisation admin, for its helper profile) pledges to a public,
    OPEN request. Money requests take money pledges until the target is covered; in-kind
    requests take one goods or service pledge at a time. A retry with the same key and
    input returns the first pledge, as it is now, and pledges nothing more."""
    if actor.helper_id is None:
        raise ServiceError(ErrorCode.FORBIDDEN)
    claim = claim_key(
        session,
        operation="pledgeCreate",
        actor=actor,
        key=idempotency_key,
        payload=_fingerprint(details),
    )
    if claim.replay_id is not None:
        replayed = session.get(Pledge, claim.replay_id)
        assert replayed is not None
        return replayed
    request = session.exec(
        select(HelpRequest)
        .where(HelpRequest.id == details.request_id)
        .where(public_requests_condition())
    ).first()
    if request is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="request")
    if request.status != RequestStatus.OPEN:
        raise ServiceError(ErrorCode.INVALID_STATE, field="request")
    kind = details.kind
    found = FieldErrors()
    money_request = request.target_amount_minor is not None
    covered = _covered_by_money(session, request) if money_request else 0
    if kind not in PledgeKind.__members__:
        found.add(ErrorCode.INVALID, "kind")
    elif money_request != (kind == PledgeKind.MONEY):
        found.errors.append(
            ServiceError(
                ErrorCode.INVALID,
                field="kind",
                message=N_("Money requests take MONEY pledges; in-kind requests GOODS or SERVICE."),
            )
        )
    elif kind == PledgeKind.MONEY:
        found.check(lambda: _check_money(instance, request, details, covered))
    elif details.amount_minor is not None or details.currency is not None:
        found.add(ErrorCode.INVALID, "amount")
    text = found.check(
        lambda: optional_text(details.description, field="description", limit=DESCRIPTION_LIMIT)
    )
    in_kind = kind in (PledgeKind.GOODS, PledgeKind.SERVICE)
    if in_kind and text is None and not any(e.field == "description" for e in found.errors):
        found.add(ErrorCode.REQUIRED, "description")
    today = utcnow().date()
    due_on = details.due_on
    if due_on <= today or (request.deadline is not None and due_on > request.deadline):
        found.add(ErrorCode.OUT_OF_RANGE, "dueOn")
    found.raise_if_any()
    assert request.id is not None

    amount = details.amount_minor if kind == PledgeKind.MONEY else 0
    if not _add_pledged(session, request.id, amount or 0, money=money_request, covered=covered):
        # Another pledge took what was open between the check above and this write.
        session.refresh(request)
        if request.status != RequestStatus.OPEN:
            raise ServiceError(ErrorCode.INVALID_STATE, field="request")
        raise _over_pledged(request, covered)

    now = utcnow()
    pledge = Pledge(
        request_id=request.id,
        helper_id=actor.helper_id,
        kind=kind,
        amount_minor=details.amount_minor if kind == PledgeKind.MONEY else None,
        currency=request.currency if kind == PledgeKind.MONEY else None,
        description=text,
        due_on=due_on,
        created_by_id=actor.account_id,
        created_at=now,
    )
    session.add(pledge)
    session.flush()
    assert pledge.id is not None
    claim.complete(session, result_id=pledge.id)
    _record_first_pledge(session, request, now)
    session.refresh(request)
    return pledge


def _check_money(
    instance: Instance, request: HelpRequest, details: PledgeDetails, covered: int
) -> None:
    """A money pledge is in the request's currency (CURRENCY_MISMATCH names it), within
    the instance's rule for every amount (`check_money`), and at most what is still open
    on the request (OUT_OF_RANGE names that)."""
    amount_minor, currency = details.amount_minor, details.currency
    if amount_minor is None or currency is None:
        raise ServiceError(ErrorCode.REQUIRED, field="amount")
    assert request.currency is not None
    found = FieldErrors()
    if not is_currency(currency):
        found.add(ErrorCode.INVALID, "amount.currency")
    elif currency != request.currency:
        found.add(ErrorCode.CURRENCY_MISMATCH, "amount.currency", currency=request.currency)
    in_range = found.check(
        lambda: check_money(
            instance,
            amount_minor,
            request.currency,
            field="amount.amountMinor",
            currency_field="amount.currency",
        )
    )
    if in_range is not None and amount_minor > _still_open(request, covered):
        found.errors.append(_over_pledged(request, covered))
    found.raise_if_any()


def _covered_by_money(session: Session, request: HelpRequest) -> int:
    """What donations already cover of a money request, in its currency: held in its fund
    and disbursed to it. Pledges take only the rest, as `HelpRequest.remaining` shows."""
    # Imported here: the disbursements service imports the request services, which import
    # this module.
    from api.disbursements.models import DisbursementTargetKind
    from api.disbursements.service import target_money

    assert request.id is not None and request.currency is not None
    money = target_money(session, DisbursementTargetKind.HELP_REQUEST, [request.id])[request.id]
    currency = request.currency
    return max(money.held.get(currency, 0), 0) + money.disbursed.get(currency, 0)


def _still_open(request: HelpRequest, covered: int) -> int:
    target = request.target_amount_minor or 0
    return max(target - request.pledged_amount_minor - covered, 0)


def _over_pledged(request: HelpRequest, covered: int) -> ServiceError:
    """OUT_OF_RANGE that says how much is left, in the reader's locale and the request's
    currency, so the helper can pledge that instead."""
    assert request.currency is not None
    return ServiceError(
        ErrorCode.OUT_OF_RANGE,
        field="amount.amountMinor",
        message=N_("Only {remaining} is still open on this request."),
        remaining=MoneyParam(_still_open(request, covered), request.currency),
    )


def _add_pledged(
    session: Session, request_id: int, amount: int, *, money: bool, covered: int = 0
) -> bool:
    """Atomically take `amount` of what is still open; True if it was still available.

    Money: `pledged + amount <= target - covered` (`covered`: what donations already
    cover), and the request becomes PLEDGED once covered. In kind: the request must still
    be OPEN, and becomes PLEDGED (one live pledge)."""
    pledged = col(HelpRequest.pledged_amount_minor)
    target = col(HelpRequest.target_amount_minor) - covered
    guard = [col(HelpRequest.id) == request_id, col(HelpRequest.status) == RequestStatus.OPEN]
    if money:
        guard.append(pledged + amount <= target)
        status: Any = sa.case(
            (pledged + amount >= target, RequestStatus.PLEDGED.value),
            else_=col(HelpRequest.status),
        )
    else:
        status = RequestStatus.PLEDGED.value
    changed = session.exec(
        sa.update(HelpRequest)
        .where(*guard)
        .values(pledged_amount_minor=pledged + amount, status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)


def _record_first_pledge(session: Session, request: HelpRequest, now: datetime) -> None:
    """Only the first pledge a request ever gets sets `first_pledge_at` and the stats of
    response time; the guarded UPDATE decides which pledge is first under concurrency."""
    first = session.exec(
        sa.update(HelpRequest)
        .where(col(HelpRequest.id) == request.id, col(HelpRequest.first_pledge_at).is_(None))
        .values(first_pledge_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not first or request.published_at is None:
        return
    published = request.published_at
    bump(
        session,
        request.region_path,
        DAYS_TO_FIRST_PLEDGE,
        bucket=whole_days_between(published, now),
    )
    if answered_in_window(published, now):
        bump(
            session, request.region_path, REQUESTS_ANSWERED_90D_BY_DAY, bucket=day_number(published)
        )


def cancel_pledge(session: Session, *, actor: Principal, pledge_id: int) -> Pledge:
    """The pledging helper takes back a pledge not yet delivered; the request reopens."""
    pledge = _own_pledge(session, actor, pledge_id)
    if pledge.status != PledgeStatus.ACTIVE:
        raise ServiceError(ErrorCode.INVALID_STATE)
    _release(session, pledge.request_id, pledge.amount_minor or 0)
    if not _pledge_transition(
        session,
        pledge,
        (PledgeStatus.ACTIVE,),
        {"status": PledgeStatus.CANCELLED, "ended_at": utcnow()},
    ):
        # Delivered or lapsed meanwhile: raising rolls the release back with the rest.
        raise ServiceError(ErrorCode.INVALID_STATE)
    return pledge


def _release(session: Session, request_id: int, amount: int) -> None:
    """Give `amount` back to the request and reopen it if it was fully pledged."""
    session.exec(
        sa.update(HelpRequest)
        .where(col(HelpRequest.id) == request_id)
        .values(
            pledged_amount_minor=col(HelpRequest.pledged_amount_minor) - amount,
            status=_reopened_status(),
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def _reopened_status() -> Any:
    return sa.case(
        (col(HelpRequest.status) == RequestStatus.PLEDGED.value, RequestStatus.OPEN.value),
        else_=col(HelpRequest.status),
    )


def mark_delivered(session: Session, *, actor: Principal, pledge_id: int) -> Pledge:
    """The pledging helper says it has given what it promised."""
    pledge = _own_pledge(session, actor, pledge_id)
    if not _pledge_transition(
        session,
        pledge,
        (PledgeStatus.ACTIVE,),
        {"status": PledgeStatus.DELIVERED, "delivered_at": utcnow()},
    ):
        raise ServiceError(ErrorCode.INVALID_STATE)
    request = session.get(HelpRequest, pledge.request_id)
    assert request is not None
    bump(session, request.region_path, PLEDGES_DELIVERED)
    return pledge


def confirm_receipt(
    session: Session, *, actor: Principal, pledge_id: int, thank_you_message: str | None
) -> Pledge:
    """The household (its representative, or a caseworker covering it, or an admin)
    confirms it received a pledge, optionally with a public thank-you message. A pledge
    confirmed before the helper marked it delivered counts as delivered too. The request
    is met when the money received reaches the target, or when an in-kind pledge arrives."""
    pledge = _visible_pledge(session, actor, pledge_id)
    request = session.get(HelpRequest, pledge.request_id)
    household = session.get(Household, request.household_id) if request else None
    assert request is not None and household is not None
    if not speaks_for_household(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    message = optional_text(thank_you_message, field="thankYouMessage", limit=THANK_YOU_LIMIT)
    was = pledge.status
    if was not in (PledgeStatus.ACTIVE, PledgeStatus.DELIVERED):
        raise ServiceError(ErrorCode.INVALID_STATE)
    now = utcnow()
    amount = pledge.amount_minor or 0
    session.exec(
        sa.update(HelpRequest)
        .where(col(HelpRequest.id) == request.id)
        .values(
            received_amount_minor=col(HelpRequest.received_amount_minor) + amount, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    values: dict[str, Any] = {
        "status": PledgeStatus.CONFIRMED,
        "confirmed_at": now,
        "confirmed_by_id": actor.account_id,
        "thank_you_message": message,
        "thanked_at": now if message is not None else None,
    }
    if was == PledgeStatus.ACTIVE:
        values["delivered_at"] = now
    # Compare-and-set on the status read above, so "was it delivered before?" stays true.
    if not _pledge_transition(session, pledge, (was,), values):
        raise ServiceError(ErrorCode.INVALID_STATE)
    if was == PledgeStatus.ACTIVE:
        bump(session, request.region_path, PLEDGES_DELIVERED)
    met = session.exec(
        sa.update(HelpRequest)
        .where(
            col(HelpRequest.id) == request.id,
            col(HelpRequest.status).in_((RequestStatus.OPEN, RequestStatus.PLEDGED)),
            sa.or_(
                col(HelpRequest.target_amount_minor).is_(None),
                col(HelpRequest.received_amount_minor) >= col(HelpRequest.target_amount_minor),
            ),
        )
        .values(status=RequestStatus.FULFILLED, fulfilled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if met:
        bump(session, request.region_path, REQUESTS_MET)
    session.refresh(request)
    record_audit(
        session,
        actor=actor,
        action="pledge.confirm_receipt",
        subject_type=AUDIT_SUBJECT,
        subject_id=pledge_id,
        detail={"request_id": request.id, "thanked": message is not None},
    )
    return pledge


# --- After receipt: thanks and progress updates -----------------------------------------------


def _household_of(session: Session, request_id: int) -> tuple[HelpRequest, Household]:
    request = session.get(HelpRequest, request_id)
    household = session.get(Household, request.household_id) if request else None
    assert request is not None and household is not None
    return request, household


def set_thank_you(
    session: Session, *, actor: Principal, pledge_id: int, message: str | None
) -> Pledge:
    """Add, replace or remove (no text) the household's thank-you for a pledge it has
    confirmed, at any time after confirming. Those who may confirm for the household may
    thank for it (its representative, a caseworker covering it, an admin)."""
    pledge = _visible_pledge(session, actor, pledge_id)
    _request, household = _household_of(session, pledge.request_id)
    if not speaks_for_household(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    text = optional_text(message, field="message", limit=THANK_YOU_LIMIT)
    values = {"thank_you_message": text, "thanked_at": utcnow() if text is not None else None}
    # Compare-and-set: thanks belong to confirmed pledges only.
    if not _pledge_transition(session, pledge, (PledgeStatus.CONFIRMED,), values):
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    record_audit(
        session,
        actor=actor,
        action="pledge.thank_you_set",
        subject_type=AUDIT_SUBJECT,
        subject_id=pledge_id,
        detail={"request_id": pledge.request_id, "thanked": text is not None},
    )
    return pledge


PROGRESS_TEXT = Translatable(
    ProgressUpdateTranslation,
    "progress_update_id",
    (TextField("body", "body", PROGRESS_UPDATE_LIMIT),),
)


def _help_received(session: Session, request: HelpRequest) -> bool:
    """Money confirmed or disbursed to the request, or a pledge (in kind too) confirmed."""
    if request.received_amount_minor > 0:
        return True
    confirmed = session.exec(
        select(Pledge.id)
        .where(col(Pledge.request_id) == request.id)
        .where(col(Pledge.status) == PledgeStatus.CONFIRMED)
        .limit(1)
    ).first()
    return confirmed is not None


def post_progress_update(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    request_id: int,
    body: str,
    language: str | None = None,
) -> ProgressUpdate:
    """A dated, public note on a published request the household received help for, by
    those who speak for the household. `language` is the locale `body` is written in (the
    instance's default when not given)."""
    request = visible_request(session, actor, request_id)
    if request is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="request")
    _request, household = _household_of(session, request_id)
    if not speaks_for_household(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="request")
    if request.status not in PUBLIC_STATUSES or not _help_received(session, request):
        raise ServiceError(
            ErrorCode.INVALID_STATE,
            field="request",
            message=N_("Updates can be posted once help for this request has been received."),
        )
    found = FieldErrors()
    text = found.check(lambda: clean_text(body, field="body", limit=PROGRESS_UPDATE_LIMIT))
    source_language = found.check(
        lambda: check_source_language(language or instance.default_locale, locales=instance.locales)
    )
    found.raise_if_any()
    assert text is not None and source_language is not None
    update = ProgressUpdate(
        request_id=request_id,
        body=text,
        source_language=source_language,
        posted_by_id=actor.account_id,
        posted_at=utcnow(),
    )
    session.add(update)
    session.flush()
    assert update.id is not None
    record_audit(
        session,
        actor=actor,
        action="progress_update.post",
        subject_type=PROGRESS_AUDIT_SUBJECT,
        subject_id=update.id,
        detail={"request_id": request_id},
    )
    return update


def _own_progress_update(session: Session, actor: Principal, update_id: int) -> ProgressUpdate:
    """An update the actor can see (else NOT_FOUND) and speaks for (else FORBIDDEN)."""
    update = session.exec(
        select(ProgressUpdate)
        .join(HelpRequest, col(HelpRequest.id) == ProgressUpdate.request_id)
        .where(col(ProgressUpdate.id) == update_id)
        .where(visible_requests_condition(actor))
    ).first()
    if update is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    _request, household = _household_of(session, update.request_id)
    if not speaks_for_household(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return update


def set_progress_update_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    update_id: int,
    locale: str,
    body: str | None,
) -> ProgressUpdate:
    """Add, replace or remove (no text) the update's body in one more locale."""
    update = _own_progress_update(session, actor, update_id)
    translations.set_translation(
        session,
        PROGRESS_TEXT,
        original=update,
        locale=locale,
        locales=locales,
        values={"body": body},
    )
    return update


def remove_progress_update(session: Session, *, actor: Principal, update_id: int) -> HelpRequest:
    """Take an update down with its translations (it named someone, it was a mistake);
    the audit log keeps that it existed. Returns the request it was on."""
    update = _own_progress_update(session, actor, update_id)
    translations.remove_translations(session, PROGRESS_TEXT, [update_id])
    session.delete(update)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="progress_update.remove",
        subject_type=PROGRESS_AUDIT_SUBJECT,
        subject_id=update_id,
        detail={"request_id": update.request_id},
    )
    request = session.get(HelpRequest, update.request_id)
    assert request is not None
    return request


def _pledge_transition(
    session: Session, pledge: Pledge, from_statuses: tuple[str, ...], values: dict[str, Any]
) -> bool:
    session.flush()
    changed = session.exec(
        sa.update(Pledge)
        .where(col(Pledge.id) == pledge.id, col(Pledge.status).in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(pledge)
    return bool(changed)


# --- Time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    expired_requests: int
    lapsed_pledges: int


def sweep(session: Session, *, today: date, grace_days: int) -> SweepResult:
    """Let time act, in a few set-based statements; running it twice changes nothing more.

    ACTIVE pledges whose due date plus the grace period has passed become LAPSED: their
    amounts go back to their requests, which reopen (PLEDGED -> OPEN). Then OPEN requests
    past their deadline become EXPIRED."""
    now = utcnow()
    cutoff = today - timedelta(days=grace_days)
    overdue = sa.and_(col(Pledge.status) == PledgeStatus.ACTIVE, col(Pledge.due_on) < cutoff)
    # Lock the affected requests first (a no-op on SQLite, whose writers queue anyway),
    # keeping the request-then-pledge lock order of the other pledge operations.
    session.exec(
        select(HelpRequest.id)
        .where(col(HelpRequest.id).in_(select(Pledge.request_id).where(overdue)))
        .order_by(col(HelpRequest.id))
        .with_for_update()
    ).all()
    lapsed = session.exec(
        sa.update(Pledge)
        .where(overdue)
        .values(status=PledgeStatus.LAPSED, ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if lapsed:
        # `ended_at = now` marks exactly the pledges this run lapsed.
        this_run = sa.and_(col(Pledge.status) == PledgeStatus.LAPSED, col(Pledge.ended_at) == now)
        released = (
            select(sa.func.coalesce(sa.func.sum(Pledge.amount_minor), 0))
            .where(this_run, col(Pledge.request_id) == col(HelpRequest.id))
            .scalar_subquery()
        )
        session.exec(
            sa.update(HelpRequest)
            .where(col(HelpRequest.id).in_(select(Pledge.request_id).where(this_run)))
            .values(
                pledged_amount_minor=col(HelpRequest.pledged_amount_minor) - released,
                status=_reopened_status(),
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    expired = session.exec(
        sa.update(HelpRequest)
        .where(
            col(HelpRequest.status) == RequestStatus.OPEN,
            col(HelpRequest.deadline) < today,
        )
        .values(status=RequestStatus.EXPIRED, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire_all()
    return SweepResult(expired_requests=expired, lapsed_pledges=lapsed)


# --- Reading ---------------------------------------------------------------------------------


def pledges_of_requests(
    session: Session, principal: Principal, request_ids: set[int]
) -> dict[int, list[Pledge]]:
    """The pledges `principal` may see on each request, oldest first, in one statement."""
    result: dict[int, list[Pledge]] = {i: [] for i in request_ids}
    if request_ids:
        rows = session.exec(
            select(Pledge)
            .where(col(Pledge.request_id).in_(request_ids))
            .where(visible_pledges_condition(principal))
            .order_by(col(Pledge.created_at), col(Pledge.id))
        ).all()
        for row in rows:
            result[row.request_id].append(row)
    return result


def live_pledge_counts(session: Session, request_ids: set[int]) -> dict[int, int]:
    counts = {i: 0 for i in request_ids}
    if request_ids:
        rows = session.exec(
            select(Pledge.request_id, sa.func.count())
            .where(col(Pledge.request_id).in_(request_ids))
            .where(col(Pledge.status).in_(LIVE_PLEDGE_STATUSES))
            .group_by(col(Pledge.request_id))
        ).all()
        counts.update({request_id: int(n) for request_id, n in rows})
    return counts


def pledges_by_id(session: Session, principal: Principal, ids: set[int]) -> dict[int, Pledge]:
    if not ids:
        return {}
    rows = session.exec(
        select(Pledge).where(col(Pledge.id).in_(ids)).where(visible_pledges_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def progress_updates_of_requests(
    session: Session, request_ids: set[int], *, limit: int
) -> dict[int, list[ProgressUpdate]]:
    """The newest `limit` updates of each request, in one statement (a window function).
    The caller has checked that the requests are visible: updates are seen with them."""
    result: dict[int, list[ProgressUpdate]] = {i: [] for i in request_ids}
    if not request_ids:
        return result
    rank = (
        sa.func.row_number()
        .over(
            partition_by=col(ProgressUpdate.request_id),
            order_by=(col(ProgressUpdate.posted_at).desc(), col(ProgressUpdate.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(ProgressUpdate, rank)
        .where(col(ProgressUpdate.request_id).in_(request_ids))
        .subquery()
    )
    update = aliased(ProgressUpdate, ranked)
    rows = session.exec(
        select(update).where(ranked.c.rank <= limit).order_by(ranked.c.request_id, ranked.c.rank)
    ).all()
    for row in rows:
        result[row.request_id].append(row)
    return result


def progress_updates_by_id(
    session: Session, principal: Principal, ids: set[int]
) -> dict[int, ProgressUpdate]:
    """Updates by id, those on requests `principal` may see."""
    if not ids:
        return {}
    rows = session.exec(
        select(ProgressUpdate)
        .join(HelpRequest, col(HelpRequest.id) == ProgressUpdate.request_id)
        .where(col(ProgressUpdate.id).in_(ids))
        .where(visible_requests_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


@dataclass(frozen=True)
class Thanks:
    """A household's thank-you for a confirmed pledge, with the helper's public name (None
    once the helper erased it by deleting their account)."""

    message: str
    helper_name: str | None
    confirmed_at: datetime
    thanked_at: datetime | None


def thanks_by_household(
    session: Session, household_ids: set[int], *, limit: int
) -> dict[int, list[Thanks]]:
    """The newest `limit` thank-you notes of each household's requests, in one statement."""
    return _thanks_by(session, col(HelpRequest.household_id), household_ids, limit)


def thanks_by_request(
    session: Session, request_ids: set[int], *, limit: int
) -> dict[int, list[Thanks]]:
    """The newest `limit` thank-you notes of each request, in one statement."""
    return _thanks_by(session, col(Pledge.request_id), request_ids, limit)


def _thanks_by(
    session: Session, owner: Any, owner_ids: set[int], limit: int
) -> dict[int, list[Thanks]]:
    """Confirmed pledges with a thank-you message, most recently thanked first, at most
    `limit` per owner (a household or a request), in one statement (a window function)."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=owner,
            # Pledges thanked before `thanked_at` existed count from their confirmation.
            order_by=(
                sa.func.coalesce(col(Pledge.thanked_at), col(Pledge.confirmed_at)).desc(),
                col(Pledge.id).desc(),
            ),
        )
        .label("rank")
    )
    ranked = (
        sa.select(
            owner.label("owner_id"),
            col(Pledge.thank_you_message).label("message"),
            col(Pledge.confirmed_at).label("confirmed_at"),
            col(Pledge.thanked_at).label("thanked_at"),
            col(Helper.display_name).label("helper_name"),
            rank,
        )
        .join(HelpRequest, col(HelpRequest.id) == Pledge.request_id)
        .join(Helper, col(Helper.id) == Pledge.helper_id)
        .where(owner.in_(owner_ids))
        .where(col(Pledge.status) == PledgeStatus.CONFIRMED)
        .where(col(Pledge.thank_you_message).is_not(None))
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ranked.c.owner_id,
            ranked.c.message,
            ranked.c.confirmed_at,
            ranked.c.thanked_at,
            ranked.c.helper_name,
        )
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.owner_id, ranked.c.rank)
    ).all()
    result: dict[int, list[Thanks]] = {i: [] for i in owner_ids}
    for owner_id, message, confirmed_at, thanked_at, helper_name in rows:
        result[owner_id].append(Thanks(message, helper_name, confirmed_at, thanked_at))
    return result


@dataclass(frozen=True)
class PledgeFilter:
    """Conditions on a pledge list."""

    helper_id: int


class PledgeOrder(StrEnum):
    NEWEST = "NEWEST"  # most recently made first


def list_pledges(
    session: Session,
    wanted: PledgeFilter,
    order: PledgeOrder = PledgeOrder.NEWEST,
    *,
    first: int,
    after: str | None,
) -> Page[Pledge]:
    """One page of the pledges of a helper (`myPledges`: the caller's own)."""
    page = fetch_page(
        session,
        select(Pledge).where(col(Pledge.helper_id) == wanted.helper_id),
        [
            SortKey(col(Pledge.created_at), descending=True, kind="datetime"),
            SortKey(col(Pledge.id), descending=True),
        ],
        first=first,
        after=after,
        key_of=lambda r: (r[0].created_at, r[0].id),
    )
    return Page(
        rows=[row for (row,) in page.rows],
        cursors=page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
    )
