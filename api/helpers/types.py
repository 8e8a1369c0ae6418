from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.i18n import N_
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.money import Money, money_or_none
from api.graphql.nodes import LoadedNode
from api.helpers import loaders
from api.helpers.models import Helper as HelperRow
from api.helpers.models import HelperKind as HelperKindValue

# Shown instead of the name an individual helper erased by deleting their account.
FORMER_HELPER = N_("Former helper")

HelperKind = graphql_enum(
    HelperKindValue,
    name="HelperKind",
    description="What kind of helper this is.",
    values={
        "INDIVIDUAL": "A person giving on their own behalf.",
        "ENTERPRISE": "A company, e.g. one pairing with a village.",
        "ORGANISATION": "An NGO, agency or other organisation.",
    },
)


@strawberry.type(description="What a helper prefers to support; used to match requests.")
class HelperPreferences:
    region_ids: strawberry.Private[list[int]]
    causes: list[str] = strawberry.field(description="Preferred causes of poverty (codes).")
    categories: list[str] = strawberry.field(description="Preferred need categories (codes).")
    budget: Money | None = strawberry.field(description="Budget the helper has in mind.")

    @strawberry.field(description="Preferred areas (each with everything below it).")
    def regions(self, info: strawberry.Info[Context, Any]) -> list[relay.GlobalID]:
        return [relay.GlobalID("Region", str(i)) for i in self.region_ids]


@strawberry.type(description="A person, enterprise or organisation that gives help.")
class Helper(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[HelperRow]

    @strawberry.field(
        description=(
            'Public name; "Former helper" (translated) once the person deleted their account.'
        )
    )
    def display_name(self, info: strawberry.Info[Context, Any]) -> str:
        if not self.row.display_name:  # erased by accountDelete
            return info.context.translator.gettext(FORMER_HELPER)
        return self.row.display_name

    @strawberry.field(description="Individual, enterprise or organisation.")
    def kind(self) -> HelperKindValue:
        return HelperKindValue(self.row.kind)

    @strawberry.field(description="What the helper says about itself.")
    def about(self) -> str | None:
        return self.row.about

    @strawberry.field(description="True once the platform has checked this helper.")
    def verified(self) -> bool:
        return self.row.verification_status == "VERIFIED"

    @strawberry.field(description="When the helper registered.")
    def registered_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(
        description="Matching preferences; visible to the helper itself and to admins only."
    )
    def preferences(self, info: strawberry.Info[Context, Any]) -> HelperPreferences | None:
        principal = info.context.principal
        if not (principal.is_admin or principal.helper_id == self.row.id):
            return None
        return HelperPreferences(
            region_ids=list(self.row.preferred_region_ids),
            causes=list(self.row.preferred_causes),
            categories=list(self.row.preferred_categories),
            budget=money_or_none(self.row.budget_minor, self.row.budget_currency),
        )

    @classmethod
    def from_row(cls, row: HelperRow) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row)

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        return {key: cls.from_row(row) for key, row in loaders.helper.many(context, keys).items()}
