"""Facet counts of the request list: how many of the requests a caller can list there are
per region, cause of poverty, need category, urgency and kind.

Faceted-search semantics: each facet's counts apply every condition of the filter except
that facet's own, so choosing a cause still shows how many requests every other cause has.
The counts are of requests the caller can already list (`matching.listed` builds both
statements, with the list's visibility rule), so they reveal nothing the list does not.
The region facet goes one level down from the filter's region and never below the public
level for a caller who does not cover the area: a count per village would say more than a
household's `region` field shows that caller.

One statement per facet (a GROUP BY) and one for the total, whatever the data's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.help_requests.matching import Facet, Listed, RequestFilter, listed
from api.help_requests.models import URGENCY_RANK, HelpRequest, RequestKind
from api.households.models import HouseholdCause
from api.regions.models import Region
from api.regions.service import regions_by_id
from api.regions.visibility import may_filter_finely


@dataclass(frozen=True)
class RequestFacets:
    """Counts by code (causes, categories), by Urgency and RequestKind value (all of them,
    zeros included), and per child area of the filter's region that has any request, the
    most requests first."""

    total: int
    causes: dict[str, int]
    categories: dict[str, int]
    urgencies: dict[str, int]
    kinds: dict[str, int]
    regions: list[tuple[Region, int]]


def request_facets(
    session: Session, principal: Principal, wanted: RequestFilter, *, public_level: int
) -> RequestFacets:
    where = listed(session, principal, wanted)
    total = session.exec(
        select(sa.func.count()).select_from(HelpRequest).where(*where.conditions())
    ).one()
    categories = _grouped(session, col(HelpRequest.category), where, Facet.CATEGORY)
    causes = _grouped(
        session,
        col(HouseholdCause.cause_code),
        where,
        Facet.CAUSE,
        join=(HouseholdCause, col(HouseholdCause.household_id) == HelpRequest.household_id),
    )
    by_rank = _grouped(session, col(HelpRequest.urgency_rank), where, Facet.URGENCY)
    urgencies = {u.value: by_rank.get(rank, 0) for u, rank in URGENCY_RANK.items()}
    return RequestFacets(
        total=int(total),
        causes={str(code): n for code, n in causes.items()},
        categories={str(code): n for code, n in categories.items()},
        urgencies=urgencies,
        kinds=_kinds(session, where),
        regions=_regions(session, principal, wanted.region, where, public_level),
    )


def _grouped(
    session: Session,
    key: Any,
    where: Listed,
    facet: Facet,
    *,
    join: tuple[type, sa.ColumnElement[bool]] | None = None,
) -> dict[object, int]:
    statement = select(key, sa.func.count()).select_from(HelpRequest)
    if join is not None:
        statement = statement.join(*join)
    rows = session.exec(statement.where(*where.conditions(without=facet)).group_by(key)).all()
    return {value: int(n) for value, n in rows}


def _kinds(session: Session, where: Listed) -> dict[str, int]:
    """Requests in kind have no target: count(target) counts the money requests."""
    every, money = session.exec(
        select(sa.func.count(), sa.func.count(col(HelpRequest.target_amount_minor)))
        .select_from(HelpRequest)
        .where(*where.conditions(without=Facet.KIND))
    ).one()
    return {RequestKind.MONEY.value: int(money), RequestKind.IN_KIND.value: int(every - money)}


def _regions(
    session: Session,
    principal: Principal,
    parent: Region | None,
    where: Listed,
    public_level: int,
) -> list[tuple[Region, int]]:
    """The areas directly under `parent` (top-level areas when None) with their number of
    requests, only those the caller may see requests located in: at or above the public
    level, or covered by the caller (`may_filter_finely`, the region filter's own rule).

    Grouped by the requests' exact region path, then summed per child in Python: as many
    rows as regions with requests, never as many as requests, on both backends."""
    depth = 0 if parent is None else len(parent.ancestor_ids())
    by_path = session.exec(
        select(col(HelpRequest.region_path), sa.func.count())
        .where(*where.conditions())
        .group_by(col(HelpRequest.region_path))
    ).all()
    per_child: dict[int, int] = {}
    for path, n in by_path:
        ids = [part for part in path.strip("/").split("/") if part]
        if len(ids) > depth:  # requests of the parent area itself have no child
            child = int(ids[depth])
            per_child[child] = per_child.get(child, 0) + int(n)
    rows = regions_by_id(session, per_child)
    shown = [
        (row, per_child[child])
        for child, row in rows.items()
        if may_filter_finely(principal, row, public_level)
    ]
    return sorted(shown, key=lambda item: (-item[1], item[0].code))


def nothing() -> RequestFacets:
    """The counts of a filter that matches nothing (an unknown region)."""
    return RequestFacets(
        total=0,
        causes={},
        categories={},
        urgencies={u.value: 0 for u in URGENCY_RANK},
        kinds={k.value: 0 for k in RequestKind},
        regions=[],
    )
