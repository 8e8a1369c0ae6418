"""GraphQL queries and mutations of the pairing section (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class PairingQueries:
    pass


@strawberry.type
class PairingMutations:
    pass
