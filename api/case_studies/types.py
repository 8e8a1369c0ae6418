"""Case studies as GraphQL sees them. Relations of a page (causes, projects, households,
region) load for the whole page in one statement each. Households appear only through the
public `Household` type, which applies its own visibility and field permissions; pairings
only through `Pairing`, which applies pairing visibility (the public sees the public ledger:
ACTIVE and COMPLETED pairings)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.case_studies import loaders, models, service
from api.case_studies.models import CaseStudy as CaseStudyRow
from api.graphql.context import Context
from api.graphql.dates import optional_formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.money import Money, money_or_none
from api.graphql.nodes import LoadedNode
from api.graphql.numbers import optional_formatted_count_field
from api.graphql.taxonomy import TaxonomyTerm, cause_terms
from api.graphql.translations import LocalizedText, localized_field
from api.households.types import Household, households_by_id
from api.pairing.types import Pairing, pairings_by_id
from api.projects.types import Project, load_projects, prime_households
from api.regions.types import Region, load_regions
from api.regions.visibility import shown_region_id

CaseStudyStatus = graphql_enum(
    models.CaseStudyStatus,
    name="CaseStudyStatus",
    description="Where a case study is in its editorial life.",
    values={
        "DRAFT": "Being written (or sent back by the reviewer); editors only.",
        "IN_REVIEW": "Submitted; waiting for a platform admin's review.",
        "PUBLISHED": "Reviewed and public.",
    },
)


# graphql_enum registers the model enums in place and returns the same classes; fields are
# annotated with the model enums so type checkers see a type.
InterventionType = graphql_enum(
    models.InterventionType,
    name="InterventionType",
    description="The kind of intervention a case study reports on.",
    values={
        "INDUSTRY": "Developing a local industry (crops, livestock, tourism).",
        "E_COMMERCE": "Selling local produce online.",
        "INFRASTRUCTURE": "Roads, water, power, internet access.",
        "EDUCATION": "Schooling and vocational training.",
        "HEALTH": "Medical care and insurance.",
        "EMPLOYMENT": "Jobs and labour migration support.",
        "RELOCATION": "Moving households out of inhospitable areas.",
        "MICROFINANCE": "Small loans and cooperatives.",
        "PAIRING": "Enterprises or organisations paired with villages.",
        "OTHER": "Anything else.",
    },
)


@strawberry.type(description="What changed: indicators before and after the intervention.")
class CaseStudyIndicators:
    income_per_member_before: Money | None = strawberry.field(
        description="Annual income per household member before."
    )
    income_per_member_after: Money | None = strawberry.field(
        description="Annual income per household member after."
    )
    households_lifted_out: int | None = strawberry.field(
        description="Households lifted out of poverty."
    )
    households_lifted_out_formatted = optional_formatted_count_field(
        lambda indicators: indicators.households_lifted_out, of="householdsLiftedOut"
    )
    jobs_created: int | None = strawberry.field(description="Jobs created.")
    jobs_created_formatted = optional_formatted_count_field(
        lambda indicators: indicators.jobs_created, of="jobsCreated"
    )


def load_case_studies(context: Context, ids: Iterable[int]) -> dict[int, CaseStudyRow]:
    return loaders.case_study.many(context, ids)


@strawberry.type(
    description=(
        "A story of what worked, for replication: where, which causes of poverty it "
        "addressed, the intervention, indicators before and after, linked projects, "
        "households and pairings, and lessons learned. Everyone sees PUBLISHED ones; "
        "caseworkers also those of their area, organisation admins those of their "
        "organisation; platform admins all."
    )
)
class CaseStudy(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[CaseStudyRow]
    page: strawberry.Private[list[CaseStudyRow]]

    def _page_ids(self) -> list[int]:
        return [row.id for row in self.page if row.id is not None]

    def _text(self, info: strawberry.Info[Context, Any], field: str) -> LocalizedText:
        return localized_field(info.context, service.CASE_STUDY_TEXT, self.row, self.page, field)

    @strawberry.field(
        description="Title, at most 200 characters; in the reader's language when translated."
    )
    def title(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "title")

    @strawberry.field(
        description="Summary, at most 1000 characters; in the reader's language when translated."
    )
    def summary(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "summary")

    @strawberry.field(
        description="The full story, at most 20000 characters (may be empty); in the reader's "
        "language when translated."
    )
    def story(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "story")

    @strawberry.field(
        description="Lessons learned, for those who want to replicate it; in the reader's "
        "language when translated."
    )
    def lessons(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "lessons")

    @strawberry.field(
        description="The locale the title, summary, story and lessons were written in."
    )
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(
        description=(
            "Where it happened. A case study that names households is located by them, so "
            "it is shown no finer than the instance's public level, except to those who see "
            "those households' exact region (admins, caseworkers covering it)."
        )
    )
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        context = info.context
        links = loaders.households.many(context, self._page_ids())
        level = context.settings.instance.public_region_level

        def shown(row: CaseStudyRow) -> int:
            if row.id is None or not links.get(row.id):
                return row.region_id
            return shown_region_id(context.principal, row.region_path, level)

        rows = load_regions(context, {shown(row) for row in self.page})
        return Region.from_row(rows[shown(self.row)])

    @strawberry.field(description="The kind of intervention.")
    def intervention_type(self) -> models.InterventionType:
        return InterventionType(self.row.intervention_type)

    @strawberry.field(description="Causes of poverty it addressed, from the instance taxonomy.")
    def causes(self, info: strawberry.Info[Context, Any]) -> list[TaxonomyTerm]:
        context = info.context
        codes = loaders.causes.many(context, self._page_ids())
        return cause_terms(context, codes.get(self.id, []))

    @strawberry.field(description="Indicators before and after.")
    def indicators(self) -> CaseStudyIndicators:
        row = self.row
        return CaseStudyIndicators(
            income_per_member_before=money_or_none(row.income_before_minor, row.currency),
            income_per_member_after=money_or_none(row.income_after_minor, row.currency),
            households_lifted_out=row.households_lifted_out,
            jobs_created=row.jobs_created,
        )

    @strawberry.field(description="Where it is in its editorial life.")
    def status(self) -> models.CaseStudyStatus:
        return CaseStudyStatus(self.row.status)

    @strawberry.field(description="The reviewer's note when it was sent back or published.")
    def review_note(self) -> str | None:
        return self.row.review_note

    @strawberry.field(description="When it was published; null if never.")
    def published_at(self) -> datetime | None:
        return self.row.published_at

    published_at_formatted = optional_formatted_day_field(
        lambda self: self.row.published_at, of="publishedAt"
    )

    @strawberry.field(description="When it was last changed.")
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @strawberry.field(description="Projects it reports on that you can see, oldest first.")
    def projects(self, info: strawberry.Info[Context, Any]) -> list[Project]:
        context = info.context
        links = loaders.projects.many(context, self._page_ids())
        rows = load_projects(context, {pid for ids in links.values() for pid in ids})
        page = [rows[pid] for pid in sorted(rows)]
        return [
            Project(id=pid, row=rows[pid], page=page)
            for pid in links.get(self.id, [])
            if pid in rows
        ]

    @strawberry.field(
        description=(
            "Households it helped, as the public Household view, only those you may see "
            "(for the public: verified households that consented to publication)."
        )
    )
    def households(self, info: strawberry.Info[Context, Any]) -> list[Household]:
        context = info.context
        links = loaders.households.many(context, self._page_ids())
        found = households_by_id(context, {hid for ids in links.values() for hid in ids})
        prime_households(context, list(found.values()))
        return [found[hid] for hid in links.get(self.id, []) if hid in found]

    @strawberry.field(
        description=(
            "Pairings it reports on that you may see, oldest first (for the public: ACTIVE "
            "and COMPLETED pairings on the public ledger)."
        )
    )
    def pairings(self, info: strawberry.Info[Context, Any]) -> list[Pairing]:
        context = info.context
        links = loaders.pairings.many(context, self._page_ids())
        found = pairings_by_id(context, {pid for ids in links.values() for pid in ids})
        return [found[pid] for pid in links.get(self.id, []) if pid in found]

    @classmethod
    def from_rows(cls, rows: list[CaseStudyRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows]  # type: ignore[arg-type]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = load_case_studies(context, keys)
        page = list(rows.values())
        return {key: cls(id=key, row=row, page=page) for key, row in rows.items()}
