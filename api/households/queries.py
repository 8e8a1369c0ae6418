"""Reading households: the ones a caller may see, by id, by public code and as a list, each
with its region's path (what the public view and the personal-data check need). No read
writes or commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page
from api.core.settings import Instance
from api.households.models import Household, HouseholdStatusChange, HouseholdSubsidy
from api.households.service import has_cause_condition, visible_households_condition
from api.regions.models import Region
from api.regions.visibility import household_region_condition


@dataclass(frozen=True)
class VisibleHousehold:
    """A household the caller may see, with the path of its exact region."""

    row: Household
    region_path: str


def _visible(principal: Principal) -> Any:
    return (
        select(Household, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(visible_households_condition(principal))
    )


def households_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, VisibleHousehold]:
    """The visible households among `ids`, in one statement."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(_visible(principal).where(col(Household.id).in_(wanted))).all()
    return {row.id: VisibleHousehold(row, path) for row, path in rows if row.id}


def households_by_code(
    session: Session, principal: Principal, codes: Iterable[str]
) -> dict[str, VisibleHousehold]:
    """The visible households among these public codes, in one statement."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    rows = session.exec(_visible(principal).where(col(Household.public_code).in_(wanted))).all()
    return {row.public_code: VisibleHousehold(row, path) for row, path in rows}


def household_id_by_code(session: Session, code: str) -> int | None:
    """The database id of a household by public code, whoever may see it (mutations check
    who may change it)."""
    return session.exec(select(Household.id).where(Household.public_code == code)).first()


def household_row(session: Session, household_id: int) -> Household | None:
    return session.get(Household, household_id)


class HouseholdOrder(StrEnum):
    NEWEST = "NEWEST"  # most recently registered first


@dataclass
class HouseholdListFilter:
    """Conditions on the household list; None means "any"."""

    # An area (by id): its households and those below it.
    region_id: int | None = None
    cause: str | None = None


def list_households(
    session: Session,
    principal: Principal,
    instance: Instance,
    wanted: HouseholdListFilter,
    order: HouseholdOrder = HouseholdOrder.NEWEST,
    *,
    first: int,
    after: str | None,
) -> Page[VisibleHousehold]:
    """One page of the households visible to `principal` that meet `wanted`. An unknown
    region matches nothing; one finer than the public level is REGION_TOO_FINE for those
    who do not cover it."""
    statement = _visible(principal)
    if wanted.region_id is not None:
        region = session.get(Region, wanted.region_id)
        if region is None:
            return Page(rows=[], cursors=[], has_next=False)
        statement = statement.where(
            household_region_condition(principal, region, instance=instance, path=Region.path)
        )
    if wanted.cause:
        statement = statement.where(has_cause_condition(wanted.cause))
    page = fetch_page(
        session,
        statement,
        [
            SortKey(col(Household.created_at), descending=True, kind="datetime"),
            SortKey(col(Household.id), descending=True),
        ],
        first=first,
        after=after,
        key_of=lambda r: (r[0].created_at, r[0].id),
    )
    return Page(
        rows=[VisibleHousehold(row, path) for row, path in page.rows],
        cursors=page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
    )


def status_history(session: Session, household_id: int) -> list[HouseholdStatusChange]:
    """The household's poverty status changes, oldest first."""
    return list(
        session.exec(
            select(HouseholdStatusChange)
            .where(HouseholdStatusChange.household_id == household_id)
            .order_by(col(HouseholdStatusChange.effective_on), col(HouseholdStatusChange.id))
        ).all()
    )


def subsidies_of(session: Session, household_id: int) -> list[HouseholdSubsidy]:
    """The subsidies the household received, newest first."""
    return list(
        session.exec(
            select(HouseholdSubsidy)
            .where(HouseholdSubsidy.household_id == household_id)
            .order_by(col(HouseholdSubsidy.received_on).desc(), col(HouseholdSubsidy.id).desc())
        ).all()
    )
