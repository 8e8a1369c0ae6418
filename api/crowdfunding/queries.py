"""Reading crowdfunding: the lists (campaigns, a campaign's backers and backings, a backer's
backings) and the rows their fields load in batches (api/crowdfunding/loaders.py). Every
read statement of the section's GraphQL side is here, and none of them writes: an overdue
ACTIVE campaign shows its outcome (`service.shown_status`) until the closer
(api/crowdfunding/closer.py) settles it.

A list function takes a plain filter and order and returns a `Page` of rows; the resolvers
decode IDs into the filter and turn the rows into GraphQL objects."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page
from api.crowdfunding import service
from api.crowdfunding.models import (
    Backing,
    BackingStatus,
    Campaign,
    CampaignPost,
    CampaignStatus,
    CampaignTargetKind,
)
from api.payments.models import Payment
from api.regions.models import Region
from api.regions.visibility import mixed_region_condition

# Backings on the public list: their money arrived (and may have been given back since).
LISTED_BACKING_STATUSES = (BackingStatus.RECEIVED, BackingStatus.REFUNDED)

# --- Campaigns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFilter:
    """Conditions on campaigns; None (or empty) means "any"."""

    # Campaigns whose target lies in this area or below it (a region id; an unknown one
    # matches nothing). HOUSEHOLD campaigns follow `mixed_region_condition`.
    region_id: int | None = None
    # Shown statuses (`service.shown_status`), as of `now`.
    statuses: Collection[CampaignStatus] = field(default_factory=tuple)
    target_kinds: Collection[CampaignTargetKind] = field(default_factory=tuple)


class CampaignOrder(StrEnum):
    NEWEST = "NEWEST"
    ENDING_SOONEST = "ENDING_SOONEST"
    MOST_FUNDED = "MOST_FUNDED"


def _order_keys(order: CampaignOrder) -> tuple[list[SortKey], Callable[[Campaign], Any]]:
    if order == CampaignOrder.ENDING_SOONEST:
        return (
            [SortKey(col(Campaign.deadline), kind="datetime"), SortKey(col(Campaign.id))],
            lambda row: (row.deadline, row.id),
        )
    if order == CampaignOrder.MOST_FUNDED:
        funded = (col(Campaign.raised_minor) * 10_000) // col(Campaign.goal_minor)
        return (
            [SortKey(funded, descending=True), SortKey(col(Campaign.id), descending=True)],
            lambda row: (row.raised_minor * 10_000 // row.goal_minor, row.id),
        )
    return [SortKey(col(Campaign.id), descending=True)], lambda row: (row.id,)


def list_campaigns(
    session: Session,
    principal: Principal,
    filter: CampaignFilter,
    order: CampaignOrder,
    *,
    public_level: int,
    now: datetime,
    first: int,
    after: str | None,
) -> Page[Campaign]:
    """One page of the campaigns the caller may see."""
    statement = select(Campaign).where(service.visible_campaigns_condition(principal))
    if filter.region_id is not None:
        region = session.get(Region, filter.region_id)
        if region is None:
            return Page(rows=[], cursors=[], has_next=False, has_previous=False)
        statement = statement.where(
            mixed_region_condition(
                principal,
                region,
                public_level=public_level,
                path=Campaign.region_path,
                located_by_household=(col(Campaign.target_kind) == CampaignTargetKind.HOUSEHOLD),
            )
        )
    if filter.statuses:
        statement = statement.where(service.shown_status_condition(filter.statuses, now))
    if filter.target_kinds:
        statement = statement.where(
            col(Campaign.target_kind).in_([k.value for k in filter.target_kinds])
        )
    keys, key_of = _order_keys(order)
    page = fetch_page(
        session, statement, keys, first=first, after=after, key_of=lambda r: key_of(r[0])
    )
    return replace(page, rows=[row for (row,) in page.rows])


def campaigns_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Campaign]:
    """The campaigns the caller may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Campaign)
        .where(col(Campaign.id).in_(wanted))
        .where(service.visible_campaigns_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def any_campaigns_by_id(session: Session, ids: Iterable[int]) -> dict[int, Campaign]:
    """Campaigns whatever their status now (a receipt names the campaign it was for)."""
    rows = session.exec(select(Campaign).where(col(Campaign.id).in_(sorted(set(ids))))).all()
    return {row.id: row for row in rows if row.id is not None}


def organiser_names(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    """Display names of organisers' accounts (empty once erased by accountDelete)."""
    rows = session.exec(
        select(Account.id, Account.display_name).where(col(Account.id).in_(sorted(account_ids)))
    ).all()
    return {int(i): name for i, name in rows if i is not None}


# --- Updates ---------------------------------------------------------------------------------


def latest_updates(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[CampaignPost]]:
    """For each (campaign id, n): the campaign's latest n updates, newest first, in one
    statement (every key of one call has the same n: a page asks with its `first`)."""
    wanted_keys = set(keys)
    found: dict[tuple[int, int], list[CampaignPost]] = {key: [] for key in wanted_keys}
    for first in sorted({n for _, n in wanted_keys}):
        wanted = sorted(campaign_id for campaign_id, n in wanted_keys if n == first)
        rank = (
            sa.func.row_number()
            .over(
                partition_by=col(CampaignPost.campaign_id),
                order_by=(col(CampaignPost.created_at).desc(), col(CampaignPost.id).desc()),
            )
            .label("rank")
        )
        ranked = (
            select(CampaignPost.id, rank)
            .where(col(CampaignPost.campaign_id).in_(wanted))
            .subquery()
        )
        posts = session.exec(
            select(CampaignPost)
            .join(ranked, ranked.c.id == CampaignPost.id)
            .where(ranked.c.rank <= first)
            .order_by(col(CampaignPost.created_at).desc(), col(CampaignPost.id).desc())
        ).all()
        for post in posts:
            found[(post.campaign_id, first)].append(post)
    return found


def visible_updates_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, CampaignPost]:
    """Updates of campaigns the caller may see, by id."""
    rows = session.exec(
        select(CampaignPost)
        .join(Campaign, col(Campaign.id) == CampaignPost.campaign_id)
        .where(col(CampaignPost.id).in_(sorted(ids)))
        .where(service.visible_campaigns_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


# --- Backings --------------------------------------------------------------------------------


def list_backers(
    session: Session, campaign_id: int, *, first: int, after: str | None
) -> Page[Backing]:
    """One page of a campaign's public backers list: backings whose money arrived, newest
    first (the resolver hides anonymous backers' names)."""
    page = fetch_page(
        session,
        select(Backing).where(
            Backing.campaign_id == campaign_id,
            col(Backing.status).in_(LISTED_BACKING_STATUSES),
        ),
        [
            SortKey(col(Backing.received_at), descending=True, kind="datetime"),
            SortKey(col(Backing.id), descending=True),
        ],
        first=first,
        after=after,
        key_of=lambda r: (r[0].received_at, r[0].id),
    )
    return replace(page, rows=[row for (row,) in page.rows])


def _with_references(
    session: Session,
    statement: Any,
    keys: list[SortKey],
    key_of: Any,
    first: int,
    after: str | None,
) -> Page[tuple[Backing, str]]:
    page = fetch_page(session, statement, keys, first=first, after=after, key_of=key_of)
    return replace(page, rows=[(backing, reference) for backing, reference in page.rows])


def list_campaign_backings(
    session: Session,
    principal: Principal,
    campaign_id: int,
    *,
    status: BackingStatus | None,
    first: int,
    after: str | None,
) -> Page[tuple[Backing, str]]:
    """One page of a campaign's backings the caller may see (`visible_backings_condition`),
    newest first, each with its payment reference. The caller checked they manage it."""
    statement = (
        select(Backing, Payment.reference)
        .join(Payment, col(Payment.id) == Backing.payment_id)
        .where(Backing.campaign_id == campaign_id)
        .where(service.visible_backings_condition(principal))
    )
    if status is not None:
        statement = statement.where(Backing.status == status.value)
    keys = [SortKey(col(Backing.id), descending=True)]
    return _with_references(session, statement, keys, lambda r: (r[0].id,), first, after)


def list_backer_backings(
    session: Session, account_id: int | None, *, first: int, after: str | None
) -> Page[tuple[Backing, str]]:
    """One page of an account's own backings, newest first, each with its payment reference."""
    statement = (
        select(Backing, Payment.reference)
        .join(Payment, col(Payment.id) == Backing.payment_id)
        .where(col(Backing.backer_account_id) == account_id)
    )
    keys = [
        SortKey(col(Backing.created_at), descending=True, kind="datetime"),
        SortKey(col(Backing.id), descending=True),
    ]
    return _with_references(
        session, statement, keys, lambda r: (r[0].created_at, r[0].id), first, after
    )


def visible_backings_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Backing]:
    rows = session.exec(
        select(Backing)
        .where(col(Backing.id).in_(sorted(ids)))
        .where(service.visible_backings_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}
