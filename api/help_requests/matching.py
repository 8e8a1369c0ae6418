"""Finding requests: filters (region, cause, category, urgency, kind, status, amount, text,
a helper's preferences), the one builder of the request list's WHERE clause (`listed`, which
the list and its facet counts share), and the orderings of the list, each a keyset over
indexed columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page
from api.core.settings import Instance
from api.core.sqlhints import unindexed
from api.help_requests.models import (
    PUBLIC_STATUSES,
    URGENCY_RANK,
    HelpRequest,
    HelpRequestTranslation,
    RequestKind,
    RequestStatus,
    Urgency,
)
from api.help_requests.service import sees_only_public_requests, visible_requests_condition
from api.helpers.models import Helper
from api.households.models import HouseholdCause
from api.regions.models import Region
from api.regions.visibility import may_filter_finely, region_too_fine

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


class Facet(StrEnum):
    """The filters the request list shows counts for (api/help_requests/facets.py)."""

    REGION = "REGION"
    CAUSE = "CAUSE"
    CATEGORY = "CATEGORY"
    URGENCY = "URGENCY"
    KIND = "KIND"


@dataclass
class RequestFilter:
    """Conditions on requests; None (or empty) means "any"."""

    # An area the caller may filter by (`filter_region`): its requests and those below it.
    region: Region | None = None
    cause: str | None = None
    category: str | None = None
    urgencies: list[str] = field(default_factory=list)
    kind: str | None = None
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


def filter_region(
    session: Session, principal: Principal, instance: Instance, region_id: int
) -> Region | None:
    """The area a request filter names; None when there is none (the filter matches
    nothing). Finer than the public level only for those who cover it, else
    REGION_TOO_FINE: such a filter could locate households."""
    region = session.get(Region, region_id)
    if region is None:
        return None
    if not may_filter_finely(principal, region, instance.public_region_level):
        raise region_too_fine(instance)
    return region


def kind_condition(kind: str) -> sa.ColumnElement[bool]:
    """Money requests have a target; requests in kind have none."""
    if kind == RequestKind.MONEY:
        return col(HelpRequest.target_amount_minor).is_not(None)
    return col(HelpRequest.target_amount_minor).is_(None)


def tagged_conditions(
    session: Session, wanted: RequestFilter
) -> list[tuple[Facet | None, sa.ColumnElement[bool]]]:
    """The conditions of `wanted`, each with the facet it is the filter of (None for the
    others: status, amount, text, preferences)."""
    conditions: list[tuple[Facet | None, sa.ColumnElement[bool]]] = []
    if wanted.region is not None:
        conditions.append(
            (Facet.REGION, col(HelpRequest.region_path).startswith(wanted.region.path))
        )
    if wanted.cause:
        conditions.append((Facet.CAUSE, _household_has_cause([wanted.cause])))
    if wanted.category:
        conditions.append((Facet.CATEGORY, col(HelpRequest.category) == wanted.category))
    if wanted.urgencies:
        # By rank, checked on each request the ordering's index walk reaches (`unindexed`:
        # not an urgency index searched, then every request of that urgency sorted).
        ranks = sorted({URGENCY_RANK[Urgency(u)] for u in wanted.urgencies})
        urgency = unindexed(col(HelpRequest.urgency_rank))
        conditions.append((Facet.URGENCY, urgency.in_(ranks)))
    if wanted.kind is not None:
        conditions.append((Facet.KIND, kind_condition(wanted.kind)))
    if wanted.statuses:
        conditions.append((None, col(HelpRequest.status).in_(wanted.statuses)))
    if wanted.currency is not None:
        conditions.append((None, col(HelpRequest.currency) == wanted.currency))
        if wanted.min_minor is not None:
            conditions.append((None, col(HelpRequest.target_amount_minor) >= wanted.min_minor))
        if wanted.max_minor is not None:
            conditions.append((None, col(HelpRequest.target_amount_minor) <= wanted.max_minor))
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
            (
                None,
                sa.or_(
                    col(HelpRequest.title).icontains(text, autoescape=True),
                    col(HelpRequest.description).icontains(text, autoescape=True),
                    translated,
                ),
            )
        )
    if wanted.helper is not None:
        conditions.extend(
            (None, condition)
            for condition in _preference_conditions(session, wanted.helper, wanted.public_level)
        )
    return conditions


def filter_conditions(session: Session, wanted: RequestFilter) -> list[sa.ColumnElement[bool]]:
    return [condition for _facet, condition in tagged_conditions(session, wanted)]


@dataclass(frozen=True)
class Listed:
    """The WHERE clause of the request list for one caller and filter: what the caller may
    see (`visible_requests_condition`) and what the filter asks for."""

    visible: sa.ColumnElement[bool]
    tagged: list[tuple[Facet | None, sa.ColumnElement[bool]]]

    def conditions(self, *, without: Facet | None = None) -> list[sa.ColumnElement[bool]]:
        """All of it; `without` leaves out that facet's own filter (never visibility)."""
        kept = [c for facet, c in self.tagged if facet is None or facet != without]
        return [self.visible, *kept]


def listed(session: Session, principal: Principal, wanted: RequestFilter) -> Listed:
    """The requests `helpRequests` lists to `principal` for `wanted` (before an ordering's
    own conditions). The list and its facet counts both build their statements from this,
    so the counts can never be of other requests than the list shows."""
    return Listed(visible_requests_condition(principal), tagged_conditions(session, wanted))


def _at_most(region_path: str, level: int) -> str:
    """The path of the region's ancestor at `level` (the region itself if higher up)."""
    return "/" + "".join(f"{part}/" for part in region_path.strip("/").split("/")[:level])


def _household_has_cause(codes: Sequence[str]) -> sa.ColumnElement[bool]:
    """A lookup of the request's household in `household_cause`'s primary key for each
    request walked (not the list of every household with the cause, built per page)."""
    return sa.exists().where(
        col(HouseholdCause.household_id) == col(HelpRequest.household_id),
        col(HouseholdCause.cause_code).in_(codes),
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


def helper_for_preferences(session: Session, helper_id: int) -> Helper | None:
    """The helper whose preferences `matchingMyPreferences` applies."""
    return session.get(Helper, helper_id)


@dataclass(frozen=True)
class RequestSort:
    """An ordering of the list and its direction (None: the ordering's natural one)."""

    order: RequestOrder = RequestOrder.NEWEST
    descending: bool | None = None


def list_requests(
    session: Session,
    principal: Principal,
    wanted: RequestFilter,
    sort: RequestSort,
    *,
    first: int,
    after: str | None,
) -> Page[HelpRequest]:
    """One page of the requests `principal` may see that meet `wanted`, in `sort`'s order."""
    chosen = ordering(
        sort.order,
        descending=sort.descending,
        published_only=sees_only_public_requests(principal) or only_published(wanted.statuses),
    )
    statement = select(HelpRequest).where(
        *listed(session, principal, wanted).conditions(), *chosen.conditions
    )
    page = fetch_page(
        session,
        statement,
        chosen.keys,
        first=first,
        after=after,
        key_of=lambda r: chosen.key_of(r[0]),
    )
    return Page(
        rows=[row for (row,) in page.rows],
        cursors=page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
    )
