"""Money in GraphQL: exact minor units and an ISO 4217 code, never a float
(api/core/money.py holds the arithmetic and formatting)."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from graphql import GraphQLError

from api.core.money import MAX_MINOR_UNITS, format_money, to_decimal
from api.graphql.context import Context


def _parse_minor_units(value: Any) -> int:
    # GraphQLError, not ValueError: graphql-core keeps any other exception as the error's
    # original, which marks it unexpected (a masked INTERNAL_SERVER_ERROR) when the value
    # is a literal in the document rather than a variable.
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError("MinorUnits must be a whole number of minor units, e.g. 1050 for 10.50")
    if abs(value) > MAX_MINOR_UNITS:
        raise GraphQLError(f"MinorUnits must be at most {MAX_MINOR_UNITS} in absolute value")
    return value


MinorUnits = NewType("MinorUnits", int)
MINOR_UNITS_SCALAR = strawberry.scalar(
    name="MinorUnits",
    description=(
        "A whole number of a currency's minor units (cents, fen...), at most 10^15, so it "
        "stays exact in JSON and JavaScript. 1050 USD means 10.50 USD."
    ),
    serialize=int,
    parse_value=_parse_minor_units,
)


@strawberry.type(description="An exact amount of money in one currency.")
class Money:
    amount_minor: MinorUnits = strawberry.field(
        description="The amount in the currency's minor units (1050 = 10.50 USD)."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. KES.")

    @strawberry.field(description='The amount as an exact decimal string, e.g. "10.50".')
    def amount(self) -> str:
        return str(to_decimal(self.amount_minor, self.currency))

    @strawberry.field(description="The amount formatted for the request's locale (CLDR).")
    def formatted(self, info: strawberry.Info[Context, Any]) -> str:
        return format_money(self.amount_minor, self.currency, info.context.locale)


@strawberry.input(description="An exact amount of money in one currency.")
class MoneyInput:
    amount_minor: MinorUnits = strawberry.field(
        description="The amount in minor units (1050 = 10.50 USD)."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code.")


def money_or_none(amount_minor: int | None, currency: str | None) -> Money | None:
    if amount_minor is None or currency is None:
        return None
    return Money(amount_minor=MinorUnits(amount_minor), currency=currency)
