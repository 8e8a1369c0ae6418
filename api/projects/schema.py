"""GraphQL queries and mutations of the projects section, and the caseworkers'
precise-targeting views (coverage of households by projects, households nobody reaches)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError, api_error, bad_id_error
from api.core.i18n import N_
from api.core.pages import DEFAULT_PAGE_SIZE, Page
from api.core.roles import STAFF
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import deny, requires
from api.households.models import Household as HouseholdRow
from api.households.types import Household
from api.projects import models, queries, service
from api.projects.models import Project as ProjectRow
from api.projects.types import (
    HouseholdCoverage,
    Project,
    prime_households,
    projects_of_rows,
)
from api.regions.models import Region as RegionRow


@strawberry.input(description="Which projects to list; every condition given must hold.")
class ProjectFilter:
    region: relay.GlobalID | None = strawberry.field(
        default=None, description="Only projects run in this area or below it."
    )
    type: list[models.ProjectType] | None = strawberry.field(
        default=None, description="Only projects of one of these types."
    )
    status: list[models.ProjectStatus] | None = strawberry.field(
        default=None, description="Only projects in one of these statuses."
    )


def region_id_or_error(global_id: relay.GlobalID, argument: str) -> int:
    """Queries have no payload for typed errors: a bad id is a top-level input error."""
    try:
        return decode_int_id(global_id, "Region", field=argument)
    except ServiceError:
        raise bad_id_error(argument, "Region") from None


def region_or_error(context: Context, global_id: relay.GlobalID, argument: str) -> RegionRow | None:
    """The region a query argument names; None when there is none."""
    return queries.region_by_id(context.session, region_id_or_error(global_id, argument))


def _staff_region(info: strawberry.Info[Context, Any], global_id: relay.GlobalID) -> RegionRow:
    """The region of a targeting view: it must exist and lie in the caller's area."""
    region = region_or_error(info.context, global_id, "region")
    if region is None:
        raise api_error("NOT_FOUND", N_("No such region."))
    if not info.context.principal.covers_region(region.path):
        raise deny(info, ErrorCode.FORBIDDEN)
    return region


def _households(context: Context, page: Page[tuple[HouseholdRow, str]]) -> list[Household]:
    """The page's households as nodes, cached with their causes and public regions."""
    nodes = [Household.from_row(row, path) for row, path in page.rows]
    prime_households(context, nodes)
    return nodes


@strawberry.type
class ProjectQueries:
    @strawberry.field(
        description=(
            "Projects visible to you (ACTIVE and COMPLETED for everyone; also the others "
            "touching their area for caseworkers; all for admins), newest first."
        )
    )
    def projects(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            ProjectFilter | None,
            strawberry.argument(description="Conditions the projects must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Project]:
        context = info.context
        wanted = queries.ProjectFilter()
        if filter is not None:
            wanted = queries.ProjectFilter(
                region_id=region_id_or_error(filter.region, "filter.region")
                if filter.region is not None
                else None,
                types=[t.value for t in filter.type or []],
                statuses=[s.value for s in filter.status or []],
            )
        page = queries.list_projects(
            context.session, context.principal, wanted, first=first, after=after
        )
        return page_connection(page, projects_of_rows(context, page.rows))

    @strawberry.field(
        description=(
            "Households of an area in yours, oldest registration first, each with the projects "
            "covering it: which households are covered by which project. Caseworkers of the "
            "area and admins."
        ),
        extensions=requires(*STAFF),
    )
    def project_coverage(
        self,
        info: strawberry.Info[Context, Any],
        region: Annotated[
            relay.GlobalID, strawberry.argument(description="The area; yours or inside it.")
        ],
        covered: Annotated[
            bool | None,
            strawberry.argument(
                description=(
                    "True: only households some project covers; false: only those none "
                    "covers; omitted: all."
                )
            ),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[HouseholdCoverage]:  # type: ignore[type-var]  # edges of a non-Node
        context = info.context
        page = queries.list_coverage(
            context.session, _staff_region(info, region), covered, first=first, after=after
        )
        nodes = _households(context, page)
        page_ids = [node.row.id for node in nodes]
        coverage = [
            HouseholdCoverage(household=node, household_id=node.row.id, page_ids=page_ids)  # type: ignore[arg-type]
            for node in nodes
        ]
        return page_connection(page, coverage)

    @strawberry.field(
        description=(
            "Precise targeting: households of an area in yours that are IN_POVERTY or "
            "RELAPSED, covered by no ACTIVE project, and with no request FULFILLED in the last "
            "`noHelpMetForDays` days; oldest registration first. Caseworkers of the area and "
            "admins."
        ),
        extensions=requires(*STAFF),
    )
    def uncovered_households(
        self,
        info: strawberry.Info[Context, Any],
        region: Annotated[
            relay.GlobalID, strawberry.argument(description="The area; yours or inside it.")
        ],
        no_help_met_for_days: Annotated[
            int,
            strawberry.argument(
                description="Days without a fulfilled request, 0 to 3650 (0: ignore help)."
            ),
        ] = 90,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Household]:
        if not 0 <= no_help_met_for_days <= service.MAX_NO_HELP_DAYS:
            raise api_error(
                "BAD_USER_INPUT",
                N_("`noHelpMetForDays` must be between 0 and {limit}."),
                limit=service.MAX_NO_HELP_DAYS,
            )
        context = info.context
        page = queries.list_uncovered(
            context.session,
            _staff_region(info, region),
            no_help_met_for_days,
            first=first,
            after=after,
        )
        return page_connection(page, _households(context, page))


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input(description="A new project, created as PLANNED.")
class ProjectCreateInput:
    region: relay.GlobalID = strawberry.field(description="The area it runs in; in yours.")
    name: str = strawberry.field(description="Name, at most 200 characters.")
    type: models.ProjectType = strawberry.field(description="What kind of work it does.")
    description: str = strawberry.field(description="What it does and for whom, at most 5000.")
    budget: MoneyInput = strawberry.field(
        description="Total budget, 0 to InstanceInfo.maxAmountMinor minor units, in a currency "
        "of InstanceInfo.currencies; donations to the project must be in this currency."
    )
    starts_on: date | None = strawberry.field(default=None, description="Planned start.")
    ends_on: date | None = strawberry.field(
        default=None, description="Planned end, not before the start."
    )


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class ProjectUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The project to change.")
    name: str | None = strawberry.field(default=None, description="New name.")
    type: models.ProjectType | None = strawberry.field(default=None, description="New type.")
    description: str | None = strawberry.field(default=None, description="New description.")
    budget: MoneyInput | None = strawberry.field(default=None, description="New budget.")
    starts_on: date | None = strawberry.field(default=None, description="New start date.")
    ends_on: date | None = strawberry.field(default=None, description="New end date.")
    outcomes: str | None = strawberry.field(
        default=None, description="What the project achieved, at most 5000 characters."
    )


@strawberry.input(description="A step in a project's life.")
class ProjectStatusChangeInput:
    id: relay.GlobalID = strawberry.field(description="The project.")
    status: models.ProjectStatus = strawberry.field(
        description=(
            "The new status: PLANNED may become ACTIVE or CANCELLED, ACTIVE may become "
            "COMPLETED or CANCELLED."
        )
    )


@strawberry.input(description="Households to add to or remove from a project's coverage.")
class ProjectCoverageInput:
    project: relay.GlobalID = strawberry.field(
        description="The project (PLANNED or ACTIVE), touching your area."
    )
    households: list[relay.GlobalID] = strawberry.field(
        description=(
            "1 to 500 households, each in the project's region and in your area. Adding one "
            "already covered, or removing one not covered, changes nothing."
        )
    )


@strawberry.type(description="Result of a project mutation.")
class ProjectPayload:
    project: Project | None = strawberry.field(description="The project, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _project_pk(global_id: relay.GlobalID, field: str = "id") -> int:
    return decode_int_id(global_id, "Project", field=field)


def _household_pks(context: Context, global_ids: list[relay.GlobalID]) -> list[int]:
    codes = [decode_id(g, "Household", field="households") for g in global_ids]
    if not codes:
        return []
    found = queries.household_ids_by_code(context.session, codes)
    if len(found) != len(set(codes)):
        raise ServiceError(ErrorCode.NOT_FOUND, field="households")
    return [found[code] for code in codes]


def _details(input: ProjectCreateInput | ProjectUpdateInput) -> service.ProjectDetails:
    return service.ProjectDetails(
        name=input.name,
        project_type=input.type.value if input.type else None,
        description=input.description,
        budget_minor=input.budget.amount_minor if input.budget else None,
        currency=input.budget.currency if input.budget else None,
        starts_on=input.starts_on,
        ends_on=input.ends_on,
        outcomes=getattr(input, "outcomes", None),
    )


def _payload(context: Context, row: ProjectRow | None, errors: list[UserError]) -> ProjectPayload:
    if row is None:
        return ProjectPayload(project=None, errors=errors)
    return ProjectPayload(project=projects_of_rows(context, [row])[0], errors=errors)


@strawberry.type
class ProjectMutations:
    @strawberry.mutation(
        description="Record a new project in your area (PLANNED). Caseworkers and admins.",
        extensions=requires(*STAFF),
    )
    def project_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProjectCreateInput],
    ) -> ProjectPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_project(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                region_id=decode_int_id(input.region, "Region", field="region"),
                details=_details(input),
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Change a project of your area. Caseworkers covering it, and admins.",
        extensions=requires(*STAFF),
    )
    def project_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProjectUpdateInput],
    ) -> ProjectPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.update_project(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                project_id=_project_pk(input.id),
                details=_details(input),
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Start, complete or cancel a project of your area.",
        extensions=requires(*STAFF),
    )
    def project_status_change(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProjectStatusChangeInput],
    ) -> ProjectPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.change_project_status(
                context.session,
                actor=context.principal,
                project_id=_project_pk(input.id),
                status=input.status.value,
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description=(
            "Record that a project covers households of your area (audited). Caseworkers "
            "and admins."
        ),
        extensions=requires(*STAFF),
    )
    def project_coverage_add(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProjectCoverageInput],
    ) -> ProjectPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.add_coverage(
                context.session,
                actor=context.principal,
                project_id=_project_pk(input.project, "project"),
                household_ids=_household_pks(context, input.households),
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description=(
            "Record that a project no longer covers households of your area (audited). "
            "Caseworkers and admins."
        ),
        extensions=requires(*STAFF),
    )
    def project_coverage_remove(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProjectCoverageInput],
    ) -> ProjectPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.remove_coverage(
                context.session,
                actor=context.principal,
                project_id=_project_pk(input.project, "project"),
                household_ids=_household_pks(context, input.households),
            ),
        )
        return _payload(context, row, errors)
