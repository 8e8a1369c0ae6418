"""GraphQL queries and mutations of the mall section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class MallQueries:
    pass


@strawberry.type
class MallMutations:
    pass
