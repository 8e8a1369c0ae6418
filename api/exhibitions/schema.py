"""GraphQL queries and mutations of the exhibitions section."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import Role
from api.exhibitions import loaders, models, queries, service
from api.exhibitions.models import Exhibition as ExhibitionRow
from api.exhibitions.types import (
    Exhibition,
    resolve_targets,
)
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_int_id
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires

EDITORS = (Role.PLATFORM_ADMIN, Role.ORGANISATION_ADMIN)


@strawberry.input(description="Which exhibitions to list; every condition given must hold.")
class ExhibitionFilter:
    status: list[models.ExhibitionStatus] | None = strawberry.field(
        default=None,
        description="Only exhibitions in one of these statuses (drafts only reach their editors).",
    )
    current: bool | None = strawberry.field(
        default=None,
        description="True: only those whose period covers today (UTC); false: only the others.",
    )


@strawberry.type
class ExhibitionQueries:
    @strawberry.field(
        description=(
            "Exhibitions visible to you (PUBLISHED for everyone; also their organisation's "
            "drafts for organisation admins; all for platform admins), newest first."
        )
    )
    def exhibitions(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            ExhibitionFilter | None,
            strawberry.argument(description="Conditions the exhibitions must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Exhibition]:
        context = info.context
        wanted = queries.ExhibitionFilter()
        if filter is not None:
            wanted = queries.ExhibitionFilter(
                statuses=[s.value for s in filter.status or []],
                current=filter.current,
                today=utcnow().date(),
            )
        page = queries.list_exhibitions(
            context.session, context.principal, wanted, first=first, after=after
        )
        loaders.exhibition.prime(context, {row.id: row for row in page.rows if row.id is not None})
        return page_connection(page, Exhibition.from_rows(page.rows))


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input(
    description="One exhibit. Give `target` for every kind but MEDIA, which needs `image` (a "
    "picture stored by the instance), `mediaUrl` (one elsewhere) or both."
)
class ExhibitionItemInput:
    kind: models.ExhibitionItemKind = strawberry.field(description="What the exhibit shows.")
    target: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "The object shown: a Project for PROJECT, a CaseStudy for CASE_STUDY, a product "
            "for PRODUCT, a campaign for CAMPAIGN. It must exist."
        ),
    )
    media_url: str | None = strawberry.field(
        default=None,
        description="For MEDIA: an http(s) URL of a picture or video elsewhere, at most 1000 "
        "characters. Required when `image` is not given.",
    )
    image: strawberry.ID | None = strawberry.field(
        default=None,
        description="For MEDIA: a picture from imageUpload (yours; staff may give any; a "
        "picture the exhibition already shows may stay). Only for MEDIA exhibits.",
    )
    caption: str = strawberry.field(default="", description="Caption, at most 500 characters.")


@strawberry.input(description="A new exhibition, created as a DRAFT.")
class ExhibitionCreateInput:
    title: str = strawberry.field(description="Title, at most 200 characters.")
    theme: str = strawberry.field(description="Theme, at most 200 characters.")
    description: str | None = strawberry.field(
        default=None, description="Introduction, at most 5000 characters."
    )
    region: relay.GlobalID | None = strawberry.field(
        default=None, description="The region it is about, if any."
    )
    starts_on: date = strawberry.field(description="First day.")
    ends_on: date = strawberry.field(description="Last day, not before the first.")
    items: list[ExhibitionItemInput] = strawberry.field(
        default_factory=list, description="The exhibits in order, at most 100."
    )
    language: str | None = strawberry.field(
        default=None,
        description="The locale title, theme, description and captions are written in, one "
        "of the instance's locales (e.g. zh_Hans); defaults to the request's locale.",
    )


@strawberry.input(description="Changes to an exhibition; omitted fields stay as they are.")
class ExhibitionUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The exhibition to change.")
    title: str | None = strawberry.field(default=None, description="New title.")
    theme: str | None = strawberry.field(default=None, description="New theme.")
    description: str | None = strawberry.field(default=None, description="New introduction.")
    region: relay.GlobalID | None = strawberry.field(default=None, description="New region.")
    starts_on: date | None = strawberry.field(default=None, description="New first day.")
    ends_on: date | None = strawberry.field(default=None, description="New last day.")
    items: list[ExhibitionItemInput] | None = strawberry.field(
        default=None, description="Replaces all exhibits, in this order (at most 100)."
    )


@strawberry.input(
    description="An exhibition's texts and its exhibits' captions in one more locale. A null "
    "field shows the original; with every text null the translation is removed."
)
class ExhibitionTranslationSetInput:
    id: relay.GlobalID = strawberry.field(description="The exhibition to translate.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. fr, zh_Hans), not the exhibition's "
        "source language."
    )
    title: str | None = strawberry.field(
        default=None, description="The translated title, at most 200 characters."
    )
    theme: str | None = strawberry.field(
        default=None, description="The translated theme, at most 200 characters."
    )
    description: str | None = strawberry.field(
        default=None, description="The translated introduction, at most 5000 characters."
    )
    item_captions: list[str | None] | None = strawberry.field(
        default=None,
        description="Translated captions, one per exhibit in order (at most one per exhibit, "
        "500 characters each); null entries, and exhibits past the end, show the original.",
    )


@strawberry.input(description="The exhibition to publish or unpublish.")
class ExhibitionPublicationInput:
    id: relay.GlobalID = strawberry.field(description="The exhibition.")


@strawberry.type(description="Result of an exhibition mutation.")
class ExhibitionPayload:
    exhibition: Exhibition | None = strawberry.field(description="The exhibition, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _items(
    info: strawberry.Info[Context, Any], given: list[ExhibitionItemInput] | None
) -> list[service.ItemSpec] | None:
    """Items in service terms. Targets of kinds defined by other sections (products,
    campaigns) are checked here, through the schema's node lookup."""
    if given is None:
        return None
    specs = [
        service.ItemSpec(
            kind=item.kind.value,
            caption=item.caption,
            target_global_id=str(item.target) if item.target else None,
            target_type=item.target.type_name if item.target else None,
            target_id=item.target.node_id if item.target else None,
            media_url=item.media_url,
            image=None if item.image is None else str(item.image),
        )
        for item in given
    ]
    foreign = [
        (i, spec)
        for i, spec in enumerate(specs)
        if spec.kind in service.FOREIGN_TARGET_WORDS
        and spec.target_global_id
        and service.FOREIGN_TARGET_WORDS[spec.kind] in (spec.target_type or "")  # type: ignore[index]
    ]
    found = resolve_targets(
        info, [spec.target_global_id for _, spec in foreign if spec.target_global_id]
    )
    missing = [
        ServiceError(ErrorCode.NOT_FOUND, field=f"items.{i}.target")
        for i, spec in foreign
        if found.get(spec.target_global_id or "") is None
    ]
    if missing:
        raise ServiceErrors(missing)
    return specs


def _details(
    info: strawberry.Info[Context, Any], input: ExhibitionCreateInput | ExhibitionUpdateInput
) -> service.ExhibitionDetails:
    return service.ExhibitionDetails(
        title=input.title,
        theme=input.theme,
        description=input.description,
        region_id=decode_int_id(input.region, "Region", field="region") if input.region else None,
        starts_on=input.starts_on,
        ends_on=input.ends_on,
        items=_items(info, input.items),
    )


def _payload(row: ExhibitionRow | None, errors: list[UserError]) -> ExhibitionPayload:
    if row is None:
        return ExhibitionPayload(exhibition=None, errors=errors)
    return ExhibitionPayload(exhibition=Exhibition.from_rows([row])[0], errors=errors)


def _exhibition_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "Exhibition", field="id")


@strawberry.type
class ExhibitionMutations:
    @strawberry.mutation(
        description="Create an exhibition (DRAFT). Platform and organisation admins.",
        extensions=requires(*EDITORS),
    )
    def exhibition_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ExhibitionCreateInput],
    ) -> ExhibitionPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_exhibition(
                context.session,
                actor=context.principal,
                details=_details(info, input),
                instance=context.settings.instance,
                language=input.language or context.locale,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Change an exhibition (also a published one). Platform admins, and organisation "
            "admins for their organisation's."
        ),
        extensions=requires(*EDITORS),
    )
    def exhibition_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ExhibitionUpdateInput],
    ) -> ExhibitionPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.update_exhibition(
                context.session,
                actor=context.principal,
                exhibition_id=_exhibition_pk(input.id),
                details=_details(info, input),
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Set or remove an exhibition's texts and captions in one more locale, in any "
            "status. Platform admins, and organisation admins for their organisation's."
        ),
        extensions=requires(*EDITORS),
    )
    def exhibition_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ExhibitionTranslationSetInput],
    ) -> ExhibitionPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_exhibition_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                exhibition_id=_exhibition_pk(input.id),
                locale=input.locale,
                texts=service.ExhibitionTexts(
                    title=input.title,
                    theme=input.theme,
                    description=input.description,
                    item_captions=input.item_captions or [],
                ),
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Publish a DRAFT exhibition that has exhibits. Its editors.",
        extensions=requires(*EDITORS),
    )
    def exhibition_publish(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ExhibitionPublicationInput],
    ) -> ExhibitionPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.publish_exhibition(
                context.session, actor=context.principal, exhibition_id=_exhibition_pk(input.id)
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Take a PUBLISHED exhibition back to DRAFT. Its editors.",
        extensions=requires(*EDITORS),
    )
    def exhibition_unpublish(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ExhibitionPublicationInput],
    ) -> ExhibitionPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.unpublish_exhibition(
                context.session, actor=context.principal, exhibition_id=_exhibition_pk(input.id)
            ),
        )
        return _payload(row, errors)
