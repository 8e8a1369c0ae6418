from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.context import Context
from api.core.loading import load_many, load_one
from api.regions import service
from api.regions.models import Region as RegionRow


def load_regions(context: Context, ids: Iterable[int]) -> dict[int, RegionRow]:
    return load_many(context, "region", ids, lambda m: service.regions_by_id(context.session, m))


@strawberry.type(description="An administrative area (province, county, village...), any depth.")
class Region(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code: ISO 3166-2, a national p-code, etc.")
    name: str = strawberry.field(description="Name of the area in its official language.")
    level: int = strawberry.field(description="Depth in the hierarchy; 1 is the top level.")
    parent_id: strawberry.Private[int | None]

    @strawberry.field(description="Name of this level in the instance, e.g. County.")
    def level_name(self, info: strawberry.Info[Context, Any]) -> str:
        levels = info.context.settings.instance.admin_levels
        return levels[self.level - 1] if self.level <= len(levels) else str(self.level)

    @strawberry.field(description="The area this one belongs to; null at the top level.")
    def parent(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.parent_id is None:
            return None
        row = load_one(
            info.context,
            "region",
            self.parent_id,
            lambda m: service.regions_by_id(info.context.session, m),
        )
        return Region.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: RegionRow) -> Self:
        assert row.id is not None
        return cls(
            id=row.id, code=row.code, name=row.name, level=row.level, parent_id=row.parent_id
        )

    @classmethod
    def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: strawberry.Info[Context, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Region | None]:
        ids = [int(i) for i in node_ids if str(i).isdigit()]
        rows = load_regions(info.context, ids)
        return [
            cls.from_row(rows[int(i)]) if str(i).isdigit() and int(i) in rows else None
            for i in node_ids
        ]
