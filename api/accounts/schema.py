"""Accounts: registration, login, logout, staff accounts, and `me`."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from api.accounts import service
from api.accounts.models import Account as AccountRow
from api.accounts.models import Role as RoleValue
from api.core.context import Context
from api.core.enums import graphql_enum
from api.core.errors import UserError
from api.core.ids import decode_id, decode_int_id
from api.core.money import MoneyInput
from api.core.mutations import MutationInput, run_service
from api.core.permissions import STAFF, requires
from api.helpers import service as helper_service
from api.helpers.models import Helper as HelperRow
from api.helpers.models import HelperKind as HelperKindValue
from api.helpers.types import Helper, load_helpers
from api.households.types import Household, households_by_id
from api.regions.types import Region, load_regions

Role = graphql_enum(
    RoleValue,
    name="Role",
    description="What an account may do.",
    values={
        "HELPER": "Gives help: finds requests, pledges, donates.",
        "HOUSEHOLD_REPRESENTATIVE": "Speaks for one household: posts requests, confirms receipt.",
        "CASEWORKER": "Registers and verifies households and requests in one area.",
        "ORGANISATION_ADMIN": "Acts for an enterprise or organisation that helps.",
        "PLATFORM_ADMIN": "Runs the instance.",
        "SELLER": (
            "Manages mall sellers (a cooperative, village collective or enterprise) without "
            "being a helper: lists products, ships orders. Created by sellerAccountRegister."
        ),
    },
)


@strawberry.type(description="The logged-in account.")
class Viewer:
    row: strawberry.Private[AccountRow]

    @strawberry.field(description="Login email.")
    def email(self) -> str:
        return self.row.email

    @strawberry.field(description="Name shown to others.")
    def display_name(self) -> str:
        return self.row.display_name

    @strawberry.field(description="The account's role.")
    def role(self) -> RoleValue:
        return RoleValue(self.row.role)

    @strawberry.field(description="Preferred locale, if set.")
    def locale(self) -> str | None:
        return self.row.locale

    @strawberry.field(description="Caseworkers: the area they cover.")
    def region(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.row.region_id is None:
            return None
        row = load_regions(info.context, [self.row.region_id]).get(self.row.region_id)
        return Region.from_row(row) if row else None

    @strawberry.field(description="Helpers and organisation admins: the helper profile.")
    def helper(self, info: strawberry.Info[Context, Any]) -> Helper | None:
        if self.row.helper_id is None:
            return None
        row = load_helpers(info.context, [self.row.helper_id]).get(self.row.helper_id)
        return Helper.from_row(row) if row else None

    @strawberry.field(description="Household representatives: the household they speak for.")
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        return households_by_id(info.context, [self.row.household_id]).get(self.row.household_id)


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The logged-in account, or null for anonymous callers.")
    def me(self, info: strawberry.Info[Context, Any]) -> Viewer | None:
        principal = info.context.principal
        if principal.account_id is None:
            return None
        row = info.context.session.get(AccountRow, principal.account_id)
        return Viewer(row=row) if row else None


@strawberry.input(description="Register to help, as a person or for an organisation.")
class AccountRegisterInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="At least 10 characters.")
    display_name: str = strawberry.field(description="Your name as others will see it.")
    kind: HelperKindValue = strawberry.field(
        default=HelperKindValue.INDIVIDUAL,
        description="Register as an individual, an enterprise or an organisation.",
    )
    organisation_name: str | None = strawberry.field(
        default=None, description="For enterprises and organisations: its public name."
    )
    locale: str | None = strawberry.field(default=None, description="Preferred locale.")


@strawberry.input(description="Email and password.")
class TokenCreateInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="Password.")


@strawberry.input(description="A staff or household representative account.")
class StaffAccountCreateInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="Initial password, at least 10 characters.")
    display_name: str = strawberry.field(description="Name shown to others.")
    role: RoleValue = strawberry.field(description="The role of the new account.")
    region: relay.GlobalID | None = strawberry.field(
        default=None, description="Caseworkers: the area they cover."
    )
    household: relay.GlobalID | None = strawberry.field(
        default=None, description="Household representatives: their household."
    )


@strawberry.input(description="Changes to your helper profile; omitted fields stay.")
class HelperProfileUpdateInput:
    display_name: str | None = strawberry.field(default=None, description="Public name.")
    about: str | None = strawberry.field(default=None, description="About you.")
    preferred_regions: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Areas you prefer to help in."
    )
    preferred_causes: list[str] | None = strawberry.field(
        default=None, description="Causes you prefer to address (codes)."
    )
    preferred_categories: list[str] | None = strawberry.field(
        default=None, description="Need categories you can give to (codes)."
    )
    budget: MoneyInput | None = strawberry.field(
        default=None, description="The budget you have in mind."
    )


@strawberry.input(description="A platform admin's decision on a helper.")
class HelperVerifyInput:
    id: relay.GlobalID = strawberry.field(description="The helper.")
    approve: bool = strawberry.field(default=True, description="True to verify, false to reject.")


@strawberry.type(description="Result of accountRegister and staffAccountCreate.")
class AccountPayload:
    account: Viewer | None = strawberry.field(description="The new account, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of tokenCreate.")
class TokenCreatePayload:
    token: str | None = strawberry.field(
        description="Bearer token: send it as `Authorization: Bearer <token>`. Valid 30 days."
    )
    account: Viewer | None = strawberry.field(description="The account logged in.")
    errors: list[UserError] = strawberry.field(description="Why the login was refused.")


@strawberry.type(description="Result of tokenRevoke.")
class TokenRevokePayload:
    revoked: bool = strawberry.field(description="True when the token is no longer valid.")
    errors: list[UserError] = strawberry.field(description="Always empty; kept for symmetry.")


@strawberry.type(description="Result of a helper mutation.")
class HelperPayload:
    helper: Helper | None = strawberry.field(description="The helper, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Register a helper account (person, enterprise, NGO).")
    def account_register(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[AccountRegisterInput],
    ) -> AccountPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.register_helper_account(
                context.session,
                email=input.email,
                password=input.password,
                display_name=input.display_name,
                kind=input.kind.value,
                organisation_name=input.organisation_name,
                locale=input.locale if input.locale in context.settings.instance.locales else None,
            ),
        )
        return AccountPayload(account=Viewer(row=row) if row else None, errors=errors)

    @strawberry.mutation(description="Log in: exchange email and password for a bearer token.")
    def token_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[TokenCreateInput],
    ) -> TokenCreatePayload | None:
        context = info.context
        result, errors = run_service(
            info,
            lambda: service.create_token(
                context.session,
                email=input.email,
                password=input.password,
                secret_key=context.settings.secret_key,
            ),
        )
        if result is None:
            return TokenCreatePayload(token=None, account=None, errors=errors)
        account, token = result
        return TokenCreatePayload(token=token, account=Viewer(row=account), errors=[])

    @strawberry.mutation(
        description="Log out: revoke the token used for this request.", extensions=requires()
    )
    def token_revoke(self, info: strawberry.Info[Context, Any]) -> TokenRevokePayload | None:
        context = info.context
        token_id = context.principal.token_id
        assert token_id is not None
        run_service(info, lambda: service.revoke_token(context.session, token_id=token_id))
        return TokenRevokePayload(revoked=True, errors=[])

    @strawberry.mutation(
        description=(
            "Create a staff account. Admins: any role; caseworkers: representatives of "
            "households in their area."
        ),
        extensions=requires(*STAFF),
    )
    def staff_account_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[StaffAccountCreateInput],
    ) -> AccountPayload | None:
        context = info.context

        def create() -> AccountRow:
            household_id = None
            if input.household is not None:
                from sqlmodel import select

                from api.households.models import Household as HouseholdRow

                code = decode_id(input.household, "Household", field="household")
                household_id = context.session.exec(
                    select(HouseholdRow.id).where(HouseholdRow.public_code == code)
                ).first()
                if household_id is None:
                    household_id = -1
            return service.create_staff_account(
                context.session,
                actor=context.principal,
                email=input.email,
                password=input.password,
                display_name=input.display_name,
                role=input.role,
                region_id=decode_int_id(input.region, "Region", field="region")
                if input.region
                else None,
                household_id=household_id,
            )

        row, errors = run_service(info, create)
        return AccountPayload(account=Viewer(row=row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Update your helper profile and matching preferences.",
        extensions=requires(RoleValue.HELPER, RoleValue.ORGANISATION_ADMIN),
    )
    def helper_profile_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelperProfileUpdateInput],
    ) -> HelperPayload | None:
        context = info.context

        def update() -> HelperRow:
            helper = context.session.get(HelperRow, context.principal.helper_id)
            assert helper is not None
            return helper_service.update_helper_profile(
                context.session,
                instance=context.settings.instance,
                helper=helper,
                display_name=input.display_name,
                about=input.about,
                preferred_region_ids=[
                    decode_int_id(r, "Region", field="preferredRegions")
                    for r in input.preferred_regions
                ]
                if input.preferred_regions is not None
                else None,
                preferred_causes=input.preferred_causes,
                preferred_categories=input.preferred_categories,
                budget_minor=input.budget.amount_minor if input.budget else None,
                budget_currency=input.budget.currency if input.budget else None,
            )

        row, errors = run_service(info, update)
        return HelperPayload(helper=Helper.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Verify or reject a helper. Platform admins.",
        extensions=requires(RoleValue.PLATFORM_ADMIN),
    )
    def helper_verify(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelperVerifyInput],
    ) -> HelperPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: helper_service.verify_helper(
                context.session,
                helper_id=decode_int_id(input.id, "Helper", field="id"),
                approve=input.approve,
            ),
        )
        return HelperPayload(helper=Helper.from_row(row) if row else None, errors=errors)
