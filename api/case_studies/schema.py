"""GraphQL queries and mutations of the case studies section."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.case_studies import loaders, models, queries, service
from api.case_studies.models import CaseStudy as CaseStudyRow
from api.case_studies.types import CaseStudy
from api.core.errors import ErrorCode, ServiceError
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import Role
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MinorUnits
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.projects.schema import region_id_or_error

EDITORS = (Role.PLATFORM_ADMIN, Role.ORGANISATION_ADMIN, Role.CASEWORKER)


@strawberry.input(description="Which case studies to list; every condition given must hold.")
class CaseStudyFilter:
    cause: str | None = strawberry.field(
        default=None, description="Only those addressing this cause of poverty (a code)."
    )
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only those in this area or below it. Below the instance's public level, case "
            "studies that name households match only for those who see those households' "
            "exact region (admins, caseworkers covering it)."
        ),
    )
    intervention_type: list[models.InterventionType] | None = strawberry.field(
        default=None, description="Only those with one of these intervention types."
    )
    text: str | None = strawberry.field(
        default=None,
        description=(
            "Only those whose title, summary or lessons contain this text, in the original or "
            "a translation (case-insensitive, at most 200 characters)."
        ),
    )
    status: list[models.CaseStudyStatus] | None = strawberry.field(
        default=None,
        description="Only those in one of these statuses (unpublished ones reach editors only).",
    )


@strawberry.type
class CaseStudyQueries:
    @strawberry.field(
        description=(
            "Case studies visible to you (PUBLISHED for everyone; also those of their area "
            "for caseworkers, of their organisation for organisation admins; all for platform "
            "admins), newest first."
        )
    )
    def case_studies(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            CaseStudyFilter | None,
            strawberry.argument(description="Conditions the case studies must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[CaseStudy]:
        context = info.context
        page = queries.list_case_studies(
            context.session,
            context.principal,
            _criteria(filter),
            public_level=context.settings.instance.public_region_level,
            first=first,
            after=after,
        )
        loaders.case_study.prime(context, {row.id: row for row in page.rows if row.id is not None})
        return page_connection(page, CaseStudy.from_rows(page.rows))


def _criteria(given: CaseStudyFilter | None) -> queries.CaseStudyFilter:
    """The list's filter as plain values (a bad region id is a top-level input error)."""
    if given is None:
        return queries.CaseStudyFilter()
    return queries.CaseStudyFilter(
        region_id=region_id_or_error(given.region, "filter.region")
        if given.region is not None
        else None,
        cause=given.cause,
        intervention_types=[t.value for t in given.intervention_type or []],
        statuses=[s.value for s in given.status or []],
        text=given.text,
    )


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input(description="Indicators before and after; amounts are minor units of `currency`.")
class CaseStudyIndicatorsInput:
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 currency of the incomes; required with an income."
    )
    income_per_member_before: MinorUnits | None = strawberry.field(
        default=None, description="Annual income per member before (minor units, 0 or more)."
    )
    income_per_member_after: MinorUnits | None = strawberry.field(
        default=None, description="Annual income per member after (minor units, 0 or more)."
    )
    households_lifted_out: int | None = strawberry.field(
        default=None, description="Households lifted out of poverty, 0 or more."
    )
    jobs_created: int | None = strawberry.field(
        default=None, description="Jobs created, 0 or more."
    )


@strawberry.input(description="A new case study, saved as a DRAFT.")
class CaseStudyCreateInput:
    title: str = strawberry.field(description="Title, at most 200 characters.")
    summary: str = strawberry.field(description="Summary, at most 1000 characters.")
    story: str | None = strawberry.field(
        default=None, description="The full story, at most 20000 characters."
    )
    lessons: str | None = strawberry.field(
        default=None, description="Lessons learned, at most 5000 characters."
    )
    region: relay.GlobalID = strawberry.field(
        description="Where it happened; in their area for caseworkers."
    )
    intervention_type: models.InterventionType = strawberry.field(
        description="Kind of intervention."
    )
    causes: list[str] = strawberry.field(description="Causes of poverty addressed (codes).")
    indicators: CaseStudyIndicatorsInput | None = strawberry.field(
        default=None, description="Indicators before and after."
    )
    projects: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Projects it reports on (at most 100), visible to you."
    )
    households: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description=(
            "Households it helped (at most 100), visible to you and living in its region. "
            "Only their public view is ever shown."
        ),
    )
    pairings: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description=(
            "Pairings it reports on (at most 100), visible to you and with a village or "
            "household in its region. The public sees only ACTIVE and COMPLETED ones."
        ),
    )
    language: str | None = strawberry.field(
        default=None,
        description="The locale title, summary, story and lessons are written in, one of the "
        "instance's locales (e.g. zh_Hans); defaults to the request's locale.",
    )


@strawberry.input(description="Changes to a DRAFT case study; omitted fields stay as they are.")
class CaseStudyUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The case study.")
    title: str | None = strawberry.field(default=None, description="New title.")
    summary: str | None = strawberry.field(default=None, description="New summary.")
    story: str | None = strawberry.field(default=None, description="New story.")
    lessons: str | None = strawberry.field(default=None, description="New lessons.")
    region: relay.GlobalID | None = strawberry.field(default=None, description="New region.")
    intervention_type: models.InterventionType | None = strawberry.field(
        default=None, description="New intervention type."
    )
    causes: list[str] | None = strawberry.field(default=None, description="Replaces the causes.")
    indicators: CaseStudyIndicatorsInput | None = strawberry.field(
        default=None, description="New indicators (each given one replaces the old)."
    )
    projects: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Replaces the linked projects."
    )
    households: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Replaces the linked households."
    )
    pairings: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Replaces the linked pairings."
    )


@strawberry.input(
    description="A case study's texts in one more locale. A null field shows the original; "
    "with every field null the translation is removed."
)
class CaseStudyTranslationSetInput:
    id: relay.GlobalID = strawberry.field(description="The case study to translate.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. fr, zh_Hans), not the case study's "
        "source language."
    )
    title: str | None = strawberry.field(
        default=None, description="The translated title, at most 200 characters."
    )
    summary: str | None = strawberry.field(
        default=None, description="The translated summary, at most 1000 characters."
    )
    story: str | None = strawberry.field(
        default=None, description="The translated story, at most 20000 characters."
    )
    lessons: str | None = strawberry.field(
        default=None, description="The translated lessons, at most 5000 characters."
    )


@strawberry.input(description="The case study to act on.")
class CaseStudyActionInput:
    id: relay.GlobalID = strawberry.field(description="The case study.")


@strawberry.input(description="A platform admin's review of a case study IN_REVIEW.")
class CaseStudyReviewInput:
    id: relay.GlobalID = strawberry.field(description="The case study.")
    approve: bool = strawberry.field(description="True publishes it; false sends it back to DRAFT.")
    note: str | None = strawberry.field(
        default=None, description="A note for the authors, at most 1000 characters."
    )


@strawberry.type(description="Result of a case study mutation.")
class CaseStudyPayload:
    case_study: CaseStudy | None = strawberry.field(description="The case study, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _household_pks(context: Context, global_ids: list[relay.GlobalID]) -> list[int]:
    codes = {decode_id(g, "Household", field="households") for g in global_ids}
    if not codes:
        return []
    found = queries.household_ids_by_code(context.session, codes)
    if len(found) != len(codes):
        raise ServiceError(ErrorCode.NOT_FOUND, field="households")
    return found


def _details(
    context: Context, input: CaseStudyCreateInput | CaseStudyUpdateInput
) -> service.CaseStudyDetails:
    indicators = input.indicators
    return service.CaseStudyDetails(
        title=input.title,
        summary=input.summary,
        story=input.story,
        lessons=input.lessons,
        region_id=decode_int_id(input.region, "Region", field="region") if input.region else None,
        intervention_type=input.intervention_type.value if input.intervention_type else None,
        causes=input.causes,
        currency=indicators.currency if indicators else None,
        income_before_minor=indicators.income_per_member_before if indicators else None,
        income_after_minor=indicators.income_per_member_after if indicators else None,
        households_lifted_out=indicators.households_lifted_out if indicators else None,
        jobs_created=indicators.jobs_created if indicators else None,
        project_ids=[decode_int_id(g, "Project", field="projects") for g in input.projects]
        if input.projects is not None
        else None,
        household_ids=_household_pks(context, input.households)
        if input.households is not None
        else None,
        pairing_ids=[decode_int_id(g, "Pairing", field="pairings") for g in input.pairings]
        if input.pairings is not None
        else None,
    )


def _payload(row: CaseStudyRow | None, errors: list[UserError]) -> CaseStudyPayload:
    if row is None:
        return CaseStudyPayload(case_study=None, errors=errors)
    return CaseStudyPayload(case_study=CaseStudy.from_rows([row])[0], errors=errors)


def _pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "CaseStudy", field="id")


@strawberry.type
class CaseStudyMutations:
    @strawberry.mutation(
        description=(
            "Write a case study (DRAFT). Platform admins, organisation admins, and caseworkers "
            "for their area."
        ),
        extensions=requires(*EDITORS),
    )
    def case_study_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyCreateInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_case_study(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                details=_details(context, input),
                language=input.language or context.locale,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Change a DRAFT case study. Its editors.", extensions=requires(*EDITORS)
    )
    def case_study_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyUpdateInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.update_case_study(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                case_study_id=_pk(input.id),
                details=_details(context, input),
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Set or remove a case study's texts in one more locale, in any status. Its "
            "editors: platform admins, caseworkers for their area, organisation admins for "
            "their organisation's."
        ),
        extensions=requires(*EDITORS),
    )
    def case_study_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyTranslationSetInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_case_study_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                case_study_id=_pk(input.id),
                locale=input.locale,
                texts={
                    "title": input.title,
                    "summary": input.summary,
                    "story": input.story,
                    "lessons": input.lessons,
                },
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Submit a DRAFT for review (IN_REVIEW). Its editors.",
        extensions=requires(*EDITORS),
    )
    def case_study_submit(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyActionInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.submit_case_study(
                context.session, actor=context.principal, case_study_id=_pk(input.id)
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Review a case study IN_REVIEW: publish it, or send it back to DRAFT with a note. "
            "Platform admins."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def case_study_review(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyReviewInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.review_case_study(
                context.session,
                actor=context.principal,
                case_study_id=_pk(input.id),
                approve=input.approve,
                note=input.note,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Take a PUBLISHED case study back to DRAFT (to correct it). Its editors.",
        extensions=requires(*EDITORS),
    )
    def case_study_unpublish(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CaseStudyActionInput],
    ) -> CaseStudyPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.unpublish_case_study(
                context.session, actor=context.principal, case_study_id=_pk(input.id)
            ),
        )
        return _payload(row, errors)
