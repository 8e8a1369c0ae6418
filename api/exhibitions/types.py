"""Exhibitions as GraphQL sees them. Items of every exhibition on a page load in one
statement, and their targets in one statement per target type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.db import utcnow
from api.exhibitions import loaders, models, service
from api.exhibitions.models import Exhibition as ExhibitionRow
from api.exhibitions.models import ExhibitionItem as ExhibitionItemRow
from api.graphql.context import Context
from api.graphql.dates import formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.nodes import LoadedNode
from api.graphql.translations import LocalizedText, localized_field
from api.media.types import Image, images_of
from api.regions.types import Region, load_regions

# graphql_enum registers the model enums in place and returns the same classes; fields are
# annotated with the model enums so type checkers see a type.
ExhibitionStatus = graphql_enum(
    models.ExhibitionStatus,
    name="ExhibitionStatus",
    description="Whether an exhibition is public.",
    values={
        "DRAFT": "Being prepared; seen only by its editors.",
        "PUBLISHED": "Public.",
    },
)


ExhibitionItemKind = graphql_enum(
    models.ExhibitionItemKind,
    name="ExhibitionItemKind",
    description="What an exhibit shows.",
    values={
        "PRODUCT": "A product of the mall.",
        "PROJECT": "A poverty-alleviation project.",
        "CASE_STUDY": "A published case study.",
        "CAMPAIGN": "A crowd-financing campaign.",
        "MEDIA": "A picture or video, by URL.",
    },
)


def load_exhibition_items(
    context: Context, ids: Iterable[int]
) -> dict[int, list[ExhibitionItemRow]]:
    return loaders.items.many(context, ids)


# Exhibit targets resolved in this request, by global ID: GraphQL nodes (of whatever type
# the ID names) or None, so not a row loader.
_TARGETS = "exhibit_target"


def resolve_targets(
    info: strawberry.Info[Context, Any], global_ids: Iterable[str]
) -> dict[str, relay.Node | None]:
    """The nodes of these global IDs (None where absent or not visible), resolved once per
    request with one `resolve_nodes` call per type. Types added later (products,
    campaigns) resolve the same way once they are in the schema."""
    cache = info.context.cache[_TARGETS]
    wanted = list(global_ids)
    by_type: dict[str, list[str]] = defaultdict(list)
    for global_id in wanted:
        if global_id in cache:
            continue
        cache[global_id] = None
        try:
            gid = relay.GlobalID.from_id(global_id)
        except relay.GlobalIDValueError:
            continue
        by_type[gid.type_name].append(gid.node_id)
    for type_name, node_ids in by_type.items():
        try:
            node_type = relay.GlobalID(type_name, node_ids[0]).resolve_type(info)
        except relay.GlobalIDValueError:
            continue  # a type no longer (or not yet) in the schema
        nodes = node_type.resolve_nodes(info=info, node_ids=node_ids, required=False)
        for node_id, node in zip(node_ids, list(nodes), strict=True):  # type: ignore[arg-type]
            cache[str(relay.GlobalID(type_name, node_id))] = node
    return {global_id: cache.get(global_id) for global_id in wanted}


@strawberry.type(description="One exhibit: an object shown with a caption, or a media file.")
class ExhibitionItem:
    row: strawberry.Private[ExhibitionItemRow]
    page_ids: strawberry.Private[list[int]]
    # The exhibition's: captions are written in it.
    source_language: strawberry.Private[str]

    @strawberry.field(description="Place in the exhibition, from 0.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="What the exhibit shows.")
    def kind(self) -> models.ExhibitionItemKind:
        return ExhibitionItemKind(self.row.kind)

    @strawberry.field(
        description="The caption written for this exhibit (may be empty), in the reader's "
        "language when translated."
    )
    def caption(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        items = load_exhibition_items(info.context, self.page_ids)
        page = [item for rows in items.values() for item in rows]
        return localized_field(
            info.context,
            service.ITEM_TEXT,
            self.row,
            page,
            "caption",
            source_language=self.source_language,
        )

    @strawberry.field(
        description="For MEDIA exhibits: the URL of a picture or video on another site, if one "
        "was given. Pages that allow pictures only from the instance link to it instead of "
        "showing it."
    )
    def media_url(self) -> str | None:
        return self.row.media_url

    @strawberry.field(
        description="For MEDIA exhibits: the picture stored by the instance, in several "
        "widths; null otherwise."
    )
    def image(self, info: strawberry.Info[Context, Any]) -> Image | None:
        if self.row.image_id is None:
            return None
        items = load_exhibition_items(info.context, self.page_ids)
        page_ids = [item.image_id for rows in items.values() for item in rows if item.image_id]
        found = images_of(info.context, [self.row.image_id], page_ids)
        return found[0] if found else None

    @strawberry.field(
        description=(
            "The global ID of the object shown (product, project, case study, campaign); "
            "null for MEDIA exhibits. Kept even when the object is not visible to you."
        )
    )
    def target_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.target_global_id) if self.row.target_global_id else None

    @strawberry.field(
        description=(
            "The object shown, resolved like `node(id: targetId)`: null for MEDIA exhibits "
            "and when the object is not visible to you (e.g. an unpublished case study)."
        )
    )
    def target(self, info: strawberry.Info[Context, Any]) -> relay.Node | None:
        if not self.row.target_global_id:
            return None
        items = load_exhibition_items(info.context, self.page_ids)
        found = resolve_targets(
            info,
            {
                item.target_global_id
                for rows in items.values()
                for item in rows
                if item.target_global_id
            }
            | {self.row.target_global_id},
        )
        return found.get(self.row.target_global_id)


@strawberry.type(
    description=(
        "A curated showcase (a region's specialities, a year's achievements, an event) with a "
        "period, a theme and ordered exhibits. Everyone sees PUBLISHED exhibitions; "
        "organisation admins also their organisation's drafts; platform admins all."
    )
)
class Exhibition(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ExhibitionRow]
    page: strawberry.Private[list[ExhibitionRow]]

    def _text(self, info: strawberry.Info[Context, Any], field: str) -> LocalizedText:
        return localized_field(info.context, service.EXHIBITION_TEXT, self.row, self.page, field)

    @strawberry.field(
        description="Title, at most 200 characters; in the reader's language when translated."
    )
    def title(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "title")

    @strawberry.field(
        description='The theme, e.g. "Guizhou mountain tea", at most 200 characters; in the '
        "reader's language when translated."
    )
    def theme(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "theme")

    @strawberry.field(
        description="Introduction, at most 5000 characters (may be empty); in the reader's "
        "language when translated."
    )
    def description(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "description")

    @strawberry.field(
        description="The locale the title, theme, description and captions were written in."
    )
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="The region the exhibition is about, if any.")
    def region(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.row.region_id is None:
            return None
        rows = load_regions(info.context, {r.region_id for r in self.page if r.region_id})
        row = rows.get(self.row.region_id)
        return Region.from_row(row) if row else None

    @strawberry.field(description="First day of the exhibition.")
    def starts_on(self) -> date:
        return self.row.starts_on

    starts_on_formatted = formatted_day_field(lambda self: self.row.starts_on, of="startsOn")

    @strawberry.field(description="Last day of the exhibition.")
    def ends_on(self) -> date:
        return self.row.ends_on

    ends_on_formatted = formatted_day_field(lambda self: self.row.ends_on, of="endsOn")

    @strawberry.field(description="True when today (UTC) lies within the exhibition's period.")
    def is_current(self) -> bool:
        today = utcnow().date()
        return self.row.starts_on <= today <= self.row.ends_on

    @strawberry.field(description="Whether the exhibition is public.")
    def status(self) -> models.ExhibitionStatus:
        return ExhibitionStatus(self.row.status)

    @strawberry.field(description="When it was (last) published; null if never.")
    def published_at(self) -> datetime | None:
        return self.row.published_at

    @strawberry.field(description="The exhibits, in order.")
    def items(self, info: strawberry.Info[Context, Any]) -> list[ExhibitionItem]:
        page_ids = [row.id for row in self.page if row.id is not None]
        items = load_exhibition_items(info.context, page_ids)
        return [
            ExhibitionItem(row=item, page_ids=page_ids, source_language=self.row.source_language)
            for item in items.get(self.id, [])
        ]

    @classmethod
    def from_rows(cls, rows: list[ExhibitionRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows]  # type: ignore[arg-type]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.exhibition.many(context, keys)
        page = list(rows.values())
        return {key: cls(id=key, row=row, page=page) for key, row in rows.items()}
