"""GraphQL queries and mutations of the crowdfunding section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class CampaignQueries:
    pass


@strawberry.type
class CampaignMutations:
    pass
