"""GraphQL queries of the statistics domain: public headline figures, per region."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.core.context import Context
from api.core.db import utcnow
from api.core.errors import DEFAULT_MESSAGES, ErrorCode, ServiceError, api_error
from api.core.i18n import gettext_for
from api.core.ids import decode_int_id
from api.regions.types import Region, load_regions
from api.stats.metrics import ANSWER_WINDOW_DAYS, INSTANCE_SCOPE
from api.stats.service import StatsSnapshot, read_stats


@strawberry.type(description="How many helpers of one kind have registered.")
class HelperCount:
    kind: str = strawberry.field(
        description="Kind of helper: INDIVIDUAL, ENTERPRISE or ORGANISATION."
    )
    count: int = strawberry.field(description="Number of registered helpers of this kind.")


@strawberry.type(
    description=(
        "Headline figures of the platform, for the whole instance or one region and the "
        "areas inside it. Kept as running counters, so reading them is cheap at any size."
    )
)
class Stats:
    households_registered: int = strawberry.field(
        description="Households registered in the area, whatever their status."
    )
    helpers_registered: list[HelperCount] = strawberry.field(
        description=(
            "Registered helpers by kind, every kind listed. Helpers belong to no region, "
            "so these are instance-wide figures even when a region is asked for."
        )
    )
    requests_made: int = strawberry.field(
        description="Requests for help submitted in the area (drafts are not counted)."
    )
    requests_met: int = strawberry.field(
        description="Requests whose household confirmed receiving what was asked for."
    )
    answered_within_90_days_share: float | None = strawberry.field(
        description=(
            f"Share (0 to 1) of published requests that received a first pledge within "
            f"{ANSWER_WINDOW_DAYS} days, over requests published at least "
            f"{ANSWER_WINDOW_DAYS} days ago; null until such requests exist."
        )
    )
    median_days_to_first_pledge: float | None = strawberry.field(
        description=(
            "Median number of whole days from publication to the first pledge, over "
            "requests that received one; null when none has."
        )
    )
    pledges_delivered: int = strawberry.field(
        description="Pledges marked as delivered to the household."
    )
    households_lifted_out: int = strawberry.field(
        description="Households whose current poverty status is LIFTED_OUT."
    )
    region: Region | None = strawberry.field(
        description="The area these figures cover; null for the whole instance."
    )

    @classmethod
    def from_snapshot(cls, snapshot: StatsSnapshot, region: Region | None) -> Stats:
        return cls(
            households_registered=snapshot.households_registered,
            helpers_registered=[
                HelperCount(kind=kind, count=count)
                for kind, count in snapshot.helpers_by_kind.items()
            ],
            requests_made=snapshot.requests_made,
            requests_met=snapshot.requests_met,
            answered_within_90_days_share=snapshot.answered_within_90_days_share,
            median_days_to_first_pledge=snapshot.median_days_to_first_pledge,
            pledges_delivered=snapshot.pledges_delivered,
            households_lifted_out=snapshot.households_lifted_out,
            region=region,
        )


@strawberry.type
class StatsQueries:
    @strawberry.field(
        description=(
            "Headline figures for the whole instance, or for `region` and everything inside "
            "it. Public: anyone may read them."
        )
    )
    def stats(
        self,
        info: strawberry.Info[Context, Any],
        # A plain ID (same SDL as relay.GlobalID) so that a malformed id is decoded here and
        # answered NOT_FOUND, instead of failing argument conversion as an internal error.
        region: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Global ID of a Region; omit for the whole instance."
            ),
        ] = None,
    ) -> Stats:
        context = info.context
        if region is None:
            snapshot = read_stats(context.session, scope_id=INSTANCE_SCOPE, today=utcnow().date())
            return Stats.from_snapshot(snapshot, None)
        not_found = api_error(
            ErrorCode.NOT_FOUND.name,
            gettext_for(context.locale)(DEFAULT_MESSAGES[ErrorCode.NOT_FOUND]),
        )
        try:
            region_id = decode_int_id(region, "Region", field="region")
        except ServiceError:
            raise not_found from None
        row = load_regions(context, [region_id]).get(region_id)
        if row is None:
            raise not_found
        snapshot = read_stats(context.session, scope_id=region_id, today=utcnow().date())
        return Stats.from_snapshot(snapshot, Region.from_row(row))
