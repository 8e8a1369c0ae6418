"""The read side of exhibitions: the list, a service function taking a plain filter and
returning a page of rows. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, newest_first
from api.exhibitions.models import Exhibition
from api.exhibitions.service import current_condition, visible_exhibitions_condition


class ExhibitionOrder(StrEnum):
    NEWEST = "NEWEST"


@dataclass
class ExhibitionFilter:
    """Conditions on exhibitions; None (or empty) means "any". `current` compares the
    period with `today`."""

    statuses: list[str] = field(default_factory=list)
    current: bool | None = None
    today: date | None = None


def list_exhibitions(
    session: Session,
    principal: Principal,
    filter: ExhibitionFilter,
    order: ExhibitionOrder = ExhibitionOrder.NEWEST,
    *,
    first: int,
    after: str | None,
) -> Page[Exhibition]:
    """Exhibitions visible to `principal` meeting `filter`, newest first."""
    statement = select(Exhibition).where(visible_exhibitions_condition(principal))
    if filter.statuses:
        statement = statement.where(col(Exhibition.status).in_(filter.statuses))
    if filter.current is not None:
        assert filter.today is not None, "`current` needs `today`"
        current = current_condition(filter.today)
        statement = statement.where(current if filter.current else ~current)
    return newest_first(session, statement, col(Exhibition.id), first=first, after=after)
