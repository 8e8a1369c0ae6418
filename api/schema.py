"""The root schema: each domain contributes its queries and mutations."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig

from api.accounts.schema import AccountMutations, AccountQueries
from api.audit.schema import AuditQueries
from api.case_studies.schema import CaseStudyMutations, CaseStudyQueries
from api.crowdfunding.schema import CampaignMutations, CampaignQueries
from api.disbursements.schema import DisbursementMutations, DisbursementQueries
from api.donation.schema import DonationMutations, DonationQueries
from api.exhibitions.schema import ExhibitionMutations, ExhibitionQueries
from api.graphql.compiled import CompiledExecutionContext
from api.graphql.execution import schema_extensions
from api.graphql.in_context import in_context
from api.graphql.labels import LabelQueries
from api.graphql.money import MINOR_UNITS_SCALAR, MinorUnits
from api.graphql.numbers import NumberQueries
from api.graphql.profile import IntrospectionSwitch, ProfiledSchema
from api.help_requests.schema import HelpRequestMutations, HelpRequestQueries
from api.households.schema import HouseholdMutations, HouseholdQueries
from api.instance.schema import InstanceQueries
from api.mall.schema import MallMutations, MallQueries
from api.media.schema import MediaMutations
from api.pairing.schema import PairingMutations, PairingQueries
from api.pledges.schema import PledgeMutations
from api.projects.schema import ProjectMutations, ProjectQueries
from api.regions.schema import RegionMutations, RegionQueries
from api.stats.schema import StatsQueries


@strawberry.type(description="Everything you can read.")
class Query(
    AccountQueries,
    InstanceQueries,
    LabelQueries,
    NumberQueries,
    RegionQueries,
    HouseholdQueries,
    HelpRequestQueries,
    StatsQueries,
    DonationQueries,
    DisbursementQueries,
    ProjectQueries,
    ExhibitionQueries,
    CaseStudyQueries,
    MallQueries,
    CampaignQueries,
    PairingQueries,
    AuditQueries,
):
    node: relay.Node | None = relay.node(
        description="Any object by its global ID; null if it does not exist or is not visible."
    )
    nodes: list[relay.Node | None] = relay.node(
        description=(
            "Several objects by global ID (at most 100 IDs), in order; null for any not visible."
        )
    )


@strawberry.type(description="Everything you can change.")
class Mutation(
    AccountMutations,
    RegionMutations,
    HouseholdMutations,
    HelpRequestMutations,
    PledgeMutations,
    DonationMutations,
    DisbursementMutations,
    ProjectMutations,
    ExhibitionMutations,
    CaseStudyMutations,
    MallMutations,
    MediaMutations,
    CampaignMutations,
    PairingMutations,
):
    pass


def build_schema() -> strawberry.Schema:
    """One schema; the production profile (api.graphql.profile) applies per request, by the
    server's settings: introspection off, no suggestions, terse error logs."""
    return ProfiledSchema(
        query=Query,
        mutation=Mutation,
        extensions=[*schema_extensions(), IntrospectionSwitch],
        directives=[in_context],
        execution_context_class=CompiledExecutionContext,
        config=StrawberryConfig(relay_max_results=100, scalar_map={MinorUnits: MINOR_UNITS_SCALAR}),
    )


schema: Any = build_schema()
