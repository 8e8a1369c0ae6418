"""GraphQL queries and mutations of the regions domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlmodel import col, select
from strawberry import relay

from api.accounts.models import Role
from api.core.context import Context
from api.core.errors import ServiceError, UserError, bad_id_error
from api.core.ids import decode_int_id
from api.core.mutations import MutationInput, run_service
from api.core.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    SortKey,
    build_connection,
    keyset_page,
)
from api.core.permissions import requires
from api.regions import service
from api.regions.models import Region as RegionRow
from api.regions.types import Region


@strawberry.type
class RegionQueries:
    @strawberry.field(
        description="Areas directly under `parent` (top-level areas when omitted), by code."
    )
    def regions(
        self,
        info: strawberry.Info[Context, Any],
        parent: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="The containing area; omit for top-level areas."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Region]:
        statement = select(RegionRow)
        if parent is None:
            statement = statement.where(col(RegionRow.parent_id).is_(None))
        else:
            statement = statement.where(col(RegionRow.parent_id) == _parent_id_or_error(parent))
        rows, more, cursors = keyset_page(
            info.context.session,
            statement,
            [SortKey(RegionRow.code, kind="str"), SortKey(RegionRow.id)],
            first=first,
            after=after,
            key_of=lambda r: (r[0].code, r[0].id),
        )
        for (row,) in rows:
            info.context.cache["region"][row.id] = row
        nodes = [Region.from_row(row) for (row,) in rows]
        return build_connection(nodes, cursors, has_next=more, has_previous=after is not None)

    @strawberry.field(description="The area with this code, if any.")
    def region_by_code(
        self,
        info: strawberry.Info[Context, Any],
        code: Annotated[str, strawberry.argument(description="The area's code.")],
    ) -> Region | None:
        row = service.region_by_code(info.context.session, code)
        return Region.from_row(row) if row else None


def _parent_id_or_error(parent: relay.GlobalID) -> int:
    """Queries have no payload for typed errors: a bad id is a top-level input error."""
    try:
        return decode_int_id(parent, "Region", field="parent")
    except ServiceError:
        raise bad_id_error("parent", "Region") from None


@strawberry.input(description="A new administrative area.")
class RegionCreateInput:
    code: str = strawberry.field(description="Unique code, e.g. ISO 3166-2 or a p-code.")
    name: str = strawberry.field(description="Official name.")
    parent: relay.GlobalID | None = strawberry.field(
        default=None, description="The containing area; omit for a top-level area."
    )


@strawberry.type(description="Result of regionCreate.")
class RegionCreatePayload:
    region: Region | None = strawberry.field(description="The new area, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type
class RegionMutations:
    @strawberry.mutation(
        description="Add an administrative area. Platform admins only.",
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def region_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[RegionCreateInput],
    ) -> RegionCreatePayload | None:
        context = info.context

        def create() -> RegionRow:
            parent_id = (
                decode_int_id(input.parent, "Region", field="parent") if input.parent else None
            )
            return service.create_region(
                context.session,
                instance=context.settings.instance,
                code=input.code,
                name=input.name,
                parent_id=parent_id,
            )

        row, errors = run_service(info, create)
        return RegionCreatePayload(region=Region.from_row(row) if row else None, errors=errors)
