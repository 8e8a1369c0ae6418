"""Regions as GraphQL sees them. Every region a request shows is loaded through
`load_regions` and cached for the request; a region's name in the reader's language, and
whether it is retired, are then read for every cached region at once, so a page of
households, products or campaigns costs one statement for their regions' translations
(none when the reader's language is the official one) however many regions it shows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.locales import match_locale
from api.core.taxonomy import ADMIN_LEVELS
from api.graphql.context import Context
from api.graphql.nodes import LoadedNode
from api.graphql.translations import LocalizedText, localized_field
from api.regions import loaders, service
from api.regions.models import Region as RegionRow


def load_regions(context: Context, ids: Iterable[int]) -> dict[int, RegionRow]:
    """Regions by id, cached for the request (the one way regions are read for display)."""
    return loaders.region.many(context, ids)


def remember_regions(context: Context, rows: Iterable[RegionRow]) -> None:
    """Cache regions read by a list, so their relations load with the others'."""
    loaders.region.prime(context, {row.id: row for row in rows if row.id is not None})


def _cached_regions(context: Context) -> list[RegionRow]:
    return loaders.region.loaded(context)


def _written_in(locale: str, row: RegionRow) -> bool:
    return match_locale(locale, [row.source_language]) is not None


def localized_name(context: Context, row: RegionRow) -> LocalizedText:
    """The name in the reader's language (core/translations.py). Translations load for
    every region cached so far whose official language is not the reader's, at once."""
    locale = context.locale
    if _written_in(locale, row):
        return LocalizedText(
            text=row.name, language=row.source_language, is_translation=False, is_stale=False
        )
    page = [other for other in _cached_regions(context) if not _written_in(locale, other)]
    return localized_field(context, service.REGION_TEXT, row, page, "name")


def _is_retired(context: Context, row: RegionRow) -> bool:
    if row.retired_at is not None:
        return True
    if row.parent_id is None:
        return False
    # The ancestors of every cached region, in one statement for all of them.
    wanted = {i for cached in [row, *_cached_regions(context)] for i in cached.ancestor_ids()}
    ancestors = load_regions(context, wanted)
    return row.id in service.retired_among([row], ancestors)


@strawberry.type(
    description=(
        "An administrative area (province, county, village...), any depth. Reference data "
        "everyone may read, retired areas included, so old records keep showing where they "
        "were."
    )
)
class Region(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[RegionRow]

    @strawberry.field(description="Stable code: ISO 3166-2, a national p-code, etc.")
    def code(self) -> str:
        return self.row.code

    @strawberry.field(
        description=(
            "The area's name in the reader's language when a translation exists, else its "
            "official name."
        )
    )
    def name(self, info: strawberry.Info[Context, Any]) -> str:
        return localized_name(info.context, self.row).text

    @strawberry.field(
        description=(
            "The same name with the language it is written in, whether it is a translation "
            "and whether that translation predates the last rename (`isStale`)."
        )
    )
    def localized_name(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return localized_name(info.context, self.row)

    @strawberry.field(
        description=(
            "The official name, in the official language (`sourceLanguage`), whatever the "
            "reader's language."
        )
    )
    def official_name(self) -> str:
        return self.row.name

    @strawberry.field(description="The locale the official name is written in, e.g. zh_Hans.")
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="Depth in the hierarchy; 1 is the top level.")
    def level(self) -> int:
        return self.row.level

    @strawberry.field(
        description="Name of this level in the instance, in the request's locale, e.g. County."
    )
    def level_name(self, info: strawberry.Info[Context, Any]) -> str:
        levels = info.context.settings.instance.admin_levels
        if self.row.level > len(levels):
            return str(self.row.level)
        level = levels[self.row.level - 1]
        return info.context.translator.translated(ADMIN_LEVELS, level) or level

    @strawberry.field(
        description=(
            "True when this area, or an area containing it, is retired: it takes no new "
            "households or help requests, and `regions` leaves it out unless "
            "`includeRetired`. Records made before still show it."
        )
    )
    def retired(self, info: strawberry.Info[Context, Any]) -> bool:
        return _is_retired(info.context, self.row)

    @strawberry.field(
        description=(
            "When this area itself was retired; null if it was not (it may still be retired "
            "with an area containing it)."
        )
    )
    def retired_at(self) -> datetime | None:
        return self.row.retired_at

    @strawberry.field(description="The area this one belongs to; null at the top level.")
    def parent(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.row.parent_id is None:
            return None
        row = load_regions(info.context, [self.row.parent_id]).get(self.row.parent_id)
        return Region.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: RegionRow) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row)

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        return {key: cls.from_row(row) for key, row in load_regions(context, keys).items()}
