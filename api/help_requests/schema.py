"""GraphQL queries and mutations of help requests (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class HelpRequestQueries:
    pass


@strawberry.type
class HelpRequestMutations:
    pass
