"""Accounts: registration, login, logout, staff accounts, `me`, and the account's own
settings (password, reset, profile, sessions, deletion)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import strawberry
from strawberry import relay

from api.accounts import service
from api.accounts.models import Account as AccountRow
from api.core.errors import ErrorCode, error_message
from api.core.i18n import translator_for
from api.core.loading import row_id_key
from api.core.roles import STAFF
from api.core.roles import Role as RoleValue
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, prepare, run_service
from api.graphql.nodes import LoadedNode
from api.graphql.permissions import requires
from api.helpers import loaders as helper_loaders
from api.helpers import service as helper_service
from api.helpers.models import Helper as HelperRow
from api.helpers.models import HelperKind as HelperKindValue
from api.helpers.types import Helper
from api.households import queries as household_queries
from api.households.types import Household, households_by_id
from api.notifications import deliver_after_commit
from api.notifications.messages import password_reset_notification
from api.notifications.registry import public_url
from api.ratelimit.attempts import Attempt, AttemptLimiter, AttemptRefused
from api.ratelimit.budget import Limits, request_limits
from api.regions.types import Region, load_regions

# Where the frontend lets someone choose a new password. The token travels in the
# fragment, which browsers never send to a server: it stays out of access logs and
# Referer headers.
PASSWORD_RESET_PATH = "/password-reset#token="  # noqa: S105  (a path, not a secret)

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


def _account_key(node_id: str) -> int | None:
    """The account id of a node ID written the way `me.id` writes it (no leading zeros)."""
    key = row_id_key(node_id)
    return key if key is not None and str(key) == node_id else None


@strawberry.type(
    description=(
        "An account as its owner sees it: the logged-in account (`me`), or one just "
        "created by its creator. Through `node`, only your own account resolves."
    )
)
class Viewer(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[AccountRow]
    node_key = staticmethod(_account_key)

    @classmethod
    def from_row(cls, row: AccountRow) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row)

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        """Only your own account resolves."""
        own = context.principal.account_id
        if own is None or own not in keys:
            return {}
        row = service.own_account(context.session, context.principal)
        return {own: cls.from_row(row)} if row else {}

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
        row = helper_loaders.helper.many(info.context, [self.row.helper_id]).get(self.row.helper_id)
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
        row = service.own_account(info.context.session, info.context.principal)
        return Viewer.from_row(row) if row else None


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


@strawberry.input(description="Your current password and the new one.")
class PasswordChangeInput:
    current_password: str = strawberry.field(description="The password you log in with now.")
    new_password: str = strawberry.field(description="The new password, at least 10 characters.")


@strawberry.input(description="The email of the account whose password was forgotten.")
class PasswordResetRequestInput:
    email: str = strawberry.field(description="The account's login email.")


@strawberry.input(description="A password reset token and the new password.")
class PasswordResetConfirmInput:
    token: str = strawberry.field(
        description="The token from the reset link (after `#token=`); it works once, for an hour."
    )
    new_password: str = strawberry.field(description="The new password, at least 10 characters.")


@strawberry.input(description="Changes to your account; omitted fields stay as they are.")
class AccountUpdateInput:
    display_name: str | None = strawberry.field(
        default=None,
        description=(
            "Your name as staff and organisers see it (a helper's public name is "
            "`helperProfileUpdate`'s `displayName`)."
        ),
    )
    locale: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Your preferred locale, one of `locales`; null to follow each request's "
            "language again. Else `INVALID` on `locale`."
        ),
    )


@strawberry.input(description="Confirm deleting your account.")
class AccountDeleteInput:
    password: str = strawberry.field(description="Your current password.")


@strawberry.type(description="Result of accountRegister, staffAccountCreate and accountUpdate.")
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
    retry_after: int | None = strawberry.field(
        default=None,
        description=(
            "With `RATE_LIMITED`: seconds to wait before the next attempt for this email or "
            "from this address is considered (it is refused unheard until then, even with "
            "the right password)."
        ),
    )


@strawberry.type(description="Result of tokenRevoke.")
class TokenRevokePayload:
    revoked: bool = strawberry.field(description="True when the token is no longer valid.")
    errors: list[UserError] = strawberry.field(description="Always empty; kept for symmetry.")


@strawberry.type(description="Result of passwordChange.")
class PasswordChangePayload:
    changed: bool = strawberry.field(description="True when the password was changed.")
    sessions_revoked: int = strawberry.field(
        description=(
            "How many other sessions were logged out. The token of this request keeps working."
        )
    )
    errors: list[UserError] = strawberry.field(description="Why the change was refused.")


@strawberry.type(description="Result of passwordResetRequest.")
class PasswordResetRequestPayload:
    accepted: bool = strawberry.field(
        description=(
            "True for any well-formed email, whether or not an account has it: when one "
            "does, a reset link is on its way to it."
        )
    )
    errors: list[UserError] = strawberry.field(
        description=(
            "`INVALID` on `email` for a malformed address; `RATE_LIMITED` after too many "
            "requests for this email or from this address, whether or not an account has it."
        )
    )
    retry_after: int | None = strawberry.field(
        default=None, description="With `RATE_LIMITED`: seconds to wait before asking again."
    )


@strawberry.type(description="Result of passwordResetConfirm.")
class PasswordResetConfirmPayload:
    reset: bool = strawberry.field(
        description="True when the new password is set; every session was logged out."
    )
    errors: list[UserError] = strawberry.field(
        description=(
            "`INVALID` on `token` (unknown, used or expired), `WEAK_PASSWORD` or `TOO_LONG` "
            "on `newPassword`."
        )
    )


@strawberry.type(description="Result of tokenRevokeAll.")
class TokenRevokeAllPayload:
    revoked: int = strawberry.field(
        description="How many sessions were logged out, this one included."
    )
    errors: list[UserError] = strawberry.field(description="Always empty; kept for symmetry.")


@strawberry.type(description="Result of accountDelete.")
class AccountDeletePayload:
    deleted: bool = strawberry.field(
        description="True when the account is deleted and its tokens no longer work."
    )
    errors: list[UserError] = strawberry.field(
        description=(
            "`INVALID_CREDENTIALS` on `password`; `INVALID_STATE` for the last platform "
            "admin, or while your mall orders are under way."
        )
    )


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
        password_hash = prehash_new_password(info, input.email, input.password, input.display_name)
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
                password_hash=password_hash,
            ),
        )
        return AccountPayload(account=Viewer.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Log in: exchange email and password for a bearer token.")
    def token_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[TokenCreateInput],
    ) -> TokenCreatePayload | None:
        context = info.context
        attempt = _begin_attempt(context, lambda limits: limits.logins, input.email)
        if isinstance(attempt, AttemptRefused):
            return TokenCreatePayload(
                token=None,
                account=None,
                errors=[_rate_limited(context, attempt)],
                retry_after=attempt.retry_after,
            )
        login, errors = prepare(
            info,
            lambda reader: service.login_candidate(reader, email=input.email),
            lambda candidate: service.verify_login(candidate, input.password),
        )
        if login is None:
            return TokenCreatePayload(token=None, account=None, errors=errors)
        # The password was right: told to the limiter now, before the write transaction,
        # whose SQLite lock its database store would wait for.
        if attempt is not None:
            attempt.succeeded()
        result, errors = run_service(
            info,
            lambda: service.issue_token(
                context.session, login=login, secret_key=context.settings.secret_key
            ),
        )
        if result is None:
            return TokenCreatePayload(token=None, account=None, errors=errors)
        account, token = result
        return TokenCreatePayload(token=token, account=Viewer.from_row(account), errors=[])

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
            "Log out everywhere: revoke every token of your account, the one of this "
            "request included."
        ),
        extensions=requires(),
    )
    def token_revoke_all(self, info: strawberry.Info[Context, Any]) -> TokenRevokeAllPayload:
        context = info.context
        revoked, errors = run_service(
            info, lambda: service.revoke_all_tokens(context.session, actor=context.principal)
        )
        return TokenRevokeAllPayload(revoked=revoked or 0, errors=errors)

    @strawberry.mutation(
        description=(
            "Change your password, giving the current one. Your other sessions are logged "
            "out; this one stays logged in. Outstanding reset links stop working."
        ),
        extensions=requires(),
    )
    def password_change(
        self, info: strawberry.Info[Context, Any], input: MutationInput[PasswordChangeInput]
    ) -> PasswordChangePayload:
        context = info.context
        attempt = _begin_password_check(context)
        if isinstance(attempt, AttemptRefused):
            return PasswordChangePayload(
                changed=False, sessions_revoked=0, errors=[_rate_limited(context, attempt)]
            )
        revoked: int | None = None
        new, errors = prepare(
            info,
            lambda reader: service.stored_password(reader, account_id=_own_id(context)),
            lambda stored: service.prepare_password_change(
                stored, current_password=input.current_password, new_password=input.new_password
            ),
        )
        _end_password_check(attempt, errors)
        if new is not None:
            revoked, errors = run_service(
                info,
                lambda: service.change_password(context.session, actor=context.principal, new=new),
            )
        return PasswordChangePayload(
            changed=not errors, sessions_revoked=revoked or 0, errors=errors
        )

    @strawberry.mutation(
        description=(
            "Forgot your password? Ask for a reset link, sent to the account's email in its "
            "language. The answer is the same whether or not an account has this email. "
            "The link (`<AIDBRIDGE_PUBLIC_URL>/password-reset#token=...`) works once, for "
            "an hour; a newer request replaces it."
        )
    )
    def password_reset_request(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PasswordResetRequestInput],
    ) -> PasswordResetRequestPayload:
        context = info.context
        attempt = _begin_attempt(context, lambda limits: limits.resets, input.email)
        if isinstance(attempt, AttemptRefused):
            return PasswordResetRequestPayload(
                accepted=False,
                errors=[_rate_limited(context, attempt)],
                retry_after=attempt.retry_after,
            )
        issued, errors = run_service(
            info,
            lambda: service.request_password_reset(
                context.session,
                actor=context.principal,
                email=input.email,
                secret_key=context.settings.secret_key,
            ),
        )
        if issued is not None:
            _send_reset_link(context, issued)
        return PasswordResetRequestPayload(accepted=not errors, errors=errors)

    @strawberry.mutation(
        description=(
            "Choose a new password with the token from a reset link. The token is used up "
            "and every session of the account is logged out: log in again with tokenCreate."
        )
    )
    def password_reset_confirm(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PasswordResetConfirmInput],
    ) -> PasswordResetConfirmPayload:
        context = info.context
        reset, errors = prepare(
            info,
            lambda reader: service.find_reset_token(
                reader, token=input.token, secret_key=context.settings.secret_key
            ),
            lambda found: service.prepare_password_reset(found, new_password=input.new_password),
        )
        if reset is None:
            return PasswordResetConfirmPayload(reset=False, errors=errors)
        account, errors = run_service(
            info,
            lambda: service.confirm_password_reset(
                context.session, actor=context.principal, reset=reset
            ),
        )
        return PasswordResetConfirmPayload(reset=account is not None, errors=errors)

    @strawberry.mutation(
        description="Change your display name or preferred locale.", extensions=requires()
    )
    def account_update(
        self, info: strawberry.Info[Context, Any], input: MutationInput[AccountUpdateInput]
    ) -> AccountPayload:
        context = info.context
        locale = input.locale
        row, errors = run_service(
            info,
            lambda: service.update_account(
                context.session,
                actor=context.principal,
                allowed_locales=context.settings.instance.locales,
                display_name=input.display_name,
                locale=locale if isinstance(locale, str) else None,
                clear_locale=locale is None,
            ),
        )
        return AccountPayload(account=Viewer.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(
        description=(
            "Delete your account, giving your password. Your personal data is erased: "
            "email, name, locale, password, sessions, and an individual helper's public "
            "profile. Money records stay with the donor anonymised (donations and backings "
            "lose your name and message; mall orders your address). A household "
            "representative's household stays in the registry; an organisation's profile "
            "stays with the organisation. The last platform admin cannot delete their "
            "account, and nobody can while their mall orders are under way."
        ),
        extensions=requires(),
    )
    def account_delete(
        self, info: strawberry.Info[Context, Any], input: MutationInput[AccountDeleteInput]
    ) -> AccountDeletePayload:
        context = info.context
        attempt = _begin_password_check(context)
        if isinstance(attempt, AttemptRefused):
            return AccountDeletePayload(deleted=False, errors=[_rate_limited(context, attempt)])
        verified, errors = prepare(
            info,
            lambda reader: service.stored_password(reader, account_id=_own_id(context)),
            lambda stored: service.verify_current(stored, input.password, field="password"),
        )
        _end_password_check(attempt, errors)
        if verified is not None:
            _, errors = run_service(
                info,
                lambda: service.delete_account(
                    context.session, actor=context.principal, verified=verified
                ),
            )
        return AccountDeletePayload(deleted=not errors, errors=errors)

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
        password_hash = prehash_new_password(info, input.email, input.password, input.display_name)

        def create() -> AccountRow:
            household_id = None
            if input.household is not None:
                code = decode_id(input.household, "Household", field="household")
                household_id = household_queries.household_id_by_code(context.session, code)
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
                password_hash=password_hash,
            )

        row, errors = run_service(info, create)
        return AccountPayload(account=Viewer.from_row(row) if row else None, errors=errors)

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
            helper = service.own_helper(context.session, context.principal)
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


def _own_id(context: Context) -> int:
    account_id = context.principal.account_id
    assert account_id is not None  # requires(): only logged-in callers get here
    return account_id


def prehash_new_password(
    info: strawberry.Info[Context, Any], email: str, password: str, display_name: str
) -> str | None:
    """A new account's password hash, computed before the write transaction (none for an
    email already taken or input that will be refused: the service reports why)."""
    hashed, _ = prepare(
        info,
        lambda reader: service.email_taken(reader, email),
        lambda taken: (
            None
            if taken
            else service.hash_for_new_account(password, email=email, display_name=display_name)
        ),
    )
    return hashed


def _begin_attempt(
    context: Context, limiter: Callable[[Limits], AttemptLimiter], email: str
) -> Attempt | AttemptRefused | None:
    """Take a place for a login or reset attempt for this email from this address
    (api/ratelimit/attempts.py): refused attempts are answered before anything is
    hashed or sent, the same whether or not an account has the email."""
    limits = request_limits(context)
    if limits is None:  # not over HTTP (a script calling the schema): nothing to limit
        return None
    try:
        return limiter(limits.limits).begin(email.strip().lower(), limits.ip)
    except AttemptRefused as refused:
        if context.response is not None:
            context.response.headers["Retry-After"] = str(refused.retry_after)
        return refused


def _begin_password_check(context: Context) -> Attempt | AttemptRefused | None:
    """A logged-in caller re-entering their password (passwordChange, accountDelete) is
    limited like a login, per account and address: a stolen token is no way to guess the
    password behind it."""
    return _begin_attempt(
        context, lambda limits: limits.logins, f"account:{context.principal.account_id}"
    )


def _end_password_check(attempt: Attempt | None, errors: list[UserError]) -> None:
    """Only a wrong password counts as a failed attempt. Called once the password was
    verified, before the write transaction: the limiter's database store must not wait
    for the SQLite write lock that this very operation holds."""
    if attempt is not None and all(e.code != ErrorCode.INVALID_CREDENTIALS for e in errors):
        attempt.succeeded()


def _rate_limited(context: Context, refused: AttemptRefused) -> UserError:
    message = error_message(context.translator, ErrorCode.RATE_LIMITED)
    return UserError(field=None, code=ErrorCode.RATE_LIMITED, message=message)


def _send_reset_link(context: Context, issued: service.PasswordResetIssued) -> None:
    """Write the reset message in the account's language (else the request's) and hand
    it to the notifier once the token is committed."""
    settings = context.settings
    locale = issued.locale if issued.locale in settings.instance.locales else context.locale
    translator = translator_for(settings.instance.localisation, locale)
    notification = password_reset_notification(
        translator,
        recipient=issued.email,
        recipient_name=issued.display_name or None,
        instance_name=settings.instance.name,
        link=public_url(settings) + PASSWORD_RESET_PATH + issued.token,
    )
    deliver_after_commit(context.session, settings, notification)
