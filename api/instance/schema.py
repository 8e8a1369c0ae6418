"""What this deployment is: country, currency, languages, levels and taxonomies."""

from __future__ import annotations

from typing import Any

import strawberry

from api.core.context import Context
from api.core.taxonomy import TaxonomyTerm


@strawberry.type(description="Settings of this deployment that clients need to know.")
class InstanceInfo:
    name: str = strawberry.field(description="Name of this platform instance.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code (ZZ: none).")
    default_currency: str = strawberry.field(description="ISO 4217 code of the default currency.")
    default_locale: str = strawberry.field(description="Locale used when none is asked for.")
    locales: list[str] = strawberry.field(description="Locales this instance offers.")
    admin_levels: list[str] = strawberry.field(
        description="Names of the administrative levels, from the top down."
    )
    public_region_level: int = strawberry.field(
        description="Households are shown publicly no finer than this level."
    )
    poverty_causes: list[TaxonomyTerm] = strawberry.field(
        description="The taxonomy of causes of poverty."
    )
    need_categories: list[TaxonomyTerm] = strawberry.field(
        description="The taxonomy of need categories for requests."
    )


@strawberry.type
class InstanceQueries:
    @strawberry.field(description="This deployment's settings and taxonomies.")
    def instance(self, info: strawberry.Info[Context, Any]) -> InstanceInfo:
        instance = info.context.settings.instance
        return InstanceInfo(
            name=instance.name,
            country=instance.country,
            default_currency=instance.default_currency,
            default_locale=instance.default_locale,
            locales=list(instance.locales),
            admin_levels=list(instance.admin_levels),
            public_region_level=instance.public_region_level,
            poverty_causes=[TaxonomyTerm(code=e.code, entry=e) for e in instance.poverty_causes],
            need_categories=[TaxonomyTerm(code=e.code, entry=e) for e in instance.need_categories],
        )
