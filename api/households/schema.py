"""GraphQL queries and mutations of the household registry."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError, bad_id_error
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.households import loaders as household_loaders
from api.households import queries, service
from api.households.models import Household as HouseholdRow
from api.households.models import PovertyStatus as PovertyStatusValue
from api.households.types import Household, Subsidy, households_by_code, subsidy_of
from api.regions.service import public_region_id
from api.regions.types import load_regions


@strawberry.input(description="Which households to list.")
class HouseholdFilter:
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only households in this area or below it. Finer than the instance's public "
            "level only for those who see households' exact region there (admins, "
            "caseworkers covering it); for others REGION_TOO_FINE."
        ),
    )
    cause: str | None = strawberry.field(
        default=None, description="Only households with this cause of poverty (a code)."
    )


@strawberry.type
class HouseholdQueries:
    @strawberry.field(
        description=(
            "Households visible to you, newest registration first: the public ones (verified, "
            "consenting) for everyone, plus your whole area for caseworkers, all for admins."
        )
    )
    def households(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            HouseholdFilter | None,
            strawberry.argument(description="Conditions the households must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Household]:
        context = info.context
        wanted = queries.HouseholdListFilter()
        if filter and filter.region:
            wanted.region_id = _region_id_or_error(filter.region)
        if filter and filter.cause:
            wanted.cause = filter.cause
        page = queries.list_households(
            context.session,
            context.principal,
            context.settings.instance,
            wanted,
            queries.HouseholdOrder.NEWEST,
            first=first,
            after=after,
        )
        nodes = [Household.from_visible(found) for found in page.rows]
        _prime(context, nodes)
        return page_connection(page, nodes)


def _prime(context: Context, nodes: list[Household]) -> None:
    """Load causes and public regions of a whole page in two statements, and let
    per-household lists (open requests, thanks) load for the whole page at once."""
    ids = [n.row.id for n in nodes if n.row.id is not None]
    household_loaders.remember_page(context, ids)
    household_loaders.causes.many(context, ids)
    level = context.settings.instance.public_region_level
    load_regions(context, {public_region_id(n.region_path, level) for n in nodes})


def _region_id_or_error(global_id: relay.GlobalID) -> int:

    try:
        return decode_int_id(global_id, "Region", field="region")
    except ServiceError:
        raise bad_id_error("region", "Region") from None


@strawberry.input(description="A household as registered by a caseworker.")
class HouseholdRegisterInput:
    region: relay.GlobalID = strawberry.field(description="The household's village or area.")
    head_name: str = strawberry.field(description="Full name of the head of household.")
    members_count: int = strawberry.field(description="Number of people, 1 to 100.")
    causes: list[str] = strawberry.field(description="Causes of poverty (taxonomy codes).")
    consent_to_publish: bool = strawberry.field(
        description="The household agreed that its needs may be published (pseudonymously)."
    )
    national_id: str | None = strawberry.field(default=None, description="National ID number.")
    phone: str | None = strawberry.field(default=None, description="Contact phone number.")
    address: str | None = strawberry.field(default=None, description="Postal address.")
    latitude: float | None = strawberry.field(default=None, description="WGS 84 latitude.")
    longitude: float | None = strawberry.field(default=None, description="WGS 84 longitude.")
    annual_income_per_member: MoneyInput | None = strawberry.field(
        default=None, description="Annual income per member."
    )


@strawberry.input(description="Changes to a household; omitted fields stay as they are.")
class HouseholdUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The household to change.")
    region: relay.GlobalID | None = strawberry.field(default=None, description="New area.")
    head_name: str | None = strawberry.field(default=None, description="Head of household.")
    members_count: int | None = strawberry.field(default=None, description="1 to 100.")
    causes: list[str] | None = strawberry.field(
        default=None, description="Replaces the causes of poverty."
    )
    national_id: str | None = strawberry.field(default=None, description="National ID number.")
    phone: str | None = strawberry.field(default=None, description="Contact phone number.")
    address: str | None = strawberry.field(default=None, description="Postal address.")
    latitude: float | None = strawberry.field(default=None, description="WGS 84 latitude.")
    longitude: float | None = strawberry.field(default=None, description="WGS 84 longitude.")
    annual_income_per_member: MoneyInput | None = strawberry.field(
        default=None, description="Annual income per member."
    )


@strawberry.input(description="A caseworker's decision on a household record.")
class HouseholdVerifyInput:
    id: relay.GlobalID = strawberry.field(description="The household.")
    approve: bool = strawberry.field(
        default=True, description="True to verify, false to reject the record."
    )


@strawberry.input(description="A dated change of poverty status.")
class HouseholdStatusChangeInput:
    id: relay.GlobalID = strawberry.field(description="The household.")
    status: PovertyStatusValue = strawberry.field(description="The new status.")
    effective_on: date = strawberry.field(description="When it took effect (not in the future).")
    note: str | None = strawberry.field(default=None, description="Why, for the record.")


@strawberry.input(description="A subsidy the household received.")
class HouseholdSubsidyRecordInput:
    id: relay.GlobalID = strawberry.field(description="The household.")
    programme: str = strawberry.field(description="The programme or scheme.")
    amount: MoneyInput = strawberry.field(description="The amount received.")
    received_on: date = strawberry.field(description="When it was received.")


@strawberry.input(description="The household's choice about publishing its needs.")
class HouseholdConsentSetInput:
    id: relay.GlobalID = strawberry.field(description="The household.")
    consent_to_publish: bool = strawberry.field(description="True if it agrees to publication.")


@strawberry.type(description="Result of a household mutation.")
class HouseholdPayload:
    household: Household | None = strawberry.field(description="The household, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of householdSubsidyRecord.")
class HouseholdSubsidyRecordPayload:
    household: Household | None = strawberry.field(description="The household, unless errors.")
    subsidy: Subsidy | None = strawberry.field(description="The recorded subsidy.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _household_pk(context: Context, global_id: relay.GlobalID) -> int:
    code = decode_id(global_id, "Household", field="id")
    pk = queries.household_id_by_code(context.session, code)
    if pk is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    return pk


def _details(
    input: MutationInput[HouseholdRegisterInput] | HouseholdUpdateInput,
) -> service.HouseholdDetails:
    income = input.annual_income_per_member
    return service.HouseholdDetails(
        head_name=input.head_name,
        national_id=input.national_id,
        phone=input.phone,
        address=input.address,
        latitude=input.latitude,
        longitude=input.longitude,
        members_count=input.members_count,
        income_per_member_minor=income.amount_minor if income else None,
        income_currency=income.currency if income else None,
        causes=input.causes,
    )


def _payload(
    context: Context, row: HouseholdRow | None, errors: list[UserError]
) -> HouseholdPayload:
    if row is None:
        return HouseholdPayload(household=None, errors=errors)
    found = households_by_code(context, [row.public_code])
    return HouseholdPayload(household=found.get(row.public_code), errors=errors)


@strawberry.type
class HouseholdMutations:
    @strawberry.mutation(
        description="Register a household in your area. Caseworkers and admins.",
        extensions=requires(*STAFF),
    )
    def household_register(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdRegisterInput],
    ) -> HouseholdPayload | None:
        context = info.context

        def register() -> HouseholdRow:
            return service.register_household(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                region_id=decode_int_id(input.region, "Region", field="region"),
                details=_details(input),
                consent_to_publish=input.consent_to_publish,
            )

        row, errors = run_service(info, register)
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Correct a household's record. Caseworkers covering it, and admins.",
        extensions=requires(*STAFF),
    )
    def household_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdUpdateInput],
    ) -> HouseholdPayload | None:
        context = info.context

        def update() -> HouseholdRow:
            return service.update_household(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                household_id=_household_pk(context, input.id),
                details=_details(input),
                region_id=decode_int_id(input.region, "Region", field="region")
                if input.region
                else None,
            )

        row, errors = run_service(info, update)
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Verify (or reject) a household record after checking it in the field.",
        extensions=requires(*STAFF),
    )
    def household_verify(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdVerifyInput],
    ) -> HouseholdPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.verify_household(
                context.session,
                actor=context.principal,
                household_id=_household_pk(context, input.id),
                approve=input.approve,
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Record a change of poverty status (e.g. lifted out, relapsed).",
        extensions=requires(*STAFF),
    )
    def household_status_change(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdStatusChangeInput],
    ) -> HouseholdPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.change_poverty_status(
                context.session,
                actor=context.principal,
                household_id=_household_pk(context, input.id),
                status=input.status.value,
                effective_on=input.effective_on,
                note=input.note,
            ),
        )
        return _payload(context, row, errors)

    @strawberry.mutation(
        description="Record a subsidy the household received.", extensions=requires(*STAFF)
    )
    def household_subsidy_record(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdSubsidyRecordInput],
    ) -> HouseholdSubsidyRecordPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.record_subsidy(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                household_id=_household_pk(context, input.id),
                programme=input.programme,
                amount_minor=input.amount.amount_minor,
                currency=input.amount.currency,
                received_on=input.received_on,
            ),
        )
        if row is None:
            return HouseholdSubsidyRecordPayload(household=None, subsidy=None, errors=errors)
        household = queries.household_row(context.session, row.household_id)
        return HouseholdSubsidyRecordPayload(
            household=_payload(context, household, []).household,
            subsidy=subsidy_of(row),
            errors=[],
        )

    @strawberry.mutation(
        description="Record the household's consent (or its withdrawal) to publish its needs.",
        extensions=requires(*STAFF),
    )
    def household_consent_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HouseholdConsentSetInput],
    ) -> HouseholdPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_consent(
                context.session,
                actor=context.principal,
                household_id=_household_pk(context, input.id),
                consent_to_publish=input.consent_to_publish,
            ),
        )
        return _payload(context, row, errors)
