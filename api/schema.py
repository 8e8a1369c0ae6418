"""The root schema: each domain contributes its queries and mutations."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import strawberry
from strawberry import relay
from strawberry.extensions import AddValidationRules
from strawberry.schema.config import StrawberryConfig

from api.accounts.schema import AccountMutations, AccountQueries
from api.audit.schema import AuditQueries
from api.case_studies.schema import CaseStudyMutations, CaseStudyQueries
from api.core.execution import ThreadedSchema, schema_extensions
from api.core.in_context import in_context
from api.core.labels import LabelQueries
from api.core.money import MINOR_UNITS_SCALAR, MinorUnits
from api.core.numbers import NumberQueries
from api.core.profile import NoIntrospection, ProductionSchema
from api.crowdfunding.schema import CampaignMutations, CampaignQueries
from api.disbursements.schema import DisbursementMutations, DisbursementQueries
from api.donation.schema import DonationMutations, DonationQueries
from api.exhibitions.schema import ExhibitionMutations, ExhibitionQueries
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
        description="Several objects by global ID, in order; null for any not visible."
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


def build_schema(*, production: bool = False, introspection: bool = True) -> strawberry.Schema:
    """The development schema, or the production profile's (api.core.profile): the same
    types, without suggestions in messages and, unless asked for, without introspection."""
    extensions = schema_extensions()
    if not introspection:
        extensions = [*extensions, lambda: AddValidationRules([NoIntrospection])]
    return (ProductionSchema if production else ThreadedSchema)(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        directives=[in_context],
        config=StrawberryConfig(
            relay_max_results=100,
            scalar_map={MinorUnits: MINOR_UNITS_SCALAR},
            disable_field_suggestions=production,
        ),
    )


schema: Any = build_schema()


@lru_cache(maxsize=4)
def schema_for(production: bool, introspection: bool) -> Any:
    """The schema a server with these settings runs (the development one is `schema`)."""
    if not production and introspection:
        return schema
    return build_schema(production=production, introspection=introspection)
