"""GraphQL queries of the statistics domain: public headline figures, per region."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, api_error, coded_error
from api.core.i18n import N_
from api.core.money import format_money
from api.graphql.context import Context
from api.graphql.ids import decode_int_id
from api.graphql.money import MinorUnits, Money
from api.graphql.numbers import formatted_count_field
from api.helpers.models import HelperKind as HelperKindValue
from api.helpers.types import HelperKind  # noqa: F401  (registers the enum for HelperKindValue)
from api.regions.types import Region, load_regions
from api.stats import loaders, sections
from api.stats.disclosure import Disclosure, disclosure_for
from api.stats.metrics import ANSWER_WINDOW_DAYS, INSTANCE_SCOPE
from api.stats.sections import SectionTotals
from api.stats.service import StatsSnapshot, read_stats
from api.stats.types import (
    StatsFigure,
    SuppressedFigure,
    SuppressionReason,
    suppression_reason,
)

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
    count: int | None = strawberry.field(
        description=(
            "The count for count series; 0 for money ones. Null when withheld (`suppressed`)."
        )
    )
    amounts: list[Money] | None = strawberry.field(
        description=(
            "For money series: one amount per currency; empty for count series. Null when "
            "withheld (`suppressed`)."
        )
    )
    suppressed: SuppressionReason | None = strawberry.field(
        description="Why this month's figure is withheld from you; null when it is shown."
    )


@strawberry.type(description="How many helpers of one kind have registered.")
class HelperCount:
    kind: HelperKindValue = strawberry.field(description="Kind of helper.")
    count: int = strawberry.field(description="Number of registered helpers of this kind.")
    count_formatted = formatted_count_field(lambda helpers: helpers.count, of="count")


WITHHELD_NOTE = " Null when withheld from you; `suppressed` says why."


@strawberry.type(
    description=(
        "Headline figures of the platform, for the whole instance or one region and the "
        "areas inside it. Kept as running counters, so reading them is cheap at any size. "
        "Staff covering the area (admins for the whole instance) see every figure; for "
        "everyone else figures smaller than `InstanceInfo.smallCountThreshold`, and every "
        "figure of an area below the public level, are withheld: null, listed in "
        "`suppressed` with the reason."
    )
)
class Stats:
    snapshot: strawberry.Private[StatsSnapshot]
    disclosure: strawberry.Private[Disclosure]
    scope_id: strawberry.Private[int]

    @strawberry.field(
        description="Households registered in the area, whatever their status." + WITHHELD_NOTE
    )
    def households_registered(self) -> int | None:
        return self._count(self.snapshot.households_registered)

    @strawberry.field(
        description=(
            "Registered helpers by kind, every kind listed. Helpers belong to no region, "
            "so these are instance-wide figures even when a region is asked for."
        )
    )
    def helpers_registered(self) -> list[HelperCount]:
        return [
            HelperCount(kind=HelperKindValue(kind), count=count)
            for kind, count in self.snapshot.helpers_by_kind.items()
        ]

    @strawberry.field(
        description=(
            "Registered helpers of every kind together, as the reader's locale writes "
            "numbers (instance-wide, like `helpersRegistered`)."
        )
    )
    def helpers_registered_formatted(self, info: strawberry.Info[Context, Any]) -> str:
        return info.context.translator.number(sum(self.snapshot.helpers_by_kind.values()))

    @strawberry.field(
        description=(
            "Requests for help submitted in the area (drafts are not counted)." + WITHHELD_NOTE
        )
    )
    def requests_made(self) -> int | None:
        return self._count(self.snapshot.requests_made)

    @strawberry.field(
        description=(
            "Requests whose household confirmed receiving what was asked for." + WITHHELD_NOTE
        )
    )
    def requests_met(self) -> int | None:
        return self._count(self.snapshot.requests_met)

    @strawberry.field(
        description=(
            f"Share (0 to 1) of published requests that received a first pledge within "
            f"{ANSWER_WINDOW_DAYS} days, over requests published at least "
            f"{ANSWER_WINDOW_DAYS} days ago; null until such requests exist, and withheld "
            "when fewer requests than the threshold count."
        )
    )
    def answered_within_90_days_share(self) -> float | None:
        if self.disclosure.withheld(self.snapshot.requests_in_closed_cohorts):
            return None
        return self.snapshot.answered_within_90_days_share

    @strawberry.field(
        description=(
            "Median number of whole days from publication to the first pledge, over "
            "requests that received one; null when none has, and withheld when fewer "
            "requests than the threshold count."
        )
    )
    def median_days_to_first_pledge(self) -> float | None:
        if self.disclosure.withheld(self.snapshot.requests_with_first_pledge):
            return None
        return self.snapshot.median_days_to_first_pledge

    @strawberry.field(description="Pledges marked as delivered to the household." + WITHHELD_NOTE)
    def pledges_delivered(self) -> int | None:
        return self._count(self.snapshot.pledges_delivered)

    @strawberry.field(
        description="Households whose current poverty status is LIFTED_OUT." + WITHHELD_NOTE
    )
    def households_lifted_out(self) -> int | None:
        return self._count(self.snapshot.households_lifted_out)

    region: Region | None = strawberry.field(
        description="The area these figures cover; null for the whole instance."
    )

    @strawberry.field(
        description=(
            "Money donated and received, one amount per currency (never converted)." + WITHHELD_NOTE
        )
    )
    def money_donated(self, info: strawberry.Info[Context, Any]) -> list[Money] | None:
        return self._money(info, sections.MONEY_DONATED)

    @strawberry.field(
        description="Mall sales of completed orders, one amount per currency." + WITHHELD_NOTE
    )
    def mall_sales(self, info: strawberry.Info[Context, Any]) -> list[Money] | None:
        return self._money(info, sections.MALL_SALES)

    @strawberry.field(
        description=(
            "Money received and kept by crowdfunding campaigns, one amount per currency."
            + WITHHELD_NOTE
        )
    )
    def campaign_money_raised(self, info: strawberry.Info[Context, Any]) -> list[Money] | None:
        return self._money(info, sections.CAMPAIGN_RAISED)

    @strawberry.field(description="Mall orders completed." + WITHHELD_NOTE)
    def mall_orders_completed(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.MALL_ORDERS_COMPLETED)

    @strawberry.field(
        description=(
            "Households with e-business income: at least one completed mall sale." + WITHHELD_NOTE
        )
    )
    def households_with_ebusiness_income(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.HOUSEHOLDS_WITH_EBUSINESS_INCOME)

    @strawberry.field(
        description=(
            "Crowdfunding campaigns that succeeded and were paid out: all-or-nothing ones "
            "that reached their goal, keep-what-you-raise ones that raised anything."
            + WITHHELD_NOTE
        )
    )
    def campaigns_funded(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.CAMPAIGNS_FUNDED)

    @strawberry.field(
        description=("Pairings (enterprise-village, helper-household) now active." + WITHHELD_NOTE)
    )
    def pairings_active(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.PAIRINGS_ACTIVE)

    @strawberry.field(
        description=("Distinct enterprises with an active pairing with a village." + WITHHELD_NOTE)
    )
    def enterprises_paired(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.ENTERPRISES_PAIRED)

    @strawberry.field(
        description=("Distinct villages with an active pairing with an enterprise." + WITHHELD_NOTE)
    )
    def villages_paired(self, info: strawberry.Info[Context, Any]) -> int | None:
        return self._counter(info, sections.VILLAGES_PAIRED)

    @strawberry.field(
        description=(
            "The figures withheld from you (null above), with the reason; empty for staff "
            "covering the area."
        )
    )
    def suppressed(self, info: strawberry.Info[Context, Any]) -> list[SuppressedFigure]:
        if self.disclosure.exact:
            return []
        snapshot = self.snapshot
        counters = self._sections(info).counters
        bases: list[tuple[StatsFigure, int | None]] = [
            (StatsFigure.HOUSEHOLDS_REGISTERED, snapshot.households_registered),
            (StatsFigure.REQUESTS_MADE, snapshot.requests_made),
            (StatsFigure.REQUESTS_MET, snapshot.requests_met),
            (StatsFigure.ANSWERED_WITHIN_90_DAYS_SHARE, snapshot.requests_in_closed_cohorts),
            (StatsFigure.MEDIAN_DAYS_TO_FIRST_PLEDGE, snapshot.requests_with_first_pledge),
            (StatsFigure.PLEDGES_DELIVERED, snapshot.pledges_delivered),
            (StatsFigure.HOUSEHOLDS_LIFTED_OUT, snapshot.households_lifted_out),
            (StatsFigure.MONEY_DONATED, None),
            (StatsFigure.MALL_SALES, None),
            (StatsFigure.CAMPAIGN_MONEY_RAISED, None),
            *((figure, counters[counter]) for figure, counter in _COUNTER_FIGURES.items()),
        ]
        return [
            SuppressedFigure(figure=figure, reason=SuppressionReason[reason.name])
            for figure, base in bases
            if (reason := self.disclosure.withheld(base)) is not None
        ]

    def _count(self, value: int) -> int | None:
        return None if self.disclosure.withheld(value) else value

    def _counter(self, info: strawberry.Info[Context, Any], counter: str) -> int | None:
        return self._count(self._sections(info).counters[counter])

    def _sections(self, info: strawberry.Info[Context, Any]) -> SectionTotals:
        totals = loaders.section_totals.one(info.context, self.scope_id)
        assert totals is not None
        return totals

    def _money(self, info: strawberry.Info[Context, Any], prefix: str) -> list[Money] | None:
        if self.disclosure.withheld(None):
            return None
        by_currency = self._sections(info).money[prefix]
        return [
            Money(amount_minor=MinorUnits(amount), currency=currency)
            for currency, amount in sorted(by_currency.items())
        ]

    @strawberry.field(
        description=(
            "A monthly series, one entry per calendar month from `from` to `to` inclusive "
            f"(at most {MAX_MONTHS} months), months without activity included as zero. A "
            "month's count is withheld like the figures above (`suppressed` on the month)."
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
        figures = []
        for value in sections.read_monthly(
            info.context.session,
            scope_id=self.scope_id,
            series=chosen,
            first=from_,
            last=to,
        ):
            withheld = self.disclosure.withheld(None if chosen.is_money else value.count)
            figures.append(
                MonthlyFigure(
                    month=sections.bucket_label(value.bucket),
                    count=None if withheld else value.count,
                    amounts=None
                    if withheld
                    else [
                        Money(amount_minor=MinorUnits(amount), currency=currency)
                        for currency, amount in value.amounts.items()
                    ],
                    suppressed=suppression_reason(withheld),
                )
            )
        return figures

    @strawberry.field(
        description=(
            "A figure as the reader's locale writes it, so every client shows the same "
            "digits: counts with the locale's grouping, the 90-day share as a percentage, "
            "the median in days, money figures as each currency's formatted amount in a "
            "list. Null exactly when the figure itself is (withheld, or not yet known)."
        )
    )
    def formatted(
        self,
        info: strawberry.Info[Context, Any],
        figure: Annotated[StatsFigure, strawberry.argument(description="Which figure.")],
    ) -> str | None:
        return format_figure(self, info, figure)


_COUNTER_FIGURES = {
    StatsFigure.MALL_ORDERS_COMPLETED: sections.MALL_ORDERS_COMPLETED,
    StatsFigure.HOUSEHOLDS_WITH_EBUSINESS_INCOME: sections.HOUSEHOLDS_WITH_EBUSINESS_INCOME,
    StatsFigure.CAMPAIGNS_FUNDED: sections.CAMPAIGNS_FUNDED,
    StatsFigure.PAIRINGS_ACTIVE: sections.PAIRINGS_ACTIVE,
    StatsFigure.ENTERPRISES_PAIRED: sections.ENTERPRISES_PAIRED,
    StatsFigure.VILLAGES_PAIRED: sections.VILLAGES_PAIRED,
}


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
        instance = context.settings.instance
        if region is None:
            snapshot = read_stats(context.session, scope_id=INSTANCE_SCOPE, today=utcnow().date())
            return Stats(
                snapshot=snapshot,
                disclosure=disclosure_for(context.principal, None, instance),
                scope_id=INSTANCE_SCOPE,
                region=None,
            )
        not_found = coded_error(ErrorCode.NOT_FOUND)
        try:
            region_id = decode_int_id(region, "Region", field="region")
        except ServiceError:
            raise not_found from None
        row = load_regions(context, [region_id]).get(region_id)
        if row is None:
            raise not_found
        snapshot = read_stats(context.session, scope_id=region_id, today=utcnow().date())
        return Stats(
            snapshot=snapshot,
            disclosure=disclosure_for(context.principal, row, instance),
            scope_id=region_id,
            region=Region.from_row(row),
        )


_FIGURE_FIELDS: dict[StatsFigure, str] = {
    StatsFigure.HOUSEHOLDS_REGISTERED: "households_registered",
    StatsFigure.REQUESTS_MADE: "requests_made",
    StatsFigure.REQUESTS_MET: "requests_met",
    StatsFigure.PLEDGES_DELIVERED: "pledges_delivered",
    StatsFigure.HOUSEHOLDS_LIFTED_OUT: "households_lifted_out",
}
_MONEY_FIGURES: dict[StatsFigure, str] = {
    StatsFigure.MONEY_DONATED: sections.MONEY_DONATED,
    StatsFigure.MALL_SALES: sections.MALL_SALES,
    StatsFigure.CAMPAIGN_MONEY_RAISED: sections.CAMPAIGN_RAISED,
}


def format_figure(
    stats: Stats, info: strawberry.Info[Context, Any], figure: StatsFigure
) -> str | None:
    """The figure's value through the same accessor as its own field (so withholding
    cannot differ), written in the reader's locale."""
    translator = info.context.translator
    if figure is StatsFigure.ANSWERED_WITHIN_90_DAYS_SHARE:
        share = stats.answered_within_90_days_share()
        return None if share is None else translator.percent(share)
    if figure is StatsFigure.MEDIAN_DAYS_TO_FIRST_PLEDGE:
        median = stats.median_days_to_first_pledge()
        return None if median is None else translator.number(median)
    if figure in _MONEY_FIGURES:
        amounts = stats._money(info, _MONEY_FIGURES[figure])
        if amounts is None:
            return None
        return translator.list(
            [format_money(m.amount_minor, m.currency, translator.locale) for m in amounts]
        )
    if figure in _FIGURE_FIELDS:
        value: int | None = getattr(stats, _FIGURE_FIELDS[figure])()
    else:
        value = stats._counter(info, _COUNTER_FIGURES[figure])
    return None if value is None else translator.number(value)
