"""The read side of pairings: the pairing ledger, a service function taking a plain filter
and returning a page of rows, and the look-ups its resolvers need. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, newest_first
from api.pairing.models import Pairing
from api.pairing.service import area_condition, visible_pairings_condition
from api.regions.models import Region


class PairingOrder(StrEnum):
    NEWEST = "NEWEST"


@dataclass
class PairingFilter:
    """Conditions on pairings; None (or empty) means "any"."""

    region_id: int | None = None
    kind: str | None = None
    statuses: list[str] = field(default_factory=list)
    helper_id: int | None = None


def list_pairings(
    session: Session,
    principal: Principal,
    filter: PairingFilter,
    order: PairingOrder = PairingOrder.NEWEST,
    *,
    public_level: int,
    first: int,
    after: str | None,
) -> Page[Pairing]:
    """Pairings visible to `principal` meeting `filter`, newest first. An unknown region
    matches nothing; below `public_level` household pairings match a region only for
    those who may see the household's exact region."""
    conditions: list[Any] = [visible_pairings_condition(principal)]
    if filter.region_id is not None:
        region = session.get(Region, filter.region_id)
        if region is None:
            return Page(rows=[], cursors=[], has_next=False, has_previous=False)
        conditions.append(area_condition(principal, region, public_level))
    if filter.kind is not None:
        conditions.append(col(Pairing.kind) == filter.kind)
    if filter.statuses:
        conditions.append(col(Pairing.status).in_(filter.statuses))
    if filter.helper_id is not None:
        conditions.append(col(Pairing.helper_id) == filter.helper_id)
    return newest_first(
        session, select(Pairing).where(*conditions), col(Pairing.id), first=first, after=after
    )
