"""GraphQL mutations of pledges (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class PledgeMutations:
    pass
