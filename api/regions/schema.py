"""GraphQL queries and mutations of the regions domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ServiceError, bad_id_error
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import Role
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_int_id
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.regions import service
from api.regions.models import Region as RegionRow
from api.regions.types import Region, remember_regions

ADMINS_ONLY = (
    " Platform admins only: the hierarchy is reference data of the whole instance (every "
    "area, filter and statistic builds on it)."
)


@strawberry.type
class RegionQueries:
    @strawberry.field(
        description=(
            "Areas directly under `parent` (top-level areas when omitted), by code. Retired "
            "areas are left out unless `includeRetired`; `node` and `regionByCode` find "
            "them always."
        )
    )
    def regions(
        self,
        info: strawberry.Info[Context, Any],
        parent: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="The containing area; omit for top-level areas."),
        ] = None,
        include_retired: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "True to list retired areas too (and those under a retired area); by "
                    "default only areas in use, as a picker for new records needs."
                )
            ),
        ] = False,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Region]:
        context = info.context
        page = service.list_child_regions(
            context.session,
            service.ChildRegionFilter(
                parent_id=None if parent is None else _parent_id_or_error(parent),
                include_retired=include_retired,
            ),
            first=first,
            after=after,
        )
        remember_regions(context, page.rows)
        return page_connection(page, [Region.from_row(row) for row in page.rows])

    @strawberry.field(description="The area with this code, if any, retired or not.")
    def region_by_code(
        self,
        info: strawberry.Info[Context, Any],
        code: Annotated[str, strawberry.argument(description="The area's code.")],
    ) -> Region | None:
        row = service.region_by_code(info.context.session, code)
        if row is None:
            return None
        remember_regions(info.context, [row])
        return Region.from_row(row)


def _parent_id_or_error(parent: relay.GlobalID) -> int:
    """Queries have no payload for typed errors: a bad id is a top-level input error."""
    try:
        return decode_int_id(parent, "Region", field="parent")
    except ServiceError:
        raise bad_id_error("parent", "Region") from None


@strawberry.input(description="A new administrative area.")
class RegionCreateInput:
    code: str = strawberry.field(description="Unique code, e.g. ISO 3166-2 or a p-code.")
    name: str = strawberry.field(description="Official name, at most 200 characters.")
    level: int = strawberry.field(
        description=(
            "The level of the new area, stated so a wrong parent cannot go unnoticed: 1 for a "
            "top-level area, else one below its parent's (a county under a prefecture). Any "
            "other is OUT_OF_RANGE on `level`, whose message names the level expected."
        )
    )
    parent: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "The containing area, not retired (else INVALID_STATE); omit for a top-level area."
        ),
    )
    language: str | None = strawberry.field(
        default=None,
        description=(
            "The locale the official name is written in, one of the instance's; the "
            "instance's default locale when omitted (official names are in the official "
            "language, whatever the language of the admin's screen)."
        ),
    )


@strawberry.input(description="A new official name for an area.")
class RegionRenameInput:
    id: relay.GlobalID = strawberry.field(description="The area (retired ones too).")
    name: str = strawberry.field(
        description=(
            "The new official name, in the area's `sourceLanguage`, at most 200 characters. "
            "Its translations read as stale until they are written again."
        )
    )


@strawberry.input(description="An area's name in one more locale.")
class RegionTranslationSetInput:
    id: relay.GlobalID = strawberry.field(description="The area (retired ones too).")
    locale: str = strawberry.field(
        description=(
            "One of the instance's locales (e.g. fr, zh_Hans), not the area's source language "
            "(else INVALID)."
        )
    )
    name: str | None = strawberry.field(
        default=None,
        description=(
            "The name in that locale, at most 200 characters; null or blank removes the "
            "translation."
        ),
    )


@strawberry.input(description="An area to retire.")
class RegionRetireInput:
    id: relay.GlobalID = strawberry.field(
        description="The area, not retired itself yet (else INVALID_STATE)."
    )


@strawberry.input(description="A retired area to take back into use.")
class RegionReinstateInput:
    id: relay.GlobalID = strawberry.field(
        description=(
            "The area, retired itself (else INVALID_STATE). It stays retired while an area "
            "containing it is."
        )
    )


@strawberry.type(description="Result of regionCreate.")
class RegionCreatePayload:
    region: Region | None = strawberry.field(description="The new area, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of a region mutation.")
class RegionPayload:
    region: Region | None = strawberry.field(description="The area as it is now, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _region_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "Region", field="id")


def _run(info: strawberry.Info[Context, Any], action: Callable[[], RegionRow]) -> RegionPayload:
    row, errors = run_service(info, action)
    return RegionPayload(region=Region.from_row(row) if row else None, errors=errors)


@strawberry.type
class RegionMutations:
    @strawberry.mutation(
        description="Add an administrative area." + ADMINS_ONLY,
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
                level=input.level,
                parent_id=parent_id,
                language=input.language,
            )

        row, errors = run_service(info, create)
        return RegionCreatePayload(region=Region.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(
        description=(
            "Change an area's official name; records made before show the new name. Platform "
            "admins only."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def region_rename(
        self, info: strawberry.Info[Context, Any], input: MutationInput[RegionRenameInput]
    ) -> RegionPayload | None:
        context = info.context
        return _run(
            info,
            lambda: service.rename_region(
                context.session,
                actor=context.principal,
                region_id=_region_pk(input.id),
                name=input.name,
            ),
        )

    @strawberry.mutation(
        description=(
            "Add, replace or remove an area's name in one more locale; readers of that locale "
            "see it as `Region.name`. Platform admins only."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def region_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[RegionTranslationSetInput],
    ) -> RegionPayload | None:
        context = info.context
        return _run(
            info,
            lambda: service.set_region_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                region_id=_region_pk(input.id),
                locale=input.locale,
                name=input.name,
            ),
        )

    @strawberry.mutation(
        description=(
            "Retire an area (merged, split or renamed away), with everything inside it: no "
            "new households are registered or moved there and no new help requests made "
            "there, and `regions` leaves it out unless asked. Records made before keep it and "
            "still show it. Platform admins only."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def region_retire(
        self, info: strawberry.Info[Context, Any], input: MutationInput[RegionRetireInput]
    ) -> RegionPayload | None:
        context = info.context
        return _run(
            info,
            lambda: service.retire_region(
                context.session, actor=context.principal, region_id=_region_pk(input.id)
            ),
        )

    @strawberry.mutation(
        description=(
            "Take a retired area back into use (the areas inside it too, except those retired "
            "on their own). Platform admins only."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def region_reinstate(
        self, info: strawberry.Info[Context, Any], input: MutationInput[RegionReinstateInput]
    ) -> RegionPayload | None:
        context = info.context
        return _run(
            info,
            lambda: service.reinstate_region(
                context.session, actor=context.principal, region_id=_region_pk(input.id)
            ),
        )
