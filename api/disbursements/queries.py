"""The read side of disbursements: the list, a service function taking a plain filter and
returning a page of rows, and the look-ups its resolvers need. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, newest_first
from api.disbursements.models import Disbursement
from api.disbursements.service import DisbursementCriteria, list_statement
from api.households.models import Household
from api.regions.models import Region

# The list's filter: plain values (decoded ids, model enums).
DisbursementFilter = DisbursementCriteria


class DisbursementOrder(StrEnum):
    NEWEST = "NEWEST"


def list_disbursements(
    session: Session,
    principal: Principal,
    filter: DisbursementFilter,
    order: DisbursementOrder = DisbursementOrder.NEWEST,
    *,
    first: int,
    after: str | None,
) -> Page[Disbursement]:
    """Disbursements visible to `principal` meeting `filter`, newest first."""
    return newest_first(
        session, list_statement(principal, filter), col(Disbursement.id), first=first, after=after
    )


def household_codes(session: Session, household_ids: Iterable[int]) -> dict[int, str]:
    """Households' pseudonymous public codes by id, in one statement."""
    wanted = sorted(set(household_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Household.id, Household.public_code).where(col(Household.id).in_(wanted))
    ).all()
    return {pk: code for pk, code in rows if pk is not None}


def region_by_id(session: Session, region_id: int) -> Region | None:
    return session.get(Region, region_id)
