"""Projects as GraphQL sees them. Nodes of one page share their rows, so a relation asked
for on any of them (region, covered-household count) loads for the whole page at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.disbursements.service import TargetMoney
from api.graphql.context import Context
from api.graphql.dates import optional_formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money
from api.graphql.nodes import LoadedNode
from api.households import loaders as household_loaders
from api.households.queries import VisibleHousehold
from api.households.types import Household
from api.projects import loaders, models
from api.projects.models import Project as ProjectRow
from api.regions.service import public_region_id
from api.regions.types import Region, load_regions
from api.stats.disclosure import Withheld, disclosure_for_path
from api.stats.types import SuppressionReason, suppression_reason

# graphql_enum registers the model enums in place and returns the same classes; fields are
# annotated with the model enums so type checkers see a type.
ProjectType = graphql_enum(
    models.ProjectType,
    name="ProjectType",
    description="What kind of poverty-alleviation work a project does.",
    values={
        "INDUSTRY": "Local industries: crops, livestock, processing, tourism.",
        "INFRASTRUCTURE": "Roads, water, power, housing, internet access.",
        "EDUCATION": "Schooling, scholarships and vocational training.",
        "HEALTH": "Medical care, insurance and clinics.",
        "EMPLOYMENT": "Jobs, job matching and labour migration support.",
        "RELOCATION": "Moving households out of inhospitable areas.",
        "ECOLOGY": "Ecological compensation and conservation jobs.",
        "SOCIAL_SECURITY": "Minimum living allowances and other safety nets.",
        "OTHER": "Anything else.",
    },
)


ProjectStatus = graphql_enum(
    models.ProjectStatus,
    name="ProjectStatus",
    description="Where a project is in its life.",
    values={
        "PLANNED": "Being prepared; seen only by the caseworkers of its area.",
        "ACTIVE": "Running; public.",
        "COMPLETED": "Finished, with its outcomes recorded; public.",
        "CANCELLED": "Stopped before completion; seen only by caseworkers.",
    },
)


def load_projects(context: Context, ids: Iterable[int]) -> dict[int, ProjectRow]:
    """Visible projects by id, cached per request."""
    return loaders.project.many(context, ids)


@strawberry.type(
    description=(
        "A poverty-alleviation project (industry, infrastructure, education...) run in a "
        "region, with a budget and the households it covers. Everyone sees ACTIVE and "
        "COMPLETED projects; caseworkers also the others touching their area; admins all."
    )
)
class Project(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ProjectRow]
    # The rows of the page this node was loaded with (relations load for all at once).
    page: strawberry.Private[list[ProjectRow]]

    @strawberry.field(description="Name of the project, at most 200 characters.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="What kind of work the project does.")
    def type(self) -> models.ProjectType:
        return ProjectType(self.row.project_type)

    @strawberry.field(description="Where the project is in its life.")
    def status(self) -> models.ProjectStatus:
        return ProjectStatus(self.row.status)

    @strawberry.field(description="What the project does and for whom, at most 5000 characters.")
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="The area the project runs in (and everything below it).")
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        rows = load_regions(info.context, {row.region_id for row in self.page})
        return Region.from_row(rows[self.row.region_id])

    @strawberry.field(description="The project's total budget.")
    def budget(self) -> Money:
        return Money(amount_minor=MinorUnits(self.row.budget_minor), currency=self.row.currency)

    @strawberry.field(description="When the project started or is planned to start.")
    def starts_on(self) -> date | None:
        return self.row.starts_on

    starts_on_formatted = optional_formatted_day_field(
        lambda self: self.row.starts_on, of="startsOn"
    )

    @strawberry.field(description="When the project ended or is planned to end.")
    def ends_on(self) -> date | None:
        return self.row.ends_on

    ends_on_formatted = optional_formatted_day_field(lambda self: self.row.ends_on, of="endsOn")

    @strawberry.field(description="What the project achieved, as recorded by its caseworkers.")
    def outcomes(self) -> str | None:
        return self.row.outcomes

    @strawberry.field(
        description=(
            "How many households the project covers (all of them, also those whose "
            "details are not public). A count of households, so withheld like every public "
            "statistic for everyone but staff covering the project's region: null when "
            "smaller than `InstanceInfo.smallCountThreshold` or when the region is below the "
            "public level; `coveredHouseholdsCountSuppressed` says why."
        )
    )
    def covered_households_count(self, info: strawberry.Info[Context, Any]) -> int | None:
        count, withheld = self._coverage(info)
        return None if withheld else count

    @strawberry.field(
        description="Why `coveredHouseholdsCount` is null for you; null when it is shown."
    )
    def covered_households_count_suppressed(
        self, info: strawberry.Info[Context, Any]
    ) -> SuppressionReason | None:
        return suppression_reason(self._coverage(info)[1])

    def _coverage(self, info: strawberry.Info[Context, Any]) -> tuple[int, Withheld | None]:
        context = info.context
        counts = loaders.covered_count.many(context, [row.id for row in self.page])
        count = int(counts.get(self.id, 0))
        disclosure = disclosure_for_path(
            context.principal, self.row.region_path, context.settings.instance
        )
        return count, disclosure.withheld(count)

    @strawberry.field(
        description="Money received for the project, in its budget currency: donations (net "
        "of refunds) plus what the general fund paid it; `held` plus `disbursed`."
    )
    def received(self, info: strawberry.Info[Context, Any]) -> Money:
        figures = self._money(info.context)
        currency = self.row.currency
        received = figures.held.get(currency, 0) + figures.disbursed.get(currency, 0)
        return Money(amount_minor=MinorUnits(received), currency=currency)

    @strawberry.field(
        description="Donations received for the project and not paid out yet: the balance of "
        "its fund."
    )
    def held(self, info: strawberry.Info[Context, Any]) -> Money:
        held = self._money(info.context).held.get(self.row.currency, 0)
        return Money(amount_minor=MinorUnits(held), currency=self.row.currency)

    @strawberry.field(
        description="Money paid out to the project (disbursements) from its fund or from the "
        "general fund."
    )
    def disbursed(self, info: strawberry.Info[Context, Any]) -> Money:
        disbursed = self._money(info.context).disbursed.get(self.row.currency, 0)
        return Money(amount_minor=MinorUnits(disbursed), currency=self.row.currency)

    def _money(self, context: Context) -> TargetMoney:
        """The page's fund balances and disbursements, in two statements for all of it."""
        found = loaders.money.many(context, [row.id for row in self.page])
        return found.get(self.id) or TargetMoney()

    @strawberry.field(description="When the project was recorded.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the project was last changed.")
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @classmethod
    def from_rows(cls, rows: list[ProjectRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows]  # type: ignore[arg-type]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = load_projects(context, keys)
        page = list(rows.values())
        return {key: cls(id=key, row=row, page=page) for key, row in rows.items()}


def projects_of_rows(context: Context, rows: list[ProjectRow]) -> list[Project]:
    """Nodes for a page of rows, with the rows cached for later look-ups by id."""
    loaders.project.prime(context, {row.id: row for row in rows if row.id is not None})
    return Project.from_rows(rows)


def prime_households(context: Context, nodes: list[Household]) -> None:
    """Cache a page of households and load their causes and public regions at once."""
    ids = [node.row.id for node in nodes if node.row.id is not None]
    household_loaders.remember_page(context, ids)
    household_loaders.household.prime(
        context,
        {
            node.row.id: VisibleHousehold(node.row, node.region_path)
            for node in nodes
            if node.row.id is not None
        },
    )
    household_loaders.causes.many(context, ids)
    level = context.settings.instance.public_region_level
    load_regions(context, {public_region_id(node.region_path, level) for node in nodes})


@strawberry.type(
    description=(
        "A household in your area and the projects covering it (the precise-targeting "
        "view of caseworkers)."
    )
)
class HouseholdCoverage:
    household: Household = strawberry.field(
        description="The household; its personal fields follow the Household type's rules."
    )
    household_id: strawberry.Private[int]
    page_ids: strawberry.Private[list[int]]

    @strawberry.field(
        description=(
            "The projects covering the household that you can see, any status, oldest first."
        )
    )
    def projects(self, info: strawberry.Info[Context, Any]) -> list[Project]:
        context = info.context
        by_household = loaders.covering.many(context, self.page_ids)
        all_ids = {pid for ids in by_household.values() for pid in ids}
        rows = load_projects(context, all_ids)
        page = [rows[pid] for pid in sorted(rows)]
        return [
            Project(id=pid, row=rows[pid], page=page)
            for pid in by_household.get(self.household_id, [])
            if pid in rows
        ]
