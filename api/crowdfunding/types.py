"""Campaigns as GraphQL sees them: the campaign (public once approved), its organiser's
updates, the public backers list (anonymous backers hidden), a backing (one rule on every
path: `service.visible_backings_condition`, and `service.may_identify_backer` for who gave
anonymously) and its receipt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry import relay

from api.core.db import utcnow
from api.core.errors import ErrorCode
from api.core.i18n import N_
from api.core.money import format_money
from api.core.pages import DEFAULT_PAGE_SIZE
from api.crowdfunding import loaders, models, queries, service
from api.crowdfunding.models import Backing as BackingRow
from api.crowdfunding.models import Campaign as CampaignRow
from api.crowdfunding.models import CampaignPost as CampaignPostRow
from api.graphql.context import Context
from api.graphql.dates import formatted_day_field, optional_formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money
from api.graphql.nodes import LoadedNode
from api.graphql.numbers import formatted_count_field
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import deny
from api.graphql.translations import LocalizedText, localized_field
from api.households.types import Household, households_by_id
from api.projects.types import Project, load_projects
from api.receipts.html import receipt_html
from api.regions.types import Region, load_regions
from api.regions.visibility import shown_region_id

ANONYMOUS_NAME = N_("Anonymous")
BASIS_POINTS = 10_000
MAX_UPDATES = 20

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


# Shown instead of the name of an account erased by accountDelete.
DELETED_ACCOUNT = N_("Deleted account")


@strawberry.type(description="An update posted by a campaign's organiser.")
class CampaignUpdate(LoadedNode, relay.Node):
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

    created_at_formatted = formatted_day_field(lambda self: self.row.created_at, of="createdAt")

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        return {
            key: cls(id=key, row=row) for key, row in loaders.update.many(context, keys).items()
        }


@strawberry.type(
    description=(
        "A backing whose money arrived, on a campaign's public list. Anonymous backers appear "
        'as "Anonymous" with no message.'
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

    received_at_formatted = formatted_day_field(lambda self: self.row.received_at, of="receivedAt")

    @strawberry.field(
        description="True when the money was given back (the campaign failed or was cancelled)."
    )
    def refunded(self) -> bool:
        return self.row.status == models.BackingStatus.REFUNDED

    @strawberry.field(description="When the money was given back.")
    def refunded_at(self) -> datetime | None:
        return self.row.refunded_at


@strawberry.type(
    description=(
        "A crowdfunding campaign for a project, a village or a household. Everyone sees it "
        "once approved (ACTIVE and after); drafts only its organisers, caseworkers of its "
        "region and platform admins."
    )
)
class Campaign(LoadedNode, relay.Node):
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

    @strawberry.field(
        description=(
            "Where the campaign is in its life. Past its deadline an ACTIVE campaign shows "
            "its outcome, SUCCEEDED or FAILED, until the server settles it (within a minute "
            "by default), then DISBURSED or REFUNDED."
        )
    )
    def status(self) -> models.CampaignStatus:
        return service.shown_status(self.row, utcnow())

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
            "A HOUSEHOLD campaign is located by its household: its exact region only for "
            "caseworkers covering it and platform admins, else its ancestor at the "
            "instance's public level (as `Household.region`)."
        )
    )
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        context = info.context
        level = context.settings.instance.public_region_level

        def shown(row: CampaignRow) -> int:
            if row.target_kind == models.CampaignTargetKind.HOUSEHOLD:
                return shown_region_id(context.principal, row.region_path, level)
            return row.region_id

        rows = load_regions(info.context, [shown(r) for r in self.page])
        return Region.from_row(rows[shown(self.row)])

    @strawberry.field(description="The amount to raise.")
    def goal(self) -> Money:
        return _money(self.row.goal_minor, self.row.currency)

    @strawberry.field(
        description=(
            "Money received and kept: pending payments do not count yet, and money given "
            "back (see `refunded`) no longer counts."
        )
    )
    def raised(self) -> Money:
        return _money(self.row.raised_minor, self.row.currency)

    @strawberry.field(
        description="How many received backings count toward `raised` (refunded ones do not)."
    )
    def backers_count(self) -> int:
        return self.row.backers_count

    backers_count_formatted = formatted_count_field(
        lambda self: self.row.backers_count, of="backersCount"
    )

    @strawberry.field(
        description=(
            "Money given back to backers: the received backings of a campaign that failed or "
            "was cancelled, and money that arrived after it closed. A REFUNDED campaign shows "
            "here what it had raised."
        )
    )
    def refunded(self) -> Money:
        return _money(self.row.refunded_minor, self.row.currency)

    @strawberry.field(description="How many received backings were given back.")
    def refunded_backings_count(self) -> int:
        return self.row.refunded_count

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

    @strawberry.field(
        description='The organiser\'s display name; "Deleted account" (translated) once '
        "the organiser deleted their account."
    )
    def organiser_name(self, info: strawberry.Info[Context, Any]) -> str:
        names = loaders.organiser_name.many(
            info.context, [r.organiser_account_id for r in self.page]
        )
        return names.get(self.row.organiser_account_id) or info.context.translator.gettext(
            DELETED_ACCOUNT
        )

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
        found = loaders.updates.many(info.context, [(r.id or 0, first) for r in self.page])
        posts = found.get((self.row.id or 0, first), [])
        return [CampaignUpdate(id=p.id, row=p) for p in posts if p.id is not None]

    @strawberry.field(
        description=(
            "Backings whose money arrived, newest first, for everyone to see; those given back "
            "stay on the list marked `refunded`; anonymous backers hidden. One statement per "
            "campaign: read it on one campaign, not across a list."
        )
    )
    def backers(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[CampaignBacker]:  # type: ignore[type-var]
        assert self.row.id is not None
        page = queries.list_backers(info.context.session, self.row.id, first=first, after=after)
        return page_connection(page, [CampaignBacker(row=row) for row in page.rows])

    @strawberry.field(
        description=(
            "Every backing of the campaign, newest first, pending ones included, so offline "
            "backings can be matched to the money that arrived and reconciled with "
            "campaignBackingReconcile. Only the campaign's managers (admins of the organising "
            "organisation) and platform admins; anyone else gets a FORBIDDEN (or "
            "UNAUTHENTICATED) error. Each backing follows the rules of `Backing` (anonymous "
            "backers' names stay hidden from managers). One statement per campaign: read it "
            "on one campaign."
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
        assert self.row.id is not None
        page = queries.list_campaign_backings(
            context.session, principal, self.row.id, status=status, first=first, after=after
        )
        # Prime the loaders the backings' fields read, so the page costs no more statements.
        loaders.payment_reference.prime(
            context, {backing.payment_id: reference for backing, reference in page.rows}
        )
        loaders.campaign.prime(context, {self.row.id: self.row})
        return page_connection(page, Backing.from_rows(backing for backing, _ in page.rows))

    @classmethod
    def from_rows(cls, rows: list[CampaignRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.campaign.many(context, keys)
        return {node.id: node for node in cls.from_rows(list(rows.values()))}


@strawberry.type(
    description=(
        "A receipt for a campaign backing, localized to the request's locale, numbered in the "
        "organisation's one yearly series shared with donation receipts. Render the fields "
        "(JSON) or show `html`, a self-contained, escaped HTML fragment."
    )
)
class BackingReceipt:
    row: strawberry.Private[BackingRow]
    page: strawberry.Private[tuple[BackingRow, ...]]

    @strawberry.field(
        description=(
            "Receipt number, sequential per year across donations and backings: 2026-000123."
        )
    )
    def number(self) -> str:
        return self.row.receipt_number or ""

    @strawberry.field(description="When the money was received (UTC).")
    def issued_at(self) -> datetime:
        assert self.row.received_at is not None
        return self.row.received_at

    @strawberry.field(description="The day it was received, formatted for the locale.")
    def issued_on(self, info: strawberry.Info[Context, Any]) -> str:
        assert self.row.received_at is not None
        return info.context.translator.datetime_as_date(
            self.row.received_at, "long", info.context.settings.instance.timezone
        )

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="The amount formatted for the locale, e.g. $10.50.")
    def amount_formatted(self, info: strawberry.Info[Context, Any]) -> str:
        return format_money(self.row.amount_minor, self.row.currency, info.context.locale)

    @strawberry.field(
        description='The backer\'s name, or "Anonymous" (localized) if none was given.'
    )
    def backer_name(self, info: strawberry.Info[Context, Any]) -> str:
        return self.row.backer_name or info.context.translator.gettext(ANONYMOUS_NAME)

    @strawberry.field(
        description="The campaign backed: its title, in the reader's language when translated."
    )
    def campaign_title(self, info: strawberry.Info[Context, Any]) -> str:
        context = info.context
        campaigns = loaders.receipt_campaign.many(context, [b.campaign_id for b in self.page])
        campaign = campaigns[self.row.campaign_id]
        return localized_field(
            context, service.CAMPAIGN_TEXT, campaign, list(campaigns.values()), "title"
        ).text

    @strawberry.field(description="The organisation issuing the receipt (this instance).")
    def issuer(self, info: strawberry.Info[Context, Any]) -> str:
        return info.context.settings.instance.name

    @strawberry.field(description="The locale the receipt is written in, e.g. zh_Hans.")
    def locale(self, info: strawberry.Info[Context, Any]) -> str:
        return info.context.locale

    @strawberry.field(
        description="True when the money was given back after the receipt was issued."
    )
    def refunded(self) -> bool:
        return self.row.refunded_at is not None

    @strawberry.field(description="The receipt as an HTML fragment; every value is escaped.")
    def html(self, info: strawberry.Info[Context, Any]) -> str:
        _ = info.context.translator.gettext
        rows = [
            (_("Receipt number"), self.number()),
            (_("Date"), self.issued_on(info)),
            (_("Amount"), self.amount_formatted(info)),
            (_("Backer"), self.backer_name(info)),
            (_("Campaign"), self.campaign_title(info)),
        ]
        if self.refunded():
            rows.append((_("Status"), _("Refunded")))
        return receipt_html(
            css_class="backing-receipt",
            locale=info.context.locale,
            heading=_("Campaign backing receipt"),
            issuer=self.issuer(info),
            rows=rows,
            closing=_("Thank you for backing this campaign."),
        )


@strawberry.type(
    description=(
        "A backing of a campaign. One rule on every path (`node`, `nodes`, `backing`, "
        "`myBackings`, `Campaign.backings`, nested fields): its backer (logged in) sees it, "
        "and so do the campaign's managers (admins of the organising organisation, who "
        "reconcile the money) and platform admins; for everyone else it does not exist (null, "
        "as an unknown ID). Anonymous means anonymous to all but the backer and platform "
        "admins: managers see the amount, status and payment reference, but not the name or "
        "message."
    )
)
class Backing(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[BackingRow]
    # The backings listed with this one: relations load for all of them at once.
    page: strawberry.Private[tuple[BackingRow, ...]] = ()
    # True when the caller looked the backing up with its receipt number and payment
    # reference: they hold what only its payer was given.
    proven_payer: strawberry.Private[bool] = False

    @classmethod
    def from_rows(cls, rows: Iterable[BackingRow]) -> list[Self]:
        page = tuple(rows)
        return [cls(id=row.id, row=row, page=page) for row in page if row.id is not None]

    def _page(self) -> tuple[BackingRow, ...]:
        return self.page or (self.row,)

    def _identifies_backer(self, info: strawberry.Info[Context, Any]) -> bool:
        return service.may_identify_backer(
            info.context.principal, self.row, proven_payer=self.proven_payer
        )

    @strawberry.field(description="Where the backing is in its life.")
    def status(self) -> models.BackingStatus:
        return models.BackingStatus(self.row.status)

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="True when the backer's name is hidden on the public list.")
    def anonymous(self) -> bool:
        return self.row.anonymous

    @strawberry.field(
        description=(
            "The backer's name as given; for an anonymous backing, null except for the backer "
            "and platform admins."
        )
    )
    def backer_name(self, info: strawberry.Info[Context, Any]) -> str | None:
        if self.row.anonymous and not self._identifies_backer(info):
            return None
        return self.row.backer_name

    @strawberry.field(
        description=(
            "The backer's message, at most 500 characters; for an anonymous backing, null "
            "except for the backer and platform admins."
        )
    )
    def message(self, info: strawberry.Info[Context, Any]) -> str | None:
        if self.row.anonymous and not self._identifies_backer(info):
            return None
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
        payment_ids = [b.payment_id for b in self._page()]
        found = loaders.payment_reference.many(info.context, payment_ids)
        return found.get(self.row.payment_id, "")

    @strawberry.field(description="The campaign backed, if you may see it.")
    def campaign(self, info: strawberry.Info[Context, Any]) -> Campaign | None:
        rows = loaders.campaign.many(info.context, [b.campaign_id for b in self._page()])
        row = rows.get(self.row.campaign_id)
        if row is None:
            return None
        return Campaign(id=row.id, row=row, page=list(rows.values()))  # type: ignore[arg-type]

    @strawberry.field(description="When the backing was made.")
    def created_at(self) -> datetime:
        return self.row.created_at

    created_at_formatted = formatted_day_field(lambda self: self.row.created_at, of="createdAt")

    @strawberry.field(description="When the money was received.")
    def received_at(self) -> datetime | None:
        return self.row.received_at

    received_at_formatted = optional_formatted_day_field(
        lambda self: self.row.received_at, of="receivedAt"
    )

    @strawberry.field(description="When the money was given back.")
    def refunded_at(self) -> datetime | None:
        return self.row.refunded_at

    @strawberry.field(
        description=(
            "The receipt number (e.g. 2026-000123), once the money was received: the "
            "organisation's one yearly series, shared with donation receipts."
        )
    )
    def receipt_number(self) -> str | None:
        return self.row.receipt_number

    @strawberry.field(
        description=(
            "The receipt, once the money was received: for the backer (logged in, or anyone "
            "who looked the backing up with its receipt number and payment reference) and "
            "platform admins; null for everyone else and before the money arrived."
        )
    )
    def receipt(self, info: strawberry.Info[Context, Any]) -> BackingReceipt | None:
        if self.row.receipt_number is None or not self._identifies_backer(info):
            return None
        return BackingReceipt(row=self.row, page=self._page())

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.backing.many(context, keys)
        return {node.id: node for node in cls.from_rows(rows.values())}
