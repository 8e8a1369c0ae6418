"""Campaigns as GraphQL sees them: the campaign (public once approved), its organiser's
updates, the public backers list (anonymous backers hidden) and a backing (its backer
and the campaign's managers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Self

import sqlalchemy as sa
import strawberry
from sqlmodel import Session, col, select
from strawberry import relay

from api.accounts.models import Account
from api.core.context import Context
from api.core.dates import formatted_day_field
from api.core.db import unit_of_work, utcnow
from api.core.enums import graphql_enum
from api.core.errors import ErrorCode
from api.core.i18n import N_
from api.core.loading import load_many
from api.core.money import MinorUnits, Money
from api.core.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    SortKey,
    build_connection,
    keyset_page,
)
from api.core.permissions import deny
from api.core.translations import LocalizedText, localized_field
from api.crowdfunding import models, service
from api.crowdfunding.models import Backing as BackingRow
from api.crowdfunding.models import Campaign as CampaignRow
from api.crowdfunding.models import CampaignPost as CampaignPostRow
from api.households.types import Household, households_by_id
from api.payments.models import Payment
from api.projects.types import Project, load_projects
from api.regions.types import Region, load_regions

ANONYMOUS_NAME = N_("Anonymous")
BASIS_POINTS = 10_000
MAX_UPDATES = 20
# A read closes at most this many overdue campaigns itself; the scheduler does the rest.
LAZY_CLOSE_LIMIT = 20
# Context caches: payment references by payment id, visible campaigns by id (for backings).
PAYMENT_REFERENCES = "backing_payment_reference"
BACKING_CAMPAIGNS = "backing_campaign"

CampaignStatus = graphql_enum(
    models.CampaignStatus,
    name="CampaignStatus",
    description="Where a crowdfunding campaign is in its life.",
    values={
        "DRAFT": "Being written by its organiser; only organisers and admins see it.",
        "SUBMITTED": "Waiting for approval by a caseworker of its region or a platform admin.",
        "ACTIVE": "Public and taking backings until its deadline.",
        "SUCCEEDED": "Closed with its outcome met; being disbursed (a passing state).",
        "FAILED": "Closed all-or-nothing below its goal; being refunded (a passing state).",
        "DISBURSED": "Succeeded; the money raised was released to its target.",
        "REFUNDED": "Failed; every received backing was given back.",
        "CANCELLED": "Stopped by its organiser or an admin; received backings were refunded.",
    },
)
FundingModel = graphql_enum(
    models.FundingModel,
    name="FundingModel",
    description="What happens at the deadline.",
    values={
        "ALL_OR_NOTHING": (
            "Succeeds only if the goal was reached; otherwise every backer is refunded."
        ),
        "KEEP_WHAT_YOU_RAISE": "Whatever was raised (if anything) is disbursed.",
    },
)
CampaignTargetKind = graphql_enum(
    models.CampaignTargetKind,
    name="CampaignTargetKind",
    description="What a campaign raises money for.",
    values={
        "PROJECT": "A poverty-alleviation project.",
        "VILLAGE": "A village (a region at the instance's lowest level).",
        "HOUSEHOLD": "One household (shown only through its public view).",
    },
)
BackingStatus = graphql_enum(
    models.BackingStatus,
    name="BackingStatus",
    description="Where a backing is in its life.",
    values={
        "PENDING": "Waiting for the money (reconciliation or the gateway); not counted yet.",
        "RECEIVED": "The money arrived and counts toward the campaign's raised amount.",
        "FAILED": "The gateway reported a failed payment.",
        "REFUNDED": "Given back: the campaign failed or was cancelled, or the money came late.",
    },
)


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=MinorUnits(amount_minor), currency=currency)


def funded_basis_points(raised_minor: int, goal_minor: int) -> int:
    """Raised as a share of the goal in basis points (10000 = 100%), rounded down."""
    return raised_minor * BASIS_POINTS // goal_minor if goal_minor > 0 else 0


def close_before_read(context: Context, ids: Iterable[int] | None = None) -> None:
    """Close overdue campaigns before reading them, so nobody sees an ACTIVE campaign past
    its deadline. In a mutation the write transaction does it; in a query it happens in
    its own short write transaction (the guarded UPDATE lets only one closer win), and the
    read transaction is then ended so the rest of the request sees the result."""
    now = utcnow()
    wanted = None if ids is None else list(ids)
    if context.is_mutation:
        service.close_due_campaigns(
            context.session, now=now, settings=context.settings, ids=wanted, limit=LAZY_CLOSE_LIMIT
        )
        return
    due = service.due_campaign_ids(context.session, now=now, ids=wanted, limit=LAZY_CLOSE_LIMIT)
    if not due:
        return
    with unit_of_work(context.engine) as session:
        service.close_due_campaigns(session, now=now, settings=context.settings, ids=due)
    # Nothing was written by this read transaction; ending it gives a fresh snapshot.
    context.session.commit()
    context.cache.pop("campaign", None)


def _organiser_names(context: Context, rows: list[CampaignRow]) -> dict[int, str]:
    session = context.session
    return load_many(
        context,
        "campaign_organiser",
        [r.organiser_account_id for r in rows],
        lambda ids: dict(
            session.exec(
                select(Account.id, Account.display_name).where(col(Account.id).in_(sorted(ids)))
            ).all()
        ),
    )


def _updates(context: Context, rows: list[CampaignRow], first: int) -> dict[int, list[Any]]:
    """The latest `first` updates of every campaign of the page, in one statement."""

    def fetch(ids: set[Any]) -> dict[Any, list[CampaignPostRow]]:
        wanted = sorted(campaign_id for campaign_id, _ in ids)
        rank = (
            sa.func.row_number()
            .over(
                partition_by=col(CampaignPostRow.campaign_id),
                order_by=(col(CampaignPostRow.created_at).desc(), col(CampaignPostRow.id).desc()),
            )
            .label("rank")
        )
        ranked = (
            select(CampaignPostRow.id, rank)
            .where(col(CampaignPostRow.campaign_id).in_(wanted))
            .subquery()
        )
        posts = context.session.exec(
            select(CampaignPostRow)
            .join(ranked, ranked.c.id == CampaignPostRow.id)
            .where(ranked.c.rank <= first)
            .order_by(col(CampaignPostRow.created_at).desc(), col(CampaignPostRow.id).desc())
        ).all()
        found: dict[Any, list[CampaignPostRow]] = {(i, first): [] for i in wanted}
        for post in posts:
            found[(post.campaign_id, first)].append(post)
        return found

    loaded = load_many(context, "campaign_updates", [(r.id, first) for r in rows], fetch)
    return {key[0]: value for key, value in loaded.items()}


@strawberry.type(description="An update posted by a campaign's organiser.")
class CampaignUpdate(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[CampaignPostRow]

    @strawberry.field(description="A short headline, at most 200 characters.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="The text of the update, at most 5000 characters.")
    def body(self) -> str:
        return self.row.body

    @strawberry.field(description="When it was posted.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @classmethod
    def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: strawberry.Info[Context, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[CampaignUpdate | None]:
        ids = [str(i) for i in node_ids]
        context = info.context
        rows = context.session.exec(
            select(CampaignPostRow)
            .join(CampaignRow, col(CampaignRow.id) == CampaignPostRow.campaign_id)
            .where(col(CampaignPostRow.id).in_([int(i) for i in ids if i.isdigit()]))
            .where(service.visible_campaigns_condition(context.principal))
        ).all()
        found = {row.id: cls(id=row.id, row=row) for row in rows if row.id is not None}
        return [found.get(int(i)) if i.isdigit() else None for i in ids]


@strawberry.type(
    description=(
        'A received backing on a campaign\'s public list. Anonymous backers appear as "Anonymous" '
        "with no message."
    )
)
class CampaignBacker:
    row: strawberry.Private[BackingRow]

    @strawberry.field(description='The backer\'s name, or "Anonymous" (localized).')
    def name(self, info: strawberry.Info[Context, Any]) -> str:
        if self.row.anonymous or not self.row.backer_name:
            return info.context.translator.gettext(ANONYMOUS_NAME)
        return self.row.backer_name

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="The backer's message; always null for anonymous backers.")
    def message(self) -> str | None:
        return None if self.row.anonymous else self.row.message

    @strawberry.field(description="When the money was received.")
    def received_at(self) -> datetime:
        assert self.row.received_at is not None
        return self.row.received_at


@strawberry.type(
    description=(
        "A crowdfunding campaign for a project, a village or a household. Everyone sees it "
        "once approved (ACTIVE and after); drafts only its organisers, caseworkers of its "
        "region and platform admins."
    )
)
class Campaign(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[CampaignRow]
    # The rows of the page this node was loaded with (relations load for all at once).
    page: strawberry.Private[list[CampaignRow]]

    @strawberry.field(description="The campaign's title, in the reader's language when translated.")
    def title(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_field(info.context, service.CAMPAIGN_TEXT, self.row, self.page, "title")

    @strawberry.field(
        description="What the money is for, at most 5000 characters; in the reader's "
        "language when translated."
    )
    def description(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_field(
            info.context, service.CAMPAIGN_TEXT, self.row, self.page, "description"
        )

    @strawberry.field(description="The locale the title and description were written in.")
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="Where the campaign is in its life.")
    def status(self) -> models.CampaignStatus:
        return models.CampaignStatus(self.row.status)

    @strawberry.field(description="What happens at the deadline.")
    def funding_model(self) -> models.FundingModel:
        return models.FundingModel(self.row.funding_model)

    @strawberry.field(description="What the campaign raises money for.")
    def target_kind(self) -> models.CampaignTargetKind:
        return models.CampaignTargetKind(self.row.target_kind)

    @strawberry.field(
        description="The project funded (PROJECT campaigns), if you may see the project."
    )
    def project(self, info: strawberry.Info[Context, Any]) -> Project | None:
        if self.row.project_id is None:
            return None
        rows = load_projects(info.context, [r.project_id for r in self.page if r.project_id])
        row = rows.get(self.row.project_id)
        return Project(id=row.id, row=row, page=list(rows.values())) if row else None  # type: ignore[arg-type]

    @strawberry.field(
        description=(
            "The household funded (HOUSEHOLD campaigns), through its public view; personal "
            "fields follow the household's own rules."
        )
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        found = households_by_id(
            info.context, [r.household_id for r in self.page if r.household_id]
        )
        return found.get(self.row.household_id)

    @strawberry.field(
        description=(
            "The region of the target: the village, or the household's or project's region. "
            "For HOUSEHOLD campaigns, shown down to the instance's public level."
        )
    )
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        from api.regions.service import public_region_id

        def shown(row: CampaignRow) -> int:
            if row.target_kind == models.CampaignTargetKind.HOUSEHOLD:
                level = info.context.settings.instance.public_region_level
                return public_region_id(row.region_path, level)
            return row.region_id

        rows = load_regions(info.context, [shown(r) for r in self.page])
        return Region.from_row(rows[shown(self.row)])

    @strawberry.field(description="The amount to raise.")
    def goal(self) -> Money:
        return _money(self.row.goal_minor, self.row.currency)

    @strawberry.field(description="Money received so far (pending payments do not count).")
    def raised(self) -> Money:
        return _money(self.row.raised_minor, self.row.currency)

    @strawberry.field(description="How many backings were received.")
    def backers_count(self) -> int:
        return self.row.backers_count

    @strawberry.field(
        description=(
            "Raised as a share of the goal in basis points, rounded down: 10000 is 100%, "
            "12500 is 125%. An integer, so no rounding surprises."
        )
    )
    def funded_basis_points(self) -> int:
        return funded_basis_points(self.row.raised_minor, self.row.goal_minor)

    @strawberry.field(description="When the campaign stops taking backings (UTC).")
    def deadline(self) -> datetime:
        return self.row.deadline

    deadline_formatted = formatted_day_field(lambda self: self.row.deadline, of="deadline")

    @strawberry.field(description="The organiser's display name.")
    def organiser_name(self, info: strawberry.Info[Context, Any]) -> str:
        names = _organiser_names(info.context, self.page)
        return names.get(self.row.organiser_account_id, "")

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When it was approved and went public.")
    def approved_at(self) -> datetime | None:
        return self.row.approved_at

    @strawberry.field(description="When it was closed (deadline passed) or cancelled.")
    def closed_at(self) -> datetime | None:
        return self.row.closed_at

    @strawberry.field(description="The organiser's latest updates, newest first.")
    def updates(
        self,
        info: strawberry.Info[Context, Any],
        first: Annotated[
            int, strawberry.argument(description=f"How many, 0 to {MAX_UPDATES}.")
        ] = 5,
    ) -> list[CampaignUpdate]:
        first = max(0, min(first, MAX_UPDATES))
        posts = _updates(info.context, self.page, first).get(self.row.id, [])  # type: ignore[arg-type]
        return [CampaignUpdate(id=p.id, row=p) for p in posts]

    @strawberry.field(
        description=(
            "Received backings, newest first, for everyone to see; anonymous backers hidden. "
            "One statement per campaign: read it on one campaign, not across a list."
        )
    )
    def backers(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[CampaignBacker]:  # type: ignore[type-var]
        rows, more, cursors = keyset_page(
            info.context.session,
            select(BackingRow).where(
                BackingRow.campaign_id == self.row.id,
                BackingRow.status == models.BackingStatus.RECEIVED,
            ),
            [
                SortKey(col(BackingRow.received_at), descending=True, kind="datetime"),
                SortKey(col(BackingRow.id), descending=True),
            ],
            first=first,
            after=after,
            key_of=lambda r: (r[0].received_at, r[0].id),
        )
        nodes = [CampaignBacker(row=row) for (row,) in rows]
        return build_connection(nodes, cursors, has_next=more, has_previous=after is not None)

    @strawberry.field(
        description=(
            "Every backing of the campaign, newest first, pending ones included, so offline "
            "backings can be matched to the money that arrived and reconciled with "
            "campaignBackingReconcile. Only the campaign's managers (admins of the organising "
            "organisation) and platform admins; anyone else gets a FORBIDDEN (or "
            "UNAUTHENTICATED) error. One statement per campaign: read it on one campaign."
        )
    )
    def backings(
        self,
        info: strawberry.Info[Context, Any],
        status: Annotated[
            models.BackingStatus | None,
            strawberry.argument(description="Only backings in this status."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Backing] | None:
        context = info.context
        principal = context.principal
        if not principal.is_authenticated:
            raise deny(info, ErrorCode.UNAUTHENTICATED)
        if not service.may_reconcile(principal, self.row):
            raise deny(info, ErrorCode.FORBIDDEN)
        statement = (
            select(BackingRow, Payment.reference)
            .join(Payment, col(Payment.id) == BackingRow.payment_id)
            .where(BackingRow.campaign_id == self.row.id)
        )
        if status is not None:
            statement = statement.where(BackingRow.status == status.value)
        rows, more, cursors = keyset_page(
            context.session,
            statement,
            [SortKey(col(BackingRow.id), descending=True)],
            first=first,
            after=after,
            key_of=lambda r: (r[0].id,),
        )
        # Prime the caches the backings' fields read, so the page costs no more statements.
        references = context.cache[PAYMENT_REFERENCES]
        campaigns = context.cache[BACKING_CAMPAIGNS]
        campaigns[self.row.id] = self.row
        nodes = []
        for backing, reference in rows:
            references[backing.payment_id] = reference
            nodes.append(Backing(id=backing.id, row=backing))
        return build_connection(nodes, cursors, has_next=more, has_previous=after is not None)

    @classmethod
    def from_rows(cls, rows: list[CampaignRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: strawberry.Info[Context, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Campaign | None]:
        ids = [str(i) for i in node_ids]
        wanted = sorted({int(i) for i in ids if i.isdigit()})
        context = info.context
        close_before_read(context, wanted)
        rows = list(campaigns_by_id(context.session, context, wanted).values())
        nodes = {node.row.id: node for node in cls.from_rows(rows)}
        return [nodes.get(int(i)) if i.isdigit() else None for i in ids]


def campaigns_by_id(
    session: Session, context: Context, ids: Iterable[int]
) -> dict[int, CampaignRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(CampaignRow)
        .where(col(CampaignRow.id).in_(wanted))
        .where(service.visible_campaigns_condition(context.principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


@strawberry.type(
    description=(
        "A backing of a campaign: seen by its backer (logged in) and the campaign's managers."
    )
)
class Backing(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[BackingRow]

    @strawberry.field(description="Where the backing is in its life.")
    def status(self) -> models.BackingStatus:
        return models.BackingStatus(self.row.status)

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="True when the backer's name is hidden on the public list.")
    def anonymous(self) -> bool:
        return self.row.anonymous

    @strawberry.field(description="The backer's name as given.")
    def backer_name(self) -> str | None:
        return self.row.backer_name

    @strawberry.field(description="The backer's message, at most 500 characters.")
    def message(self) -> str | None:
        return self.row.message

    @strawberry.field(description="The payment provider's name, e.g. offline.")
    def provider(self) -> str:
        return self.row.provider

    @strawberry.field(
        description=(
            "The reference the payer quotes on a bank transfer or at the cash desk "
            "(as in `paymentInstructions.reference`), to match the money that arrived."
        )
    )
    def payment_reference(self, info: strawberry.Info[Context, Any]) -> str:
        context = info.context

        def fetch(ids: set[Any]) -> dict[Any, str]:
            found = context.session.exec(
                select(Payment.id, Payment.reference).where(col(Payment.id).in_(sorted(ids)))
            ).all()
            return {i: reference for i, reference in found}

        return load_many(context, PAYMENT_REFERENCES, [self.row.payment_id], fetch).get(
            self.row.payment_id, ""
        )

    @strawberry.field(description="The campaign backed, if you may see it.")
    def campaign(self, info: strawberry.Info[Context, Any]) -> Campaign | None:
        context = info.context
        rows = load_many(
            context,
            BACKING_CAMPAIGNS,
            [self.row.campaign_id],
            lambda ids: campaigns_by_id(context.session, context, ids),
        )
        row = rows.get(self.row.campaign_id)
        return Campaign(id=row.id, row=row, page=[row]) if row else None  # type: ignore[arg-type]

    @strawberry.field(description="When the backing was made.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the money was received.")
    def received_at(self) -> datetime | None:
        return self.row.received_at

    @strawberry.field(description="When the money was given back.")
    def refunded_at(self) -> datetime | None:
        return self.row.refunded_at

    @classmethod
    def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: strawberry.Info[Context, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Backing | None]:
        ids = [str(i) for i in node_ids]
        context = info.context
        rows = context.session.exec(
            select(BackingRow, CampaignRow)
            .join(CampaignRow, col(CampaignRow.id) == BackingRow.campaign_id)
            .where(col(BackingRow.id).in_([int(i) for i in ids if i.isdigit()]))
        ).all()
        principal = context.principal
        found = {
            backing.id: cls(id=backing.id, row=backing)  # type: ignore[arg-type]
            for backing, campaign in rows
            if (
                principal.account_id is not None
                and backing.backer_account_id == principal.account_id
            )
            or service.may_reconcile(principal, campaign)
            or service.may_organise(principal, campaign)
        }
        return [found.get(int(i)) if i.isdigit() else None for i in ids]
