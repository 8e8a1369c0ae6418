"""What this deployment is: country, currency, languages, levels and taxonomies."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from api.core.i18n import locale_names, localizer_for, text_direction
from api.core.settings import Instance
from api.core.taxonomy import ADMIN_LEVELS, NEED_CATEGORIES, POVERTY_CAUSES
from api.core.validation import minor_unit_digits
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money
from api.graphql.taxonomy import TaxonomyTerm


class TextDirection(Enum):
    LTR = "ltr"
    RTL = "rtl"


graphql_enum(
    TextDirection,
    name="TextDirection",
    description="Which way a script runs.",
    values={"LTR": "Left to right, e.g. English.", "RTL": "Right to left, e.g. Arabic."},
)


@strawberry.type(description="A language this instance offers.")
class LocaleInfo:
    code: str = strawberry.field(
        description="The locale code used by this API and `@inContext`, e.g. zh_Hans."
    )
    language_tag: str = strawberry.field(
        description="The same as a BCP 47 tag for HTML `lang` attributes, e.g. zh-Hans."
    )
    native_name: str = strawberry.field(
        description="The language's name in itself, e.g. العربية or 中文 (简体)."
    )
    english_name: str = strawberry.field(description="The language's name in English.")
    direction: TextDirection = strawberry.field(description="Text direction (RTL for Arabic).")
    completeness: float = strawberry.field(
        description=(
            "Share of the interface messages translated into it, from 0 to 1; untranslated "
            "messages appear in English."
        )
    )
    is_default: bool = strawberry.field(description="True for the instance's default locale.")


@strawberry.type(description="Settings of this deployment that clients need to know.")
class InstanceInfo:
    name: str = strawberry.field(description="Name of this platform instance.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code (ZZ: none).")
    default_currency: str = strawberry.field(description="ISO 4217 code of the default currency.")
    currencies: list[str] = strawberry.field(
        description=(
            "ISO 4217 codes of the currencies money may be given in, the default one first; "
            "any other is refused with CURRENCY_MISMATCH."
        )
    )
    max_amount_minor: MinorUnits = strawberry.field(
        description=(
            "The largest amount one donation, pledge, price, goal or budget may carry, in "
            "minor units."
        )
    )
    small_count_threshold: int = strawberry.field(
        description=(
            "Public statistics of an area withhold figures smaller than this for callers who "
            "are not staff covering it."
        )
    )
    default_locale: str = strawberry.field(description="Locale used when none is asked for.")
    locales: list[str] = strawberry.field(
        description="Locales this instance offers; `Query.locales` describes them."
    )
    timezone: str = strawberry.field(
        description="IANA time zone in which the instance shows dates, e.g. Asia/Shanghai."
    )
    admin_levels: list[str] = strawberry.field(
        description="Names of the administrative levels, from the top down, localized."
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
    suggested_amounts: list[Money] = strawberry.field(
        description=(
            "Preset gift amounts for donation and backing forms, for every currency of "
            "`currencies` in that order, smallest first: the instance file's "
            "`suggested_amounts`, else 10, 25, 50 and 100 of the currency's major unit (at "
            "most `maxAmountMinor`). Formatted like all money, so forms show them as the API "
            "writes amounts."
        )
    )


@strawberry.type
class InstanceQueries:
    @strawberry.field(description="This deployment's settings and taxonomies.")
    def instance(self, info: strawberry.Info[Context, Any]) -> InstanceInfo:
        instance = info.context.settings.instance
        translator = info.context.translator
        return InstanceInfo(
            name=instance.name,
            country=instance.country,
            default_currency=instance.default_currency,
            currencies=list(instance.currencies),
            max_amount_minor=MinorUnits(instance.max_amount_minor),
            small_count_threshold=instance.small_count_threshold,
            default_locale=instance.default_locale,
            locales=list(instance.locales),
            timezone=instance.timezone,
            admin_levels=[
                translator.translated(ADMIN_LEVELS, level) or level
                for level in instance.admin_levels
            ],
            public_region_level=instance.public_region_level,
            poverty_causes=[
                TaxonomyTerm(code=e.code, entry=e, taxonomy=POVERTY_CAUSES)
                for e in instance.poverty_causes
            ],
            need_categories=[
                TaxonomyTerm(code=e.code, entry=e, taxonomy=NEED_CATEGORIES)
                for e in instance.need_categories
            ],
            suggested_amounts=suggested_amounts(instance),
        )

    @strawberry.field(
        description=(
            "The languages this instance offers, default first, each with its native name, "
            "text direction and how much of the interface is translated."
        )
    )
    def locales(self, info: strawberry.Info[Context, Any]) -> list[LocaleInfo]:
        instance = info.context.settings.instance
        localizer = localizer_for(instance.localisation)
        ordered = sorted(instance.locales, key=lambda code: code != instance.default_locale)
        result = []
        for code in ordered:
            native, english = locale_names(code)
            result.append(
                LocaleInfo(
                    code=code,
                    language_tag=code.replace("_", "-"),
                    native_name=native,
                    english_name=english,
                    direction=TextDirection(text_direction(code)),
                    completeness=localizer.completeness(code),
                    is_default=code == instance.default_locale,
                )
            )
        return result


DEFAULT_SUGGESTIONS = (10, 25, 50, 100)  # in major units


def suggested_amounts(instance: Instance) -> list[Money]:
    configured = dict(instance.suggested_amounts)
    amounts: list[Money] = []
    for currency in instance.currencies:
        scale = 10 ** minor_unit_digits(currency)
        minors = configured.get(currency) or tuple(major * scale for major in DEFAULT_SUGGESTIONS)
        amounts.extend(
            Money(amount_minor=MinorUnits(minor), currency=currency)
            for minor in sorted(minors)
            if minor <= instance.max_amount_minor
        )
    return amounts
