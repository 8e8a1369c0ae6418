"""GraphQL queries of the statistics domain: public headline figures, per region."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.core.context import Context
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, api_error, coded_error
from api.core.i18n import N_
from api.core.ids import decode_int_id
from api.core.money import MinorUnits, Money
from api.regions.types import Region, load_regions
from api.stats import sections
from api.stats.metrics import ANSWER_WINDOW_DAYS, INSTANCE_SCOPE
from api.stats.sections import SectionTotals, read_section_totals
from api.stats.service import StatsSnapshot, read_stats

MAX_MONTHS = 120


@strawberry.enum(description="A figure available as a monthly series.")
class StatsSeries(Enum):
    MONEY_DONATED = strawberry.enum_value(
        "MONEY_DONATED", description="Donations received, by month of receipt (money)."
    )
    MALL_SALES = strawberry.enum_value(
        "MALL_SALES", description="Mall sales, by month the order was completed (money)."
    )
    CAMPAIGN_MONEY_RAISED = strawberry.enum_value(
        "CAMPAIGN_MONEY_RAISED",
        description="Money received by campaigns and kept, by month of receipt (money).",
    )
    PAIRINGS_STARTED = strawberry.enum_value(
        "PAIRINGS_STARTED", description="Pairings accepted, by month of acceptance (count)."
    )
    HOUSEHOLDS_LIFTED_OUT = strawberry.enum_value(
        "HOUSEHOLDS_LIFTED_OUT",
        description="Households recorded as lifted out, by effective month (count).",
    )


@strawberry.type(description="One month of a monthly series.")
class MonthlyFigure:
    month: str = strawberry.field(description="The calendar month, as YYYY-MM.")
    count: int = strawberry.field(description="The count for count series; 0 for money ones.")
    amounts: list[Money] = strawberry.field(
        description="For money series: one amount per currency; empty for count series."
    )


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
    scope_id: strawberry.Private[int]

    def _sections(self, info: strawberry.Info[Context, Any]) -> SectionTotals:
        cache = info.context.cache["section_totals"]
        if self.scope_id not in cache:
            cache[self.scope_id] = read_section_totals(info.context.session, scope_id=self.scope_id)
        totals: SectionTotals = cache[self.scope_id]
        return totals

    def _money(self, info: strawberry.Info[Context, Any], prefix: str) -> list[Money]:
        by_currency = self._sections(info).money[prefix]
        return [
            Money(amount_minor=MinorUnits(amount), currency=currency)
            for currency, amount in sorted(by_currency.items())
        ]

    @strawberry.field(
        description="Money donated and received, one amount per currency (never converted)."
    )
    def money_donated(self, info: strawberry.Info[Context, Any]) -> list[Money]:
        return self._money(info, sections.MONEY_DONATED)

    @strawberry.field(description="Mall sales of completed orders, one amount per currency.")
    def mall_sales(self, info: strawberry.Info[Context, Any]) -> list[Money]:
        return self._money(info, sections.MALL_SALES)

    @strawberry.field(
        description="Money received and kept by crowdfunding campaigns, one amount per currency."
    )
    def campaign_money_raised(self, info: strawberry.Info[Context, Any]) -> list[Money]:
        return self._money(info, sections.CAMPAIGN_RAISED)

    @strawberry.field(description="Mall orders completed.")
    def mall_orders_completed(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.MALL_ORDERS_COMPLETED]

    @strawberry.field(
        description="Households with e-business income: at least one completed mall sale."
    )
    def households_with_ebusiness_income(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.HOUSEHOLDS_WITH_EBUSINESS_INCOME]

    @strawberry.field(
        description=(
            "Crowdfunding campaigns that succeeded and were paid out: all-or-nothing ones "
            "that reached their goal, keep-what-you-raise ones that raised anything."
        )
    )
    def campaigns_funded(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.CAMPAIGNS_FUNDED]

    @strawberry.field(description="Pairings (enterprise-village, helper-household) now active.")
    def pairings_active(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.PAIRINGS_ACTIVE]

    @strawberry.field(description="Distinct enterprises with an active pairing with a village.")
    def enterprises_paired(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.ENTERPRISES_PAIRED]

    @strawberry.field(description="Distinct villages with an active pairing with an enterprise.")
    def villages_paired(self, info: strawberry.Info[Context, Any]) -> int:
        return self._sections(info).counters[sections.VILLAGES_PAIRED]

    @strawberry.field(
        description=(
            "A monthly series, one entry per calendar month from `from` to `to` inclusive "
            f"(at most {MAX_MONTHS} months), months without activity included as zero."
        )
    )
    def monthly(
        self,
        info: strawberry.Info[Context, Any],
        series: Annotated[StatsSeries, strawberry.argument(description="Which figure.")],
        from_: Annotated[
            date, strawberry.argument(name="from", description="Any day of the first month.")
        ],
        to: Annotated[date, strawberry.argument(description="Any day of the last month.")],
    ) -> list[MonthlyFigure]:
        months = sections.month_bucket(to) - sections.month_bucket(from_) + 1
        if not 1 <= months <= MAX_MONTHS:
            raise api_error(
                "BAD_USER_INPUT",
                N_("`from` must not be after `to`, and the range at most {limit} months."),
                limit=MAX_MONTHS,
            )
        chosen = sections.Series[series.name]
        return [
            MonthlyFigure(
                month=sections.bucket_label(value.bucket),
                count=value.count,
                amounts=[
                    Money(amount_minor=MinorUnits(amount), currency=currency)
                    for currency, amount in value.amounts.items()
                ],
            )
            for value in sections.read_monthly(
                info.context.session,
                scope_id=self.scope_id,
                series=chosen,
                first=from_,
                last=to,
            )
        ]

    @classmethod
    def from_snapshot(cls, snapshot: StatsSnapshot, region: Region | None, scope_id: int) -> Stats:
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
            scope_id=scope_id,
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
            strawberry.argument(description="Global ID of a Region; omit for the whole instance."),
        ] = None,
    ) -> Stats:
        context = info.context
        if region is None:
            snapshot = read_stats(context.session, scope_id=INSTANCE_SCOPE, today=utcnow().date())
            return Stats.from_snapshot(snapshot, None, INSTANCE_SCOPE)
        not_found = coded_error(ErrorCode.NOT_FOUND)
        try:
            region_id = decode_int_id(region, "Region", field="region")
        except ServiceError:
            raise not_found from None
        row = load_regions(context, [region_id]).get(region_id)
        if row is None:
            raise not_found
        snapshot = read_stats(context.session, scope_id=region_id, today=utcnow().date())
        return Stats.from_snapshot(snapshot, Region.from_row(row), region_id)
