"""Pledges as GraphQL sees them, and the thank-you notes shown on a household."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from api.graphql.context import Context
from api.graphql.dates import formatted_day_field
from api.graphql.money import Money, money_or_none
from api.graphql.nodes import LoadedNode, object_class
from api.graphql.translations import LocalizedText, localized_field
from api.help_requests import loaders as request_loaders
from api.help_requests.models import HelpRequest as HelpRequestRow
from api.helpers import loaders as helper_loaders
from api.helpers.types import FORMER_HELPER, Helper
from api.households import loaders as household_loaders
from api.pledges import loaders, service
from api.pledges.models import Pledge as PledgeRow
from api.pledges.models import ProgressUpdate as ProgressUpdateRow

if TYPE_CHECKING:
    from api.help_requests.types import HelpRequest


@strawberry.enum(description="What is pledged.")
class PledgeKind(Enum):
    MONEY = strawberry.enum_value("MONEY", description="Money, to a money request.")
    GOODS = strawberry.enum_value("GOODS", description="Goods, to a request in kind.")
    SERVICE = strawberry.enum_value(
        "SERVICE", description="Work or a service (transport, repairs...), to a request in kind."
    )


@strawberry.enum(description="Where a pledge is in its life.")
class PledgeStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Promised, not yet delivered.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="The helper says it was given.")
    CONFIRMED = strawberry.enum_value(
        "CONFIRMED", description="The household confirmed receiving it."
    )
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="Taken back by the helper, or the request was withdrawn."
    )
    LAPSED = strawberry.enum_value(
        "LAPSED", description="Not delivered by its due date and the grace period after it."
    )


@strawberry.type(
    description=(
        "A helper's promise to a request, from pledge to confirmed receipt. Visible to the "
        "helper who made it, to the household's representative, to the caseworkers covering "
        "the household and to admins."
    )
)
class Pledge(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[PledgeRow]
    # The rows of the page this node was loaded with (relations load for all at once).
    page: strawberry.Private[list[PledgeRow]]

    @strawberry.field(description="Money, goods or a service.")
    def kind(self) -> PledgeKind:
        return PledgeKind(self.row.kind)

    @strawberry.field(description="The money pledged; null for goods and services.")
    def amount(self) -> Money | None:
        return money_or_none(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="What the helper will give or do, in its own words.")
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field(description="Where the pledge is in its life.")
    def status(self) -> PledgeStatus:
        return PledgeStatus(self.row.status)

    @strawberry.field(description="The day the helper promised to deliver by.")
    def due_on(self) -> date:
        return self.row.due_on

    @strawberry.field(description="When the pledge was made.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When it was delivered; null before.")
    def delivered_at(self) -> datetime | None:
        return self.row.delivered_at

    @strawberry.field(description="When the household confirmed receipt; null before.")
    def confirmed_at(self) -> datetime | None:
        return self.row.confirmed_at

    @strawberry.field(
        description=(
            "The household's thank-you message, shown publicly; written when confirming or "
            "later (`pledgeThankYouSet`)."
        )
    )
    def thank_you_message(self) -> str | None:
        return self.row.thank_you_message

    @strawberry.field(
        description="When the household wrote or last replaced its thank-you; null without one."
    )
    def thanked_at(self) -> datetime | None:
        return self.row.thanked_at

    @strawberry.field(description="The request pledged to; null if you can no longer see it.")
    def request(
        self, info: strawberry.Info[Context, Any]
    ) -> Annotated[HelpRequest, strawberry.lazy("api.help_requests.types")] | None:
        found = request_loaders.request.many(info.context, [p.request_id for p in self.page])
        row = found.get(self.row.request_id)
        if row is None:
            return None
        return object_class(info, "HelpRequest").from_row(row, list(found.values()))

    @strawberry.field(description="Who pledged (the helper's public profile).")
    def helper(self, info: strawberry.Info[Context, Any]) -> Helper | None:
        found = helper_loaders.helper.many(info.context, [p.helper_id for p in self.page])
        row = found.get(self.row.helper_id)
        return Helper.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: PledgeRow, page: list[PledgeRow]) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row, page=page)

    @classmethod
    def from_rows(cls, rows: list[PledgeRow]) -> list[Self]:
        return [cls.from_row(row, rows) for row in rows]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        found = loaders.pledge.many(context, keys)
        page = list(found.values())
        return {key: cls.from_row(row, page) for key, row in found.items()}


@strawberry.type(description="A household's public thanks for help it received.")
class ThankYou:
    message: str = strawberry.field(description="The household's thank-you message.")
    helper_name: str = strawberry.field(description="Public name of the helper thanked.")
    confirmed_on: date = strawberry.field(description="The day the household confirmed receipt.")
    thanked_on: date = strawberry.field(
        description="The day the thank-you was written or last replaced (on or after "
        "`confirmedOn`)."
    )
    thanked_on_formatted = formatted_day_field(lambda thanks: thanks.thanked_on, of="thankedOn")


def _thank_you(context: Context, thanks: service.Thanks) -> ThankYou:
    return ThankYou(
        message=thanks.message,
        # A name erased by accountDelete.
        helper_name=thanks.helper_name or context.translator.gettext(FORMER_HELPER),
        confirmed_on=thanks.confirmed_at.date(),
        thanked_on=(thanks.thanked_at or thanks.confirmed_at).date(),
    )


def thanks_of(context: Context, household_id: int | None) -> list[ThankYou]:
    """`Household.thanks`, loaded for every household listed with this one at once."""
    if household_id is None:
        return []
    found = loaders.thanks_of_household.many(
        context, household_loaders.listed_with(context, household_id)
    )
    return [_thank_you(context, thanks) for thanks in found.get(household_id, [])]


def thanks_of_request(
    context: Context, request: HelpRequestRow, page: list[HelpRequestRow]
) -> list[ThankYou]:
    """`HelpRequest.thanks`, loaded for the whole page of requests at once."""
    if request.id is None:
        return []
    found = loaders.thanks_of_request.many(context, [r.id for r in [request, *page]])
    return [_thank_you(context, thanks) for thanks in found.get(request.id, [])]


# --- Progress updates ------------------------------------------------------------------------


@strawberry.type(
    description=(
        'A dated note from a household on a request it received help for (e.g. "the roof is '
        'repaired"), shown with the request like its thanks: to everyone who may see the '
        "request (the public once it is published). No names, ID numbers or addresses."
    )
)
class ProgressUpdate(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ProgressUpdateRow]
    # The updates listed with this one (their translations load at once).
    page: strawberry.Private[list[ProgressUpdateRow]]

    @strawberry.field(
        description="The note, at most 2000 characters; in the reader's language when translated."
    )
    def body(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_field(info.context, service.PROGRESS_TEXT, self.row, self.page, "body")

    @strawberry.field(description="The locale the note was written in.")
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="When it was posted.")
    def posted_at(self) -> datetime:
        return self.row.posted_at

    posted_at_formatted = formatted_day_field(lambda self: self.row.posted_at, of="postedAt")

    @strawberry.field(description="The request it is about; null if you can no longer see it.")
    def request(
        self, info: strawberry.Info[Context, Any]
    ) -> Annotated[HelpRequest, strawberry.lazy("api.help_requests.types")] | None:
        found = request_loaders.request.many(info.context, [u.request_id for u in self.page])
        row = found.get(self.row.request_id)
        request_type = object_class(info, "HelpRequest")
        return request_type.from_row(row, list(found.values())) if row else None

    @classmethod
    def from_rows(cls, rows: list[ProgressUpdateRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        found = loaders.progress_update.many(context, keys)
        return {node.id: node for node in cls.from_rows(list(found.values()))}


def progress_updates_of(
    context: Context, request: HelpRequestRow, page: list[HelpRequestRow]
) -> list[ProgressUpdate]:
    """`HelpRequest.progressUpdates`, loaded for the whole page of requests at once; their
    bodies' translations then load in one more statement."""
    if request.id is None:
        return []
    found = loaders.progress_updates_of_request.many(context, [r.id for r in [request, *page]])
    siblings = [row for rows in found.values() for row in rows]
    return [
        ProgressUpdate(id=row.id, row=row, page=siblings)
        for row in found.get(request.id, [])
        if row.id is not None
    ]
