"""GraphQL queries and mutations of the case_studies section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class CaseStudyQueries:
    pass


@strawberry.type
class CaseStudyMutations:
    pass
