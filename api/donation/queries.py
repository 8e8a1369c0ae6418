"""Reading donations: the donor's history, the admins' reconciliation list, the public
wall (each a page, newest first, over an index), and donations and payment references by
id for batch loaders. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page
from api.donation.models import Donation, DonationStatus
from api.donation.service import visible_donations_condition
from api.payments.models import Payment

NEWEST_FIRST = (
    SortKey(col(Donation.created_at), descending=True, kind="datetime"),
    SortKey(col(Donation.id), descending=True),
)
LATEST_RECEIVED_FIRST = (
    SortKey(col(Donation.received_at), descending=True, kind="datetime"),
    SortKey(col(Donation.id), descending=True),
)
# Where `list_donations` leaves the page's payment references (by payment id).
PAYMENT_REFERENCES = "payment_references"


@dataclass(frozen=True)
class ReconciliationCriteria:
    """A plain filter of the admins' donation list (None: no condition)."""

    status: DonationStatus | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    payment_reference: str | None = None


def reconciliation_statement(criteria: ReconciliationCriteria) -> Any:
    """Donations with their payment references, for reconciliation (unordered). A status
    and a date range walk ix_donation_status_created_at_id, dates alone
    ix_donation_created_at_id; a payment reference is one unique-index look-up."""
    statement = select(Donation, Payment.reference).join(
        Payment, col(Payment.id) == Donation.payment_id
    )
    if criteria.status is not None:
        statement = statement.where(col(Donation.status) == criteria.status.value)
    if criteria.created_from is not None:
        statement = statement.where(col(Donation.created_at) >= criteria.created_from)
    if criteria.created_before is not None:
        statement = statement.where(col(Donation.created_at) < criteria.created_before)
    if criteria.payment_reference is not None:
        statement = statement.where(
            col(Payment.reference) == criteria.payment_reference.strip().upper()
        )
    return statement


def list_donations(
    session: Session, criteria: ReconciliationCriteria, *, first: int, after: str | None
) -> Page[Donation]:
    """One page of every donation meeting `criteria`, newest first, for reconciliation
    (platform admins: the resolver checks the role). The page's payment references come
    with it, in `extra[PAYMENT_REFERENCES]` by payment id."""
    page = fetch_page(
        session,
        reconciliation_statement(criteria),
        NEWEST_FIRST,
        first=first,
        after=after,
        key_of=lambda r: (r[0].created_at, r[0].id),
    )
    return replace(
        page,
        rows=[row for row, _ in page.rows],
        extra={PAYMENT_REFERENCES: {row.payment_id: reference for row, reference in page.rows}},
    )


def list_my_donations(
    session: Session, principal: Principal, *, first: int, after: str | None
) -> Page[Donation]:
    """One page of the caller's own donations, newest first (donor history)."""
    page = fetch_page(
        session,
        select(Donation).where(col(Donation.donor_account_id) == principal.account_id),
        NEWEST_FIRST,
        first=first,
        after=after,
        key_of=lambda r: (r[0].created_at, r[0].id),
    )
    return replace(page, rows=[row for (row,) in page.rows])


def list_donation_wall(session: Session, *, first: int, after: str | None) -> Page[Donation]:
    """One page of received donations, latest received first (the public wall: the
    resolver shows no personal data of anonymous donors)."""
    page = fetch_page(
        session,
        select(Donation).where(Donation.status == DonationStatus.RECEIVED),
        LATEST_RECEIVED_FIRST,
        first=first,
        after=after,
        key_of=lambda r: (r[0].received_at, r[0].id),
    )
    return replace(page, rows=[row for (row,) in page.rows])


def visible_donations_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Donation]:
    """The donations among `ids` the principal may see (`visible_donations_condition`)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Donation)
        .where(col(Donation.id).in_(wanted))
        .where(visible_donations_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}
