"""Help requests as GraphQL sees them. Nodes of one page share their rows, so a relation
asked for on any of them (household, pledges, pledge count) is loaded for the whole page
in one statement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from api.core.settings import TaxonomyEntry
from api.core.taxonomy import NEED_CATEGORIES, POVERTY_CAUSES, taxonomy_label
from api.graphql.context import Context
from api.graphql.dates import optional_formatted_day_field
from api.graphql.labels import enum_label
from api.graphql.money import MinorUnits, Money, money_or_none
from api.graphql.nodes import LoadedNode
from api.graphql.numbers import formatted_count_field
from api.graphql.taxonomy import TaxonomyTerm, category_term
from api.graphql.translations import LocalizedText, localized_field
from api.help_requests import loaders, service
from api.help_requests.facets import RequestFacets
from api.help_requests.models import HelpRequest as HelpRequestRow
from api.help_requests.queries import HOUSEHOLD_LIST_LIMIT
from api.households import loaders as household_loaders
from api.households.types import Household, households_by_id
from api.pledges import loaders as pledge_loaders
from api.regions.service import public_region_id
from api.regions.types import Region, load_regions, remember_regions

if TYPE_CHECKING:
    from api.pledges.types import Pledge, ProgressUpdate, ThankYou

__all__ = ["HOUSEHOLD_LIST_LIMIT"]


@strawberry.enum(description="Where a request is in its life.")
class HelpRequestStatus(Enum):
    DRAFT = strawberry.enum_value(
        "DRAFT", description="Being written; seen only by the household and its caseworkers."
    )
    PENDING_VERIFICATION = strawberry.enum_value(
        "PENDING_VERIFICATION", description="Submitted; waiting for a caseworker to check it."
    )
    OPEN = strawberry.enum_value("OPEN", description="Published and taking pledges.")
    PLEDGED = strawberry.enum_value(
        "PLEDGED", description="Fully promised: the target is covered, or an item pledge is live."
    )
    FULFILLED = strawberry.enum_value(
        "FULFILLED", description="The household confirmed receiving what it asked for."
    )
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="The deadline passed while the request was still open."
    )
    WITHDRAWN = strawberry.enum_value(
        "WITHDRAWN", description="Taken back by the household or its caseworker."
    )
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Refused by a caseworker at verification."
    )


@strawberry.enum(description="How pressing a need is, as judged with the caseworker.")
class Urgency(Enum):
    LOW = strawberry.enum_value("LOW", description="Help is welcome whenever it comes.")
    MEDIUM = strawberry.enum_value("MEDIUM", description="Help is needed within weeks.")
    HIGH = strawberry.enum_value("HIGH", description="Help is needed within days.")
    CRITICAL = strawberry.enum_value(
        "CRITICAL", description="Health, safety or shelter is at stake now."
    )


@strawberry.enum(description="Whether a request asks for money or for things in kind.")
class HelpRequestKind(Enum):
    MONEY = strawberry.enum_value(
        "MONEY", description="Money towards a target (`HelpRequest.target` is set)."
    )
    IN_KIND = strawberry.enum_value(
        "IN_KIND", description="Goods or services (`HelpRequest.items`; no target)."
    )


@strawberry.type(description="One thing needed in kind, e.g. 2 bags of rice.")
class HelpRequestItem:
    name: str = strawberry.field(description="What is needed.")
    quantity: int = strawberry.field(description="How many units.")
    quantity_formatted = formatted_count_field(lambda item: item.quantity, of="quantity")
    unit: str = strawberry.field(description="The unit, e.g. bags, kg, hours.")


@strawberry.type(
    description=(
        "A household's request for help: money towards a target, or items in kind. Everyone "
        "sees published requests (OPEN, PLEDGED, FULFILLED) of verified households that "
        "consented to publication; the household's representative and the caseworkers "
        "covering it see all of its requests."
    )
)
class HelpRequest(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[HelpRequestRow]
    # The rows of the page this node was loaded with (relations load for all at once).
    page: strawberry.Private[list[HelpRequestRow]]

    @strawberry.field(
        description="Short title, at most 200 characters; in the reader's language when translated."
    )
    def title(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_field(info.context, service.REQUEST_TEXT, self.row, self.page, "title")

    @strawberry.field(
        description="What is needed and why, at most 5000 characters; in the reader's "
        "language when translated."
    )
    def description(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_field(
            info.context, service.REQUEST_TEXT, self.row, self.page, "description"
        )

    @strawberry.field(description="The locale the title and description were written in.")
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="Need category, from the instance taxonomy.")
    def category(self, info: strawberry.Info[Context, Any]) -> TaxonomyTerm:
        return category_term(info.context, self.row.category)

    @strawberry.field(description="Where the request is in its life.")
    def status(self) -> HelpRequestStatus:
        return HelpRequestStatus(self.row.status)

    @strawberry.field(description="How pressing the need is.")
    def urgency(self) -> Urgency:
        return Urgency(self.row.urgency)

    @strawberry.field(description="The money asked for; null for requests in kind.")
    def target(self) -> Money | None:
        return money_or_none(self.row.target_amount_minor, self.row.currency)

    @strawberry.field(description="Money promised by live pledges; null for requests in kind.")
    def pledged(self) -> Money | None:
        if self.row.currency is None:
            return None
        return money_or_none(self.row.pledged_amount_minor, self.row.currency)

    @strawberry.field(
        description="Money received for this request, wherever it is now: pledged money the "
        "household confirmed receiving, plus donations for it still held in its fund "
        "(`held`), plus everything paid out to the household for it (`disbursed`, from its "
        "donations or the general fund, confirmed or not). Null for requests in kind."
    )
    def received(self, info: strawberry.Info[Context, Any]) -> Money | None:
        figures = request_money(info.context, self.page, self.row)
        if figures is None or self.row.currency is None:
            return None
        # received_amount_minor: confirmed pledges and confirmed disbursements.
        received = self.row.received_amount_minor + figures.held + figures.unconfirmed
        return Money(amount_minor=MinorUnits(received), currency=self.row.currency)

    @strawberry.field(
        description="Money still needed: the target minus live pledges (`pledged`, confirmed "
        "ones included), minus `held`, minus `disbursed`; never below 0. A donation lowers it "
        "once its money is received. Null for requests in kind."
    )
    def remaining(self, info: strawberry.Info[Context, Any]) -> Money | None:
        figures = request_money(info.context, self.page, self.row)
        if figures is None or self.row.currency is None:
            return None
        target = self.row.target_amount_minor or 0
        covered = self.row.pledged_amount_minor + figures.held + figures.disbursed
        return Money(amount_minor=MinorUnits(max(target - covered, 0)), currency=self.row.currency)

    @strawberry.field(
        description="Donations received for this request (net of refunds) not yet paid out "
        "to the household: the balance of its fund. Null for requests in kind."
    )
    def held(self, info: strawberry.Info[Context, Any]) -> Money | None:
        figures = request_money(info.context, self.page, self.row)
        if figures is None or self.row.currency is None:
            return None
        return Money(amount_minor=MinorUnits(figures.held), currency=self.row.currency)

    @strawberry.field(
        description="Money paid out to the household for this request by staff "
        "(disbursements), from the request's fund or from the general fund, confirmed by the "
        "household or not. Null for requests in kind."
    )
    def disbursed(self, info: strawberry.Info[Context, Any]) -> Money | None:
        figures = request_money(info.context, self.page, self.row)
        if figures is None or self.row.currency is None:
            return None
        return Money(amount_minor=MinorUnits(figures.disbursed), currency=self.row.currency)

    @strawberry.field(description="The items needed in kind; empty for money requests.")
    def items(self) -> list[HelpRequestItem]:
        return [
            HelpRequestItem(name=i["name"], quantity=i["quantity"], unit=i["unit"])
            for i in self.row.items
        ]

    @strawberry.field(description="Last day help is useful; null if none.")
    def deadline(self) -> date | None:
        return self.row.deadline

    deadline_formatted = optional_formatted_day_field(lambda self: self.row.deadline, of="deadline")

    @strawberry.field(description="When it was submitted for verification; null before.")
    def submitted_at(self) -> datetime | None:
        return self.row.submitted_at

    @strawberry.field(description="When a caseworker published the request; null before.")
    def published_at(self) -> datetime | None:
        return self.row.published_at

    published_at_formatted = optional_formatted_day_field(
        lambda self: self.row.published_at, of="publishedAt"
    )

    @strawberry.field(description="When the household confirmed the need met; null before.")
    def fulfilled_at(self) -> datetime | None:
        return self.row.fulfilled_at

    @strawberry.field(description="When the request was drafted.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(
        description=(
            "The household asking (its public view). Null only if the household stopped "
            "being visible to you while the request still is."
        )
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        return load_page_households(info.context, self.page).get(self.row.household_id)

    @strawberry.field(
        description="Number of live pledges (active, delivered or confirmed). Public."
    )
    def pledge_count(self, info: strawberry.Info[Context, Any]) -> int:
        counts = pledge_loaders.live_count.many(info.context, [r.id for r in self.page])
        return counts.get(self.id, 0)

    @strawberry.field(
        description=(
            "The pledges you may see, oldest first: all of them for the household's "
            "representative, the caseworkers covering it and admins; a helper its own; "
            "nobody else any."
        )
    )
    def pledges(
        self, info: strawberry.Info[Context, Any]
    ) -> list[Annotated[Pledge, strawberry.lazy("api.pledges.types")]]:
        from api.pledges.types import Pledge

        found = pledge_loaders.of_request.many(info.context, [r.id for r in self.page])
        siblings = [pledge for rows in found.values() for pledge in rows]
        return [Pledge.from_row(row, siblings) for row in found.get(self.id, [])]

    @strawberry.field(
        description=(
            "The household's thanks for pledges to this request, newest first, at most 20; "
            "seen by whoever sees the request."
        )
    )
    def thanks(
        self, info: strawberry.Info[Context, Any]
    ) -> list[Annotated[ThankYou, strawberry.lazy("api.pledges.types")]]:
        from api.pledges.types import thanks_of_request

        return thanks_of_request(info.context, self.row, self.page)

    @strawberry.field(
        description=(
            "The household's progress updates on this request, newest first, at most 20; seen "
            "by whoever sees the request."
        )
    )
    def progress_updates(
        self, info: strawberry.Info[Context, Any]
    ) -> list[Annotated[ProgressUpdate, strawberry.lazy("api.pledges.types")]]:
        from api.pledges.types import progress_updates_of

        return progress_updates_of(info.context, self.row, self.page)

    @classmethod
    def from_row(cls, row: HelpRequestRow, page: list[HelpRequestRow]) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row, page=page)

    @classmethod
    def from_rows(cls, rows: list[HelpRequestRow]) -> list[Self]:
        return [cls.from_row(row, rows) for row in rows]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        found = load_requests(context, keys)
        return {node.id: node for node in cls.from_rows(list(found.values()))}


@dataclass(frozen=True)
class RequestMoney:
    """A money request's figures in its currency (api/disbursements explains them)."""

    held: int
    disbursed: int
    unconfirmed: int


def request_money(
    context: Context, page: list[HelpRequestRow], row: HelpRequestRow
) -> RequestMoney | None:
    """The money figures of a request, loaded for the money requests of its whole page in
    two statements (fund balances, disbursements); None for a request in kind."""
    if row.currency is None or row.target_amount_minor is None:
        return None
    found = loaders.money.many(
        context,
        [r.id for r in page if r.currency is not None and r.target_amount_minor is not None],
    )
    figures = found.get(row.id) if row.id is not None else None
    currency = row.currency
    if figures is None:
        return RequestMoney(held=0, disbursed=0, unconfirmed=0)
    return RequestMoney(
        held=figures.held.get(currency, 0),
        disbursed=figures.disbursed.get(currency, 0),
        unconfirmed=figures.unconfirmed.get(currency, 0),
    )


def load_requests(context: Context, ids: Iterable[int]) -> dict[int, HelpRequestRow]:
    """Visible requests by id, cached per operation."""
    return loaders.request.many(context, ids)


def load_page_households(context: Context, rows: list[HelpRequestRow]) -> dict[int, Household]:
    """The households of a page of requests, with what their public view shows (causes,
    public region) primed, in at most three statements for the whole page; worked out
    once per page (each request of it asks), not once per request."""
    done = context.cache[_PAGE_HOUSEHOLDS].get(id(rows))
    if done is not None and done[0] is rows:
        return done[1]
    found = households_by_id(context, {r.household_id for r in rows})
    remember_household_page(context, found)
    household_loaders.causes.many(context, found)
    level = context.settings.instance.public_region_level
    load_regions(context, {public_region_id(h.region_path, level) for h in found.values()})
    context.cache[_PAGE_HOUSEHOLDS][id(rows)] = (rows, found)  # keeps `rows`: ids stay unique
    return found


_PAGE_HOUSEHOLDS = "page_households"


# --- Household fields: open requests and thanks ----------------------------------------------


def remember_household_page(context: Context, household_ids: Iterable[int]) -> None:
    """Record households listed together, so `openRequests` and `thanks` asked on one of
    them load for all of them at once. List resolvers of households call this."""
    household_loaders.remember_page(context, household_ids)


def household_page_with(context: Context, household_id: int) -> set[int]:
    """The household and those listed with it."""
    return household_loaders.listed_with(context, household_id)


# --- Facet counts of the request list (api/help_requests/facets.py) -----------------------------


@strawberry.type(description="How many requests have one code of a taxonomy facet.")
class FacetCount:
    value: str = strawberry.field(
        description="The code, e.g. ILLNESS: what the filter's field takes."
    )
    label: str = strawberry.field(description="Its label in the request's locale.")
    count: int = strawberry.field(description="How many requests have it.")
    count_formatted = formatted_count_field(lambda facet: facet.count, of="count")


@strawberry.type(description="How many requests have one urgency.")
class UrgencyFacetCount:
    value: Urgency = strawberry.field(description="The urgency.")
    label: str = strawberry.field(description="Its display label in the request's locale.")
    count: int = strawberry.field(description="How many requests have it.")
    count_formatted = formatted_count_field(lambda facet: facet.count, of="count")


@strawberry.type(description="How many requests are of one kind (money or in kind).")
class HelpRequestKindFacetCount:
    value: HelpRequestKind = strawberry.field(description="The kind.")
    label: str = strawberry.field(description="Its display label in the request's locale.")
    count: int = strawberry.field(description="How many requests are of it.")
    count_formatted = formatted_count_field(lambda facet: facet.count, of="count")


@strawberry.type(description="How many requests there are in one area (and below it).")
class RegionFacetCount:
    region: Region = strawberry.field(description="The area.")
    count: int = strawberry.field(description="How many requests are located in it.")
    count_formatted = formatted_count_field(lambda facet: facet.count, of="count")


@strawberry.type(
    description=(
        "Counts for the filters of the request list, of the requests `helpRequests` lists to "
        "you with the same filter. Each facet applies every condition of the filter except "
        "its own, so the counts of the other values stay visible once one is chosen."
    )
)
class HelpRequestFacets:
    total: int = strawberry.field(description="Requests meeting the whole filter.")
    total_formatted = formatted_count_field(lambda facets: facets.total, of="total")
    causes: list[FacetCount] = strawberry.field(
        description=(
            "Per cause of poverty of the requests' households, every cause of the instance "
            "in its order (zeros included), then any other code still on a household. A "
            "household may have several causes, so these may add up to more than `total`."
        )
    )
    categories: list[FacetCount] = strawberry.field(
        description=(
            "Per need category, every category of the instance in its order (zeros "
            "included), then any other code still on a request."
        )
    )
    urgencies: list[UrgencyFacetCount] = strawberry.field(
        description="Per urgency, every value from LOW to CRITICAL (zeros included)."
    )
    kinds: list[HelpRequestKindFacetCount] = strawberry.field(
        description="Money requests and requests in kind (zeros included)."
    )
    regions: list[RegionFacetCount] = strawberry.field(
        description=(
            "The areas directly under the filter's `region` (top-level areas without one) "
            "that have any request, the most requests first. Never below the instance's "
            "public level for areas you do not cover: empty when the filter's region is at "
            "that level and you do not cover its areas."
        )
    )


def facets_view(context: Context, counts: RequestFacets) -> HelpRequestFacets:
    """The counts with their labels in the request's locale (taxonomy labels as on
    `TaxonomyTerm.label`, enum labels as `enumLabels` gives them)."""
    translator = context.translator
    instance = context.settings.instance

    def terms(
        taxonomy: str, entries: Iterable[TaxonomyEntry], found: dict[str, int]
    ) -> list[FacetCount]:
        known = {entry.code: entry for entry in entries}
        codes = [*known, *sorted(code for code in found if code not in known)]
        return [
            FacetCount(
                value=code,
                label=taxonomy_label(translator, taxonomy, known[code]) if code in known else code,
                count=found.get(code, 0),
            )
            for code in codes
        ]

    remember_regions(context, [row for row, _n in counts.regions])
    return HelpRequestFacets(
        total=counts.total,
        causes=terms(POVERTY_CAUSES, instance.poverty_causes, counts.causes),
        categories=terms(NEED_CATEGORIES, instance.need_categories, counts.categories),
        urgencies=[
            UrgencyFacetCount(
                value=Urgency(value),
                label=enum_label(translator, "Urgency", value),
                count=n,
            )
            for value, n in counts.urgencies.items()
        ],
        kinds=[
            HelpRequestKindFacetCount(
                value=HelpRequestKind(value),
                label=enum_label(translator, "HelpRequestKind", value),
                count=n,
            )
            for value, n in counts.kinds.items()
        ],
        regions=[
            RegionFacetCount(region=Region.from_row(row), count=n) for row, n in counts.regions
        ],
    )
