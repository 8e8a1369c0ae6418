"""GraphQL queries and mutations of the exhibitions section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ExhibitionQueries:
    pass


@strawberry.type
class ExhibitionMutations:
    pass
