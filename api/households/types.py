"""The household as GraphQL sees it: public fields for everyone, personal fields only for
the caseworkers whose area covers it and for admins, each read audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.core.errors import ErrorCode
from api.core.loading import text_key
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money, money_or_none
from api.graphql.nodes import LoadedNode, object_class
from api.graphql.numbers import formatted_count_field
from api.graphql.permissions import deny
from api.graphql.taxonomy import TaxonomyTerm, cause_terms
from api.help_requests import loaders as request_loaders
from api.households import loaders as household_loaders
from api.households import models, queries
from api.households.models import Household as HouseholdRow
from api.households.models import HouseholdSubsidy
from api.households.queries import VisibleHousehold
from api.regions.service import public_region_id
from api.regions.types import Region, load_regions

if TYPE_CHECKING:
    from api.help_requests.types import HelpRequest
    from api.pledges.types import ThankYou


class HouseholdPersonalData(BasePermission):
    """Personal fields: caseworkers covering the household's region, and admins."""

    def has_permission(
        self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any
    ) -> bool:
        context = info.context
        allowed = context.principal.covers_region(source.region_path)
        # Refused attempts are audited too (outcome REFUSED): probing is worth seeing.
        context.record_sensitive_read(
            "Household",
            source.row.id,
            info.field_name,
            household_id=source.row.id,
            region_path=source.region_path,
            refused=not allowed,
        )
        if not allowed:
            raise deny(
                info,
                ErrorCode.UNAUTHENTICATED
                if not context.principal.is_authenticated
                else ErrorCode.FORBIDDEN,
            )
        return True


SENSITIVE: list[FieldExtension] = [
    PermissionExtension(permissions=[HouseholdPersonalData()], use_directives=False)
]
SENSITIVE_NOTE = " Personal data: only caseworkers covering the household and admins; audited."


def sensitive(description: str) -> Any:
    return strawberry.field(description=description + SENSITIVE_NOTE, extensions=SENSITIVE)


# graphql_enum registers the model enums in place and returns the same classes; fields are
# annotated with models.PovertyStatus / models.VerificationStatus so type checkers see a type.
PovertyStatus = graphql_enum(
    models.PovertyStatus,
    name="PovertyStatus",
    description="Where a household stands on the poverty line, over time.",
    values={
        "REGISTERED": "Registered, not yet assessed.",
        "IN_POVERTY": "Assessed as living below the poverty line.",
        "LIFTED_OUT": "Lifted out of poverty.",
        "RELAPSED": "Fell back below the poverty line after being lifted out.",
    },
)
VerificationStatus = graphql_enum(
    models.VerificationStatus,
    name="VerificationStatus",
    description="Whether a caseworker has checked a record in the field.",
    values={
        "UNVERIFIED": "Not checked yet.",
        "VERIFIED": "Checked and confirmed by a caseworker.",
        "REJECTED": "Checked and found not to be accurate.",
    },
)


@strawberry.type(description="A dated change of a household's poverty status.")
class PovertyStatusChange:
    status: models.PovertyStatus = strawberry.field(description="The status from this date on.")
    effective_on: date = strawberry.field(description="The date the status took effect.")
    note: str | None = strawberry.field(description="The caseworker's note, if any.")


@strawberry.type(description="A subsidy the household received from a programme.")
class Subsidy:
    programme: str = strawberry.field(description="The programme or scheme that paid it.")
    amount: Money = strawberry.field(description="The amount received.")
    received_on: date = strawberry.field(description="When it was received.")


@strawberry.type(
    description=(
        "A registered household. Everyone sees the public view (pseudonymous code, region "
        "down to the instance's public level, members, causes, open needs, thanks); personal "
        "fields resolve only for caseworkers covering it and for admins."
    )
)
class Household(LoadedNode, relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[HouseholdRow]
    region_path: strawberry.Private[str]

    @strawberry.field(description="Pseudonymous public code, e.g. HH-7K3QX9AB. Reveals nothing.")
    def public_code(self) -> str:
        return self.row.public_code

    @strawberry.field(description="Number of people in the household.")
    def members_count(self) -> int:
        return self.row.members_count

    members_count_formatted = formatted_count_field(
        lambda self: self.row.members_count, of="membersCount"
    )

    @strawberry.field(description="Where the household lives, no finer than the public level.")
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        level = info.context.settings.instance.public_region_level
        region_id = public_region_id(self.region_path, level)
        return Region.from_row(load_regions(info.context, [region_id])[region_id])

    @strawberry.field(description="Causes of poverty, from the instance taxonomy.")
    def causes(self, info: strawberry.Info[Context, Any]) -> list[TaxonomyTerm]:
        context = info.context
        return cause_terms(context, household_loaders.causes.one(context, self.row.id) or [])

    @strawberry.field(
        description=(
            "The household's published requests still taking or awaiting help (OPEN or "
            "PLEDGED) that you can see, most recently published first, at most 20."
        )
    )
    def open_requests(
        self, info: strawberry.Info[Context, Any]
    ) -> list[Annotated[HelpRequest, strawberry.lazy("api.help_requests.types")]]:
        context = info.context
        if self.row.id is None:
            return []
        found = request_loaders.open_requests_of_household.many(
            context, household_loaders.listed_with(context, self.row.id)
        )
        siblings = [row for group in found.values() for row in group]
        request_type = object_class(info, "HelpRequest")
        return [request_type.from_row(row, siblings) for row in found.get(self.row.id, [])]

    @strawberry.field(
        description=(
            "Thank-you messages the household wrote for help it received (when confirming it "
            "or later), with the helper's public name, most recently written first, at most 20."
        )
    )
    def thanks(
        self, info: strawberry.Info[Context, Any]
    ) -> list[Annotated[ThankYou, strawberry.lazy("api.pledges.types")]]:
        from api.pledges.types import thanks_of

        return thanks_of(info.context, self.row.id)

    @sensitive("Full name of the head of household.")
    def head_name(self) -> str | None:
        return self.row.head_name

    @sensitive("National identity number of the head of household.")
    def national_id(self) -> str | None:
        return self.row.national_id

    @sensitive("Contact phone number.")
    def phone(self) -> str | None:
        return self.row.phone

    @sensitive("Postal address.")
    def address(self) -> str | None:
        return self.row.address

    @sensitive("Latitude in decimal degrees (WGS 84).")
    def latitude(self) -> float | None:
        return self.row.latitude

    @sensitive("Longitude in decimal degrees (WGS 84).")
    def longitude(self) -> float | None:
        return self.row.longitude

    @sensitive("The exact region (village) of the household.")
    def exact_region(self, info: strawberry.Info[Context, Any]) -> Region | None:
        row = load_regions(info.context, [self.row.region_id]).get(self.row.region_id)
        return Region.from_row(row) if row else None

    @sensitive("Annual income per member.")
    def annual_income_per_member(self) -> Money | None:
        return money_or_none(self.row.annual_income_per_member_minor, self.row.income_currency)

    @sensitive("Current poverty status.")
    def poverty_status(self) -> models.PovertyStatus | None:
        return models.PovertyStatus(self.row.poverty_status)

    @sensitive("Poverty status history, oldest first.")
    def poverty_status_history(
        self, info: strawberry.Info[Context, Any]
    ) -> list[PovertyStatusChange] | None:
        rows = queries.status_history(info.context.session, _pk(self.row))
        return [
            PovertyStatusChange(
                status=models.PovertyStatus(r.status),
                effective_on=r.effective_on,
                note=r.note,
            )
            for r in rows
        ]

    @sensitive("Subsidies received, newest first.")
    def subsidies(self, info: strawberry.Info[Context, Any]) -> list[Subsidy] | None:
        rows = queries.subsidies_of(info.context.session, _pk(self.row))
        return [subsidy_of(r) for r in rows]

    @sensitive("Whether a caseworker has verified the record.")
    def verification_status(self) -> models.VerificationStatus | None:
        return models.VerificationStatus(self.row.verification_status)

    @sensitive("When the record was verified.")
    def verified_at(self) -> datetime | None:
        return self.row.verified_at

    @sensitive("Whether the household consented to publishing its needs.")
    def consent_to_publish(self) -> bool | None:
        return self.row.consent_to_publish

    @sensitive("When the household was registered.")
    def registered_at(self) -> datetime | None:
        return self.row.created_at

    node_key = staticmethod(text_key)

    @classmethod
    def from_row(cls, row: HouseholdRow, region_path: str) -> Self:
        return cls(id=row.public_code, row=row, region_path=region_path)

    @classmethod
    def from_visible(cls, found: VisibleHousehold) -> Self:
        return cls.from_row(found.row, found.region_path)

    @classmethod
    def load_nodes(cls, context: Context, keys: list[str]) -> dict[str, Self]:
        found = queries.households_by_code(context.session, context.principal, keys)
        return {code: cls.from_visible(v) for code, v in found.items()}


def _pk(row: HouseholdRow) -> int:
    assert row.id is not None
    return row.id


def subsidy_of(row: HouseholdSubsidy) -> Subsidy:
    return Subsidy(
        programme=row.programme,
        amount=Money(amount_minor=MinorUnits(row.amount_minor), currency=row.currency),
        received_on=row.received_on,
    )


def households_by_code(context: Context, codes: list[str]) -> dict[str, Household]:
    """Visible households by public code, with their region paths, in one statement."""
    return Household.load_nodes(context, codes)


def households_by_id(context: Context, ids: Iterable[int]) -> dict[int, Household]:
    """Visible households by database id (cached per request), with region paths."""
    found = household_loaders.household.many(context, ids)
    return {key: Household.from_visible(v) for key, v in found.items()}
