"""The read side of projects: the project list and the caseworkers' targeting lists, each a
service function taking a plain filter and returning a page of rows; and the look-ups their
resolvers need (regions, households by public code). Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page, newest_first
from api.households.models import Household
from api.projects.models import Project, ProjectHousehold
from api.projects.service import uncovered_households_conditions, visible_projects_condition
from api.regions.models import Region


class ProjectOrder(StrEnum):
    NEWEST = "NEWEST"


@dataclass
class ProjectFilter:
    """Conditions on projects; None (or empty) means "any"."""

    region_id: int | None = None
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)


def _empty() -> Page[Any]:
    return Page(rows=[], cursors=[], has_next=False, has_previous=False)


def region_by_id(session: Session, region_id: int) -> Region | None:
    return session.get(Region, region_id)


def list_projects(
    session: Session,
    principal: Principal,
    filter: ProjectFilter,
    order: ProjectOrder = ProjectOrder.NEWEST,
    *,
    first: int,
    after: str | None,
) -> Page[Project]:
    """Projects visible to `principal` meeting `filter`, newest first; an unknown region
    matches nothing."""
    statement = select(Project).where(visible_projects_condition(principal))
    if filter.region_id is not None:
        region = region_by_id(session, filter.region_id)
        if region is None:
            return _empty()
        statement = statement.where(col(Project.region_path).startswith(region.path))
    if filter.types:
        statement = statement.where(col(Project.project_type).in_(filter.types))
    if filter.statuses:
        statement = statement.where(col(Project.status).in_(filter.statuses))
    return newest_first(session, statement, col(Project.id), first=first, after=after)


def _households_in_area(region: Region) -> Any:
    return (
        select(Household, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(col(Region.path).startswith(region.path))
    )


def _household_page(
    session: Session, statement: Any, first: int, after: str | None
) -> Page[tuple[Household, str]]:
    """Households oldest registration first (by id), with their region paths."""
    page = fetch_page(
        session,
        statement,
        [SortKey(col(Household.id))],
        first=first,
        after=after,
        key_of=lambda r: (r[0].id,),
    )
    return Page(
        rows=[(row, path) for row, path in page.rows],
        cursors=page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
    )


def list_coverage(
    session: Session, region: Region, covered: bool | None, *, first: int, after: str | None
) -> Page[tuple[Household, str]]:
    """Households of `region`: covered by some project (True), by none (False), or all."""
    statement = _households_in_area(region)
    if covered is not None:
        any_cover = select(ProjectHousehold.household_id).where(
            ProjectHousehold.household_id == Household.id
        )
        statement = statement.where(any_cover.exists() if covered else ~any_cover.exists())
    return _household_page(session, statement, first, after)


def list_uncovered(
    session: Session, region: Region, no_help_met_for_days: int, *, first: int, after: str | None
) -> Page[tuple[Household, str]]:
    """Needy households of `region` no active project covers and no help reached lately."""
    statement = _households_in_area(region).where(
        *uncovered_households_conditions(no_help_met_for_days)
    )
    return _household_page(session, statement, first, after)


def household_ids_by_code(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Database ids of households by public code (those that exist)."""
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(Household.public_code, Household.id).where(
                col(Household.public_code).in_(wanted)
            )
        ).all()
    )
