"""Reading help requests beyond the list (api/help_requests/matching.py): the open requests
of households. No read writes or commits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.help_requests.models import HelpRequest, RequestStatus
from api.help_requests.service import visible_requests_condition

# Households show at most this many open requests (and thank-you notes), newest first;
# requests at most this many thank-you notes and progress updates.
HOUSEHOLD_LIST_LIMIT = 20


def open_requests_by_household(
    session: Session, principal: Principal, household_ids: set[int]
) -> dict[int, list[HelpRequest]]:
    """OPEN and PLEDGED requests visible to `principal`, newest first, at most
    HOUSEHOLD_LIST_LIMIT per household, in one statement (a window function)."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=col(HelpRequest.household_id),
            order_by=(col(HelpRequest.published_at).desc(), col(HelpRequest.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(HelpRequest, rank)
        .where(col(HelpRequest.household_id).in_(household_ids))
        .where(col(HelpRequest.status).in_((RequestStatus.OPEN, RequestStatus.PLEDGED)))
        .where(visible_requests_condition(principal))
        .subquery()
    )
    request = aliased(HelpRequest, ranked)
    rows = session.exec(
        select(request)
        .where(ranked.c.rank <= HOUSEHOLD_LIST_LIMIT)
        .order_by(ranked.c.household_id, ranked.c.rank)
    ).all()
    result: dict[int, list[HelpRequest]] = {i: [] for i in household_ids}
    for row in rows:
        result[row.household_id].append(row)
    return result
