"""`<of>Formatted` fields: a count as the reader's locale writes it (CLDR grouping), so every
client shows the same digits as the server's messages do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from api.core.context import Context


def formatted_count_field(value_of: Callable[[Any], int], *, of: str) -> Any:
    def resolve(root: Any, info: strawberry.Info[Context, Any]) -> str:
        return info.context.translator.number(value_of(root))

    return strawberry.field(
        resolver=resolve, description=f"`{of}` as the reader's locale writes numbers."
    )
