"""`<of>Formatted` fields: a count as the reader's locale writes it (CLDR grouping), so every
client shows the same digits as the server's messages do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry

from api.core.errors import ErrorCode, coded_error
from api.graphql.context import Context

# A cart or a form holds a few figures; more in one request is a mistake, not a need.
NUMBERS_LIMIT = 100


def formatted_count_field(value_of: Callable[[Any], int], *, of: str) -> Any:
    def resolve(root: Any, info: strawberry.Info[Context, Any]) -> str:
        return info.context.translator.number(value_of(root))

    return strawberry.field(resolver=resolve, description=_description(of))


def optional_formatted_count_field(value_of: Callable[[Any], int | None], *, of: str) -> Any:
    """Like `formatted_count_field`, null when `of` is null."""

    def resolve(root: Any, info: strawberry.Info[Context, Any]) -> str | None:
        value = value_of(root)
        return None if value is None else info.context.translator.number(value)

    return strawberry.field(resolver=resolve, description=_description(of))


def _description(of: str) -> str:
    return f"`{of}` as the reader's locale writes numbers."


@strawberry.type
class NumberQueries:
    @strawberry.field(
        description=(
            "Whole numbers only the client knows (e.g. the quantities in a cart kept in the "
            "browser) as the reader's locale writes them (CLDR grouping and digits), in the "
            "order given, so they read like every number the API sends. At most 100; more is "
            "BAD_USER_INPUT."
        )
    )
    def numbers_formatted(
        self,
        info: strawberry.Info[Context, Any],
        numbers: Annotated[list[int], strawberry.argument(description="The numbers to write.")],
    ) -> list[str]:
        if len(numbers) > NUMBERS_LIMIT:
            raise coded_error(ErrorCode.OUT_OF_RANGE, reported_as="BAD_USER_INPUT")
        return [info.context.translator.number(number) for number in numbers]
