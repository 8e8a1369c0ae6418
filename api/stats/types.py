"""How withheld statistics look in the schema: the reason, and which figure of `Stats`
(shared by every public statistic: `stats`, `mallStats`, `moneyTotals`)."""

from __future__ import annotations

from enum import Enum

import strawberry

from api.stats.disclosure import Withheld


@strawberry.enum(description="Why a statistic is withheld from you (shown as null).")
class SuppressionReason(Enum):
    SMALL_COUNT = strawberry.enum_value(
        "SMALL_COUNT",
        description=(
            "The figure is smaller than the instance's threshold "
            "(`InstanceInfo.smallCountThreshold`) and could single out households; staff "
            "covering the area see it."
        ),
    )
    REGION_BELOW_PUBLIC_LEVEL = strawberry.enum_value(
        "REGION_BELOW_PUBLIC_LEVEL",
        description=(
            "The area is below the instance's public level, where figures would locate "
            "households; staff covering the area see them."
        ),
    )


@strawberry.enum(description="A figure of `Stats` that can be withheld.")
class StatsFigure(Enum):
    HOUSEHOLDS_REGISTERED = strawberry.enum_value(
        "HOUSEHOLDS_REGISTERED", description="`householdsRegistered`."
    )
    REQUESTS_MADE = strawberry.enum_value("REQUESTS_MADE", description="`requestsMade`.")
    REQUESTS_MET = strawberry.enum_value("REQUESTS_MET", description="`requestsMet`.")
    ANSWERED_WITHIN_90_DAYS_SHARE = strawberry.enum_value(
        "ANSWERED_WITHIN_90_DAYS_SHARE", description="`answeredWithin90DaysShare`."
    )
    MEDIAN_DAYS_TO_FIRST_PLEDGE = strawberry.enum_value(
        "MEDIAN_DAYS_TO_FIRST_PLEDGE", description="`medianDaysToFirstPledge`."
    )
    PLEDGES_DELIVERED = strawberry.enum_value(
        "PLEDGES_DELIVERED", description="`pledgesDelivered`."
    )
    HOUSEHOLDS_LIFTED_OUT = strawberry.enum_value(
        "HOUSEHOLDS_LIFTED_OUT", description="`householdsLiftedOut`."
    )
    MONEY_DONATED = strawberry.enum_value("MONEY_DONATED", description="`moneyDonated`.")
    MALL_SALES = strawberry.enum_value("MALL_SALES", description="`mallSales`.")
    CAMPAIGN_MONEY_RAISED = strawberry.enum_value(
        "CAMPAIGN_MONEY_RAISED", description="`campaignMoneyRaised`."
    )
    MALL_ORDERS_COMPLETED = strawberry.enum_value(
        "MALL_ORDERS_COMPLETED", description="`mallOrdersCompleted`."
    )
    HOUSEHOLDS_WITH_EBUSINESS_INCOME = strawberry.enum_value(
        "HOUSEHOLDS_WITH_EBUSINESS_INCOME", description="`householdsWithEbusinessIncome`."
    )
    CAMPAIGNS_FUNDED = strawberry.enum_value("CAMPAIGNS_FUNDED", description="`campaignsFunded`.")
    PAIRINGS_ACTIVE = strawberry.enum_value("PAIRINGS_ACTIVE", description="`pairingsActive`.")
    ENTERPRISES_PAIRED = strawberry.enum_value(
        "ENTERPRISES_PAIRED", description="`enterprisesPaired`."
    )
    VILLAGES_PAIRED = strawberry.enum_value("VILLAGES_PAIRED", description="`villagesPaired`.")


@strawberry.type(description="A figure withheld from you, and why.")
class SuppressedFigure:
    figure: StatsFigure = strawberry.field(description="The figure, null in `Stats`.")
    reason: SuppressionReason = strawberry.field(description="Why it is withheld.")


def suppression_reason(withheld: Withheld | None) -> SuppressionReason | None:
    return SuppressionReason[withheld.name] if withheld is not None else None
