"""GraphQL queries and mutations of the donation section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class DonationQueries:
    pass


@strawberry.type
class DonationMutations:
    pass
