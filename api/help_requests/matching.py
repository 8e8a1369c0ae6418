"""Finding requests: filters (region, cause, category, status, amount, text, a helper's
preferences) and the orderings of the request list, each a keyset over indexed columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core.pagination import SortKey
from api.help_requests.models import (
    PUBLIC_STATUSES,
    HelpRequest,
    HelpRequestTranslation,
    RequestStatus,
)
from api.helpers.models import Helper
from api.households.models import HouseholdCause
from api.regions.models import Region

TEXT_LIMIT = 200


class RequestOrder(StrEnum):
    NEWEST = "NEWEST"
    MOST_URGENT = "MOST_URGENT"
    OLDEST_UNMET = "OLDEST_UNMET"
    DEADLINE_SOONEST = "DEADLINE_SOONEST"


# The natural direction of each ordering (True = descending); `direction` may flip it.
DEFAULT_DESCENDING = {
    RequestOrder.NEWEST: True,
    RequestOrder.MOST_URGENT: True,
    RequestOrder.OLDEST_UNMET: False,
    RequestOrder.DEADLINE_SOONEST: False,
}


@dataclass
class RequestFilter:
    """Conditions on requests; None (or empty) means "any"."""

    region_path: str | None = None
    cause: str | None = None
    category: str | None = None
    statuses: list[str] = field(default_factory=list)
    currency: str | None = None
    min_minor: int | None = None
    max_minor: int | None = None
    text: str | None = None
    # The helper whose preferences the requests must match, and the instance's public
    # level: a preferred region finer than it matches at its public ancestor, so a helper's
    # preferences cannot locate households the helper may not see.
    helper: Helper | None = None
    public_level: int | None = None


def filter_conditions(session: Session, wanted: RequestFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if wanted.region_path is not None:
        conditions.append(col(HelpRequest.region_path).startswith(wanted.region_path))
    if wanted.cause:
        conditions.append(_household_has_cause([wanted.cause]))
    if wanted.category:
        conditions.append(col(HelpRequest.category) == wanted.category)
    if wanted.statuses:
        conditions.append(col(HelpRequest.status).in_(wanted.statuses))
    if wanted.currency is not None:
        conditions.append(col(HelpRequest.currency) == wanted.currency)
        if wanted.min_minor is not None:
            conditions.append(col(HelpRequest.target_amount_minor) >= wanted.min_minor)
        if wanted.max_minor is not None:
            conditions.append(col(HelpRequest.target_amount_minor) <= wanted.max_minor)
    text = (wanted.text or "").strip()
    if text:
        # LIKE on lower(): the same on SQLite and PostgreSQL; % and _ are matched literally.
        # The original or any of its translations.
        translated = sa.exists().where(
            col(HelpRequestTranslation.help_request_id) == HelpRequest.id,
            sa.or_(
                col(HelpRequestTranslation.title).icontains(text, autoescape=True),
                col(HelpRequestTranslation.description).icontains(text, autoescape=True),
            ),
        )
        conditions.append(
            sa.or_(
                col(HelpRequest.title).icontains(text, autoescape=True),
                col(HelpRequest.description).icontains(text, autoescape=True),
                translated,
            )
        )
    if wanted.helper is not None:
        conditions.extend(_preference_conditions(session, wanted.helper, wanted.public_level))
    return conditions


def _at_most(region_path: str, level: int) -> str:
    """The path of the region's ancestor at `level` (the region itself if higher up)."""
    return "/" + "".join(f"{part}/" for part in region_path.strip("/").split("/")[:level])


def _household_has_cause(codes: Sequence[str]) -> sa.ColumnElement[bool]:
    return col(HelpRequest.household_id).in_(
        select(HouseholdCause.household_id).where(col(HouseholdCause.cause_code).in_(codes))
    )


def _preference_conditions(
    session: Session, helper: Helper, public_level: int | None
) -> list[sa.ColumnElement[bool]]:
    """Each preference the helper has set narrows the list; unset ones do not.

    The budget applies to money requests: in the budget's currency, with no more left to
    pledge than the budget. In-kind requests are not limited by it."""
    conditions: list[sa.ColumnElement[bool]] = []
    if helper.preferred_region_ids:
        paths = session.exec(
            select(Region.path).where(col(Region.id).in_(helper.preferred_region_ids))
        ).all()
        if public_level is not None:
            paths = [_at_most(path, public_level) for path in paths]
        conditions.append(
            sa.or_(sa.false(), *(col(HelpRequest.region_path).startswith(p) for p in paths))
        )
    if helper.preferred_causes:
        conditions.append(_household_has_cause(list(helper.preferred_causes)))
    if helper.preferred_categories:
        conditions.append(col(HelpRequest.category).in_(list(helper.preferred_categories)))
    if helper.budget_minor is not None and helper.budget_currency:
        remaining = col(HelpRequest.target_amount_minor) - col(HelpRequest.pledged_amount_minor)
        conditions.append(
            sa.or_(
                col(HelpRequest.target_amount_minor).is_(None),
                sa.and_(
                    col(HelpRequest.currency) == helper.budget_currency,
                    remaining <= helper.budget_minor,
                ),
            )
        )
    return conditions


@dataclass(frozen=True)
class Ordering:
    keys: list[SortKey]
    key_of: Callable[[HelpRequest], tuple[Any, ...]]
    # Some orderings only make sense for some requests, and list only those.
    conditions: list[sa.ColumnElement[bool]]


def ordering(order: RequestOrder, *, descending: bool | None, published_only: bool) -> Ordering:
    """The keyset of an ordering. No sort key is ever NULL:

    - NEWEST: by publication time; a request not yet published (visible to its household
      and caseworkers only) counts from its creation. When the caller can only see
      published requests, the plain `published_at` column (indexed) is the same key.
    - MOST_URGENT: by urgency, then the most recently created first.
    - OLDEST_UNMET: OPEN requests only, published longest ago first.
    - DEADLINE_SOONEST: requests that have a deadline only, the soonest first."""
    down = DEFAULT_DESCENDING[order] if descending is None else descending
    request_id = SortKey(col(HelpRequest.id), descending=down)
    if order == RequestOrder.NEWEST:
        listed: Any = (
            col(HelpRequest.published_at)
            if published_only
            else sa.func.coalesce(col(HelpRequest.published_at), col(HelpRequest.created_at))
        )
        return Ordering(
            [SortKey(listed, descending=down, kind="datetime"), request_id],
            lambda r: (r.published_at or r.created_at, r.id),
            [],
        )
    if order == RequestOrder.MOST_URGENT:
        return Ordering(
            [SortKey(col(HelpRequest.urgency_rank), descending=down), request_id],
            lambda r: (r.urgency_rank, r.id),
            [],
        )
    if order == RequestOrder.OLDEST_UNMET:
        return Ordering(
            [SortKey(col(HelpRequest.published_at), descending=down, kind="datetime"), request_id],
            lambda r: (r.published_at, r.id),
            [col(HelpRequest.status) == RequestStatus.OPEN],
        )
    return Ordering(
        [SortKey(col(HelpRequest.deadline), descending=down, kind="date"), request_id],
        lambda r: (r.deadline, r.id),
        [col(HelpRequest.deadline).is_not(None)],
    )


def only_published(statuses: Sequence[str]) -> bool:
    """True when a status filter admits published requests only."""
    return bool(statuses) and set(statuses) <= set(PUBLIC_STATUSES)
