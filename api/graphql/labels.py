"""Display labels for enum values (statuses, kinds, project types, sort orders).

The English label of a value is its name in sentence case (`PARTLY_MET` → "Partly met")
unless `LABEL_OVERRIDES` says better; translations live in the catalogs with the enum's
GraphQL name as message context, so "Active" can differ between a campaign and a pledge.
`aidbridge i18n extract` collects them from the SDL, so a new enum value is flagged as an
untranslated message by the catalog check."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema

from api.core.errors import api_error
from api.core.i18n import N_, Translator
from api.graphql.context import Context

# Enums without display labels: error codes are shown through their messages.
UNLABELLED_ENUMS = frozenset({"ErrorCode"})
LABEL_OVERRIDES: dict[tuple[str, str], str] = {
    ("InterventionType", "E_COMMERCE"): "E-commerce",
    ("OrderDirection", "ASC"): "Ascending",
    ("OrderDirection", "DESC"): "Descending",
    ("PairingKind", "ENTERPRISE_VILLAGE"): "Enterprise and village",
    ("PairingKind", "HELPER_HOUSEHOLD"): "Helper and household",
    ("ProductOrderField", "CREATED_AT"): "Newest",
    ("TextDirection", "LTR"): "Left to right",
    ("TextDirection", "RTL"): "Right to left",
}


def english_label(enum_name: str, value: str) -> str:
    override = LABEL_OVERRIDES.get((enum_name, value))
    if override is not None:
        return override
    words = value.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def labelled_enums(schema: GraphQLSchema) -> dict[str, GraphQLEnumType]:
    return {
        name: type_
        for name, type_ in sorted(schema.type_map.items())
        if isinstance(type_, GraphQLEnumType)
        and not name.startswith("__")
        and name not in UNLABELLED_ENUMS
    }


def enum_label(translator: Translator, enum_name: str, value: str) -> str:
    return translator.pgettext(enum_name, english_label(enum_name, value))


@strawberry.type(description="One enum value with its label in the request's locale.")
class EnumValueLabel:
    value: str = strawberry.field(description="The enum value as it appears in the schema.")
    label: str = strawberry.field(description="Its display label, e.g. Partly met.")


@strawberry.type(description="The display labels of one enum's values.")
class EnumLabels:
    enum: str = strawberry.field(description="The enum's name in the schema, e.g. PledgeStatus.")
    values: list[EnumValueLabel] = strawberry.field(description="Its values in schema order.")


@strawberry.type
class LabelQueries:
    @strawberry.field(
        description=(
            "Display labels for enum values (statuses, kinds, project types, sort orders) in "
            "the request's locale, so a client shows `PLEDGED` as the user's word for it. "
            "Every labelled enum when `enums` is omitted."
        )
    )
    def enum_labels(
        self,
        info: strawberry.Info[Context, Any],
        enums: Annotated[
            list[str] | None,
            strawberry.argument(description='Enum names, e.g. ["HelpRequestStatus"].'),
        ] = None,
    ) -> list[EnumLabels]:
        known = labelled_enums(info.schema._schema)
        wanted = list(known) if enums is None else enums
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise api_error(
                "BAD_USER_INPUT",
                N_("`enums` names no labelled enum called {name}."),
                name=unknown[0],
            )
        translator = info.context.translator
        return [
            EnumLabels(
                enum=name,
                values=[
                    EnumValueLabel(value=value, label=enum_label(translator, name, value))
                    for value in known[name].values
                ],
            )
            for name in wanted
        ]
