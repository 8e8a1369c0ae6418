"""GraphQL queries and mutations of the projects section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ProjectQueries:
    pass


@strawberry.type
class ProjectMutations:
    pass
