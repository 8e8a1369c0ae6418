"""Accounts: registration, login (bearer tokens), logout, staff accounts, and what a
person does with their own account: change or reset the password, update the profile,
log out everywhere, delete the account.

Argon2 is slow on purpose (about half a second), and on SQLite a write transaction
holds the one write lock of the database: no hash is computed or verified in one. Each
operation with a password comes in two steps (see api/graphql/mutations.py `prepare`):
a read and the Argon2 work before the write transaction (`login_candidate` and
`verify_login`, `stored_password` and `verify_current`, `hash_for_new_account` ...),
then the write, which checks that the hash it relied on is still the stored one
(`_still_stored`), so a password changed in between is never bypassed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.models import AccessToken, Account, PasswordResetToken
from api.accounts.passwords import check_password
from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.i18n import N_
from api.core.roles import Role
from api.core.security import (
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from api.core.validation import FieldErrors, clean_email, clean_text
from api.crowdfunding.models import Backing
from api.donation.models import Donation
from api.helpers.models import Helper, HelperKind
from api.helpers.service import create_helper
from api.households.models import Household
from api.mall.models import Order, OrderStatus
from api.regions.models import Region

TOKEN_LIFETIME = timedelta(days=30)
# Verifying against a real hash when the email is unknown keeps timing uniform.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


@dataclass(frozen=True)
class StoredPassword:
    """An account's password hash as read before it was verified: the write step
    proceeds only while it is still the stored one. `account_id` None: no account has
    the email (a dummy hash is verified instead, so timing does not tell)."""

    account_id: int | None
    email: str
    password_hash: str
    active: bool


def email_taken(session: Session, email: str) -> bool:
    """Whether an account has this email (as `clean_email` writes it); False for an
    email that is not valid."""
    try:
        address = clean_email(email)
    except ServiceError:
        return False
    return session.exec(select(Account.id).where(Account.email == address)).first() is not None


def hash_for_new_account(password: str, *, email: str, display_name: str) -> str | None:
    """The Argon2 hash of a new account's password, computed before the write
    transaction and passed to the registering service; None when the input will be
    refused anyway (an invalid email, name or password), so no hash is wasted on it."""
    try:
        # The password first: its list of leaked passwords is loaded on first use, here
        # rather than in the write transaction.
        check_password(password, email=email)
        clean_email(email)
        clean_text(display_name, field="displayName", limit=120)
    except ServiceError:
        return None
    return hash_password(password)


def _new_account(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role,
    password_hash: str | None = None,
) -> Account:
    """A new account, not yet added; every input error is reported at once.
    `password_hash` is `hash_for_new_account`'s (the password is hashed here without
    it: scripts and tests that run in one transaction)."""
    errors: list[ServiceError] = []
    clean: dict[str, str] = {}
    for name, action in (
        ("email", lambda: clean_email(email)),
        ("password", lambda: check_password(password, email=email)),
        ("display_name", lambda: clean_text(display_name, field="displayName", limit=120)),
    ):
        try:
            clean[name] = action()
        except ServiceError as error:
            errors.append(error)
    if "email" in clean:
        taken = session.exec(select(Account.id).where(Account.email == clean["email"])).first()
        if taken is not None:
            errors.insert(0, ServiceError(ErrorCode.DUPLICATE, field="email"))
    if errors:
        raise ServiceErrors(errors)
    return Account(
        email=clean["email"],
        password_hash=password_hash or hash_password(password),
        display_name=clean["display_name"],
        role=role,
    )


def register_helper_account(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    kind: str = HelperKind.INDIVIDUAL,
    organisation_name: str | None = None,
    locale: str | None = None,
    password_hash: str | None = None,
) -> Account:
    """Anyone may register to help; enterprises and organisations get an admin account,
    and their helper profile carries the organisation's name (the person's by default).
    `password_hash`: see `_new_account`."""
    individual = kind == HelperKind.INDIVIDUAL
    errors: list[ServiceError] = []
    try:
        account = _new_account(
            session,
            email=email,
            password=password,
            display_name=display_name,
            role=Role.HELPER if individual else Role.ORGANISATION_ADMIN,
            password_hash=password_hash,
        )
    except ServiceErrors as invalid:
        errors.extend(invalid.errors)
    public_name = display_name
    if not individual and organisation_name is not None and organisation_name.strip():
        try:
            public_name = clean_text(organisation_name, field="organisationName", limit=200)
        except ServiceError as error:
            errors.append(error)
    if errors:
        raise ServiceErrors(errors)
    helper = create_helper(session, kind=kind, display_name=public_name)
    account.helper_id = helper.id
    account.locale = locale
    _insert_account(session, account)
    return account


def register_seller_account(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str | None = None,
    password_hash: str | None = None,
) -> Account:
    """An account that manages mall sellers (api/mall registers its seller): no helper
    profile, so a cooperative that only sells is not counted as a helper.
    `password_hash`: see `_new_account`."""
    account = _new_account(
        session,
        email=email,
        password=password,
        display_name=display_name,
        role=Role.SELLER,
        password_hash=password_hash,
    )
    account.locale = locale
    _insert_account(session, account)
    return account


def create_staff_account(
    session: Session,
    *,
    actor: Principal,
    email: str,
    password: str,
    display_name: str,
    role: Role,
    region_id: int | None = None,
    household_id: int | None = None,
    password_hash: str | None = None,
) -> Account:
    """Admins create any staff account; caseworkers create representatives of households
    in their own area. `password_hash`: see `_new_account`."""
    if not actor.is_admin and not (
        actor.role == Role.CASEWORKER and role == Role.HOUSEHOLD_REPRESENTATIVE
    ):
        raise ServiceError(ErrorCode.FORBIDDEN, field="role")
    account = _new_account(
        session,
        email=email,
        password=password,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
    )
    if role == Role.CASEWORKER:
        region = session.get(Region, region_id) if region_id is not None else None
        if region is None:
            raise ServiceError(
                ErrorCode.REQUIRED if region_id is None else ErrorCode.NOT_FOUND, field="region"
            )
        account.region_id = region.id
    if role == Role.HOUSEHOLD_REPRESENTATIVE:
        household = session.get(Household, household_id) if household_id is not None else None
        if household is None:
            raise ServiceError(
                ErrorCode.REQUIRED if household_id is None else ErrorCode.NOT_FOUND,
                field="household",
            )
        region = session.get(Region, household.region_id)
        if region is None or not actor.covers_region(region.path):
            raise ServiceError(ErrorCode.FORBIDDEN, field="household")
        account.household_id = household.id
    if role == Role.HELPER or role == Role.ORGANISATION_ADMIN:
        helper = create_helper(
            session,
            kind=HelperKind.INDIVIDUAL if role == Role.HELPER else HelperKind.ORGANISATION,
            display_name=display_name,
        )
        account.helper_id = helper.id
    _insert_account(session, account)
    return account


def _insert_account(session: Session, account: Account) -> None:
    """Insert in a savepoint: when a concurrent request took the same email between the
    check and the insert, the unique index refuses it and the caller gets DUPLICATE."""
    try:
        with session.begin_nested():
            session.add(account)
            session.flush()
    except IntegrityError:
        taken = session.exec(select(Account.id).where(Account.email == account.email)).first()
        if taken is None:
            raise
        raise ServiceError(ErrorCode.DUPLICATE, field="email") from None


def login_candidate(session: Session, *, email: str) -> StoredPassword:
    """What a login's password is verified against (read before the write transaction)."""
    account = session.exec(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None:
        return StoredPassword(account_id=None, email="", password_hash=_DUMMY_HASH, active=False)
    return StoredPassword(
        account_id=account.id,
        email=account.email,
        password_hash=account.password_hash,
        active=account.is_active,
    )


def verify_login(candidate: StoredPassword, password: str) -> StoredPassword:
    """Argon2, outside any transaction: the candidate when the password is right and the
    account active, else INVALID_CREDENTIALS (one verification either way)."""
    if not verify_password(candidate.password_hash, password):
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
    if candidate.account_id is None or not candidate.active:
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
    return candidate


def issue_token(session: Session, *, login: StoredPassword, secret_key: str) -> tuple[Account, str]:
    """The write step of a login verified by `verify_login`: refused as a wrong
    password when the account changed its password, was deactivated or deleted since
    (the password given is then no longer the account's)."""
    account = session.get(Account, login.account_id) if login.account_id is not None else None
    if account is None or not account.is_active or account.password_hash != login.password_hash:
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
    assert account.id is not None
    token = new_token()
    session.add(
        AccessToken(
            account_id=account.id,
            token_hash=token_digest(token, secret_key),
            expires_at=utcnow() + TOKEN_LIFETIME,
        )
    )
    session.flush()
    return account, token


def create_token(
    session: Session, *, email: str, password: str, secret_key: str
) -> tuple[Account, str]:
    """A login in one session (scripts and tests; the API runs the steps apart)."""
    candidate = login_candidate(session, email=email)
    return issue_token(session, login=verify_login(candidate, password), secret_key=secret_key)


def revoke_token(session: Session, *, token_id: int) -> None:
    access = session.get(AccessToken, token_id)
    if access is not None and access.revoked_at is None:
        access.revoked_at = utcnow()
        session.add(access)
        session.flush()


# --- Reading accounts ------------------------------------------------------------------------


def own_account(session: Session, principal: Principal) -> Account | None:
    """The caller's account (None for anonymous callers): only the owner sees an account."""
    if principal.account_id is None:
        return None
    return session.get(Account, principal.account_id)


def own_helper(session: Session, principal: Principal) -> Helper | None:
    """The helper profile the caller acts for, if any."""
    if principal.helper_id is None:
        return None
    return session.get(Helper, principal.helper_id)


# --- The account's own settings ------------------------------------------------------------

RESET_TOKEN_LIFETIME = timedelta(hours=1)
# Bearer tokens start with "ab_"; a reset token looks different so neither is mistaken.
RESET_TOKEN_PREFIX = "pr_"  # noqa: S105  (a prefix, not a secret)
DELETED_EMAIL_DOMAIN = "deleted.invalid"  # RFC 2606: never a real mailbox
# Not an Argon2 hash: no password verifies against it.
UNUSABLE_PASSWORD_HASH = "!account-deleted"  # noqa: S105  (a marker, not a secret)
AUDIT_SUBJECT = "Account"

WRONG_PASSWORD = N_("The password is incorrect.")
RESET_TOKEN_INVALID = N_("This password reset link is not valid or has expired; ask for a new one.")
LAST_ADMIN = N_(
    "You are the last platform admin: make another account a platform admin before deleting yours."
)
ORDERS_UNDER_WAY = N_(
    "You have mall orders still under way: the seller needs your address until they are "
    "delivered or cancelled. Delete your account after that."
)


def _own_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None or not account.is_active or account.deleted_at is not None:
        raise ServiceError(ErrorCode.NOT_FOUND)
    return account


def stored_password(session: Session, *, account_id: int) -> StoredPassword:
    """The caller's own password hash, read before the write transaction to verify the
    password they re-entered (passwordChange, accountDelete)."""
    account = _own_account(session, account_id)
    return StoredPassword(
        account_id=account.id,
        email=account.email,
        password_hash=account.password_hash,
        active=account.is_active,
    )


def verify_current(stored: StoredPassword, password: str, *, field: str) -> StoredPassword:
    """Argon2, outside any transaction: `stored` when `password` is the account's."""
    if not verify_password(stored.password_hash, password):
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS, field=field, message=WRONG_PASSWORD)
    return stored


def _still_stored(account: Account, verified: StoredPassword, *, field: str) -> None:
    """The compare-and-set of a password verified before the write transaction: when
    the stored hash changed since (another session changed or reset the password), the
    password verified is no longer the account's, and the change is refused as wrong."""
    if account.password_hash != verified.password_hash:
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS, field=field, message=WRONG_PASSWORD)


def revoke_tokens(session: Session, *, account_id: int, except_token_id: int | None = None) -> int:
    """Revoke the account's live bearer tokens (all, or all but one); returns how many."""
    now = utcnow()
    statement = (
        sa.update(AccessToken)
        .where(col(AccessToken.account_id) == account_id)
        .where(col(AccessToken.revoked_at).is_(None))
        .where(col(AccessToken.expires_at) > now)
        .values(revoked_at=now)
    )
    if except_token_id is not None:
        statement = statement.where(col(AccessToken.id) != except_token_id)
    result = session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _retire_reset_tokens(session: Session, account_id: int) -> None:
    """A password change, a reset or a newer request makes outstanding reset links void."""
    session.execute(
        sa.update(PasswordResetToken)
        .where(col(PasswordResetToken.account_id) == account_id)
        .where(col(PasswordResetToken.used_at).is_(None))
        .values(used_at=utcnow())
    )


@dataclass(frozen=True)
class NewPassword:
    """A password change checked and hashed before the write transaction."""

    verified: StoredPassword
    password_hash: str


def prepare_password_change(
    stored: StoredPassword, *, current_password: str, new_password: str
) -> NewPassword:
    """Argon2, outside any transaction: verify the current password and hash the new
    one (every input error at once, and no hash for a refused change)."""
    errors = FieldErrors()
    errors.check(lambda: verify_current(stored, current_password, field="currentPassword"))
    errors.check(lambda: check_password(new_password, email=stored.email, field="newPassword"))
    errors.raise_if_any()
    return NewPassword(verified=stored, password_hash=hash_password(new_password))


def change_password(session: Session, *, actor: Principal, new: NewPassword) -> int:
    """Change the caller's password (prepared by `prepare_password_change`). Every other
    session is logged out (its token revoked); the token of this request keeps working,
    since it just proved the current password. Outstanding reset links are void.
    Returns how many tokens were revoked."""
    assert actor.account_id is not None
    account = _own_account(session, actor.account_id)
    _still_stored(account, new.verified, field="currentPassword")
    account.password_hash = new.password_hash
    session.add(account)
    revoked = revoke_tokens(session, account_id=actor.account_id, except_token_id=actor.token_id)
    _retire_reset_tokens(session, actor.account_id)
    record_audit(
        session,
        actor=actor,
        action="account.password_change",
        subject_type=AUDIT_SUBJECT,
        subject_id=actor.account_id,
        detail={"fields": ["password"], "sessions_revoked": revoked},
    )
    session.flush()
    return revoked


@dataclass(frozen=True)
class PasswordResetIssued:
    """What the notifier needs to send a reset link; `token` exists only here and in the
    message, the database keeps its keyed hash."""

    email: str
    display_name: str
    locale: str | None
    token: str
    expires_at: datetime


def request_password_reset(
    session: Session, *, actor: Principal, email: str, secret_key: str
) -> PasswordResetIssued | None:
    """Issue a one-time reset token for the account with this email, if there is one.

    The caller answers the same whatever the result: None (no such active account) must
    not be told apart from a token sent, or the endpoint would reveal who has an account.
    A new token voids older ones, so only the latest link works."""
    address = clean_email(email)
    account = session.exec(
        select(Account)
        .where(Account.email == address)
        .where(col(Account.is_active).is_(True))
        .where(col(Account.deleted_at).is_(None))
    ).first()
    if account is None or account.id is None:
        return None
    _retire_reset_tokens(session, account.id)
    token = RESET_TOKEN_PREFIX + new_token().removeprefix("ab_")
    expires_at = utcnow() + RESET_TOKEN_LIFETIME
    session.add(
        PasswordResetToken(
            account_id=account.id,
            token_hash=token_digest(token, secret_key),
            expires_at=expires_at,
        )
    )
    record_audit(
        session,
        actor=actor,
        action="account.password_reset_request",
        subject_type=AUDIT_SUBJECT,
        subject_id=account.id,
    )
    session.flush()
    return PasswordResetIssued(
        email=account.email,
        display_name=account.display_name,
        locale=account.locale,
        token=token,
        expires_at=expires_at,
    )


@dataclass(frozen=True)
class ResetToken:
    """A live reset token as read before the write transaction."""

    token_id: int
    account_id: int
    email: str


@dataclass(frozen=True)
class PreparedReset:
    """A password reset checked and hashed before the write transaction."""

    token: ResetToken
    password_hash: str


def find_reset_token(session: Session, *, token: str, secret_key: str) -> ResetToken | None:
    """The unused, unexpired reset token of an active account, if `token` is one."""
    found = session.exec(
        select(PasswordResetToken.id, Account.id, Account.email)
        .join(Account, col(Account.id) == PasswordResetToken.account_id)
        .where(PasswordResetToken.token_hash == token_digest(token.strip(), secret_key))
        .where(col(PasswordResetToken.used_at).is_(None))
        .where(col(PasswordResetToken.expires_at) > utcnow())
        .where(col(Account.is_active).is_(True))
        .where(col(Account.deleted_at).is_(None))
    ).first()
    if found is None:
        return None
    token_id, account_id, email = found
    assert token_id is not None and account_id is not None
    return ResetToken(token_id=token_id, account_id=account_id, email=email)


def prepare_password_reset(found: ResetToken | None, *, new_password: str) -> PreparedReset:
    """Argon2, outside any transaction: hash the new password of a valid token (every
    input error at once, and no hash for a refused reset)."""
    errors = FieldErrors()
    email = found.email if found is not None else None
    errors.check(lambda: check_password(new_password, email=email, field="newPassword"))
    if found is None:
        errors.errors.append(
            ServiceError(ErrorCode.INVALID, field="token", message=RESET_TOKEN_INVALID)
        )
    errors.raise_if_any()
    assert found is not None
    return PreparedReset(token=found, password_hash=hash_password(new_password))


def confirm_password_reset(session: Session, *, actor: Principal, reset: PreparedReset) -> Account:
    """Set a new password with a reset token (prepared by `prepare_password_reset`). The
    token is consumed by a guarded UPDATE, so two uses racing each other cannot both
    succeed, nor one after the token expired or a newer one voided it; every session of
    the account is logged out, since whoever held them may be why the password was
    reset."""
    now = utcnow()
    consumed = session.execute(
        sa.update(PasswordResetToken)
        .where(col(PasswordResetToken.id) == reset.token.token_id)
        .where(col(PasswordResetToken.used_at).is_(None))
        .where(col(PasswordResetToken.expires_at) > now)
        .values(used_at=now)
    )
    account = session.get(Account, reset.token.account_id)
    if (
        consumed.rowcount != 1  # type: ignore[attr-defined]
        or account is None
        or not account.is_active
        or account.deleted_at is not None
    ):
        raise ServiceError(ErrorCode.INVALID, field="token", message=RESET_TOKEN_INVALID)
    assert account.id is not None
    account.password_hash = reset.password_hash
    session.add(account)
    revoked = revoke_tokens(session, account_id=account.id)
    _retire_reset_tokens(session, account.id)
    record_audit(
        session,
        actor=actor,
        action="account.password_reset",
        subject_type=AUDIT_SUBJECT,
        subject_id=account.id,
        detail={"fields": ["password"], "sessions_revoked": revoked},
    )
    session.flush()
    return account


def update_account(
    session: Session,
    *,
    actor: Principal,
    allowed_locales: tuple[str, ...],
    display_name: str | None = None,
    locale: str | None = None,
    clear_locale: bool = False,
) -> Account:
    """Change the caller's name and preferred locale; None leaves a value as it is,
    `clear_locale` goes back to the request's language. Every error is reported at once."""
    assert actor.account_id is not None
    account = _own_account(session, actor.account_id)
    errors = FieldErrors()
    changed: dict[str, object] = {}
    if display_name is not None:
        name = errors.check(lambda: clean_text(display_name, field="displayName", limit=120))
        if name is not None and name != account.display_name:
            changed["display_name"] = name
    if locale is not None:
        if locale not in allowed_locales:
            errors.add(ErrorCode.INVALID, "locale")
        elif locale != account.locale:
            changed["locale"] = locale
    elif clear_locale and account.locale is not None:
        changed["locale"] = None
    errors.raise_if_any()
    if changed:
        for name, value in changed.items():
            setattr(account, name, value)
        session.add(account)
        record_audit(
            session,
            actor=actor,
            action="account.update",
            subject_type=AUDIT_SUBJECT,
            subject_id=actor.account_id,
            detail={"fields": sorted(_camel(name) for name in changed)},
        )
        session.flush()
    return account


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def revoke_all_tokens(session: Session, *, actor: Principal) -> int:
    """Log out everywhere: every token of the caller's account, this one included."""
    assert actor.account_id is not None
    revoked = revoke_tokens(session, account_id=actor.account_id)
    record_audit(
        session,
        actor=actor,
        action="account.tokens_revoke_all",
        subject_type=AUDIT_SUBJECT,
        subject_id=actor.account_id,
        detail={"sessions_revoked": revoked},
    )
    session.flush()
    return revoked


def delete_account(session: Session, *, actor: Principal, verified: StoredPassword) -> None:
    """Delete the caller's account, confirmed with its password (verified beforehand by
    `verify_current`, and still the stored one).

    Personal data is erased: the email becomes an unusable unique placeholder, the name,
    locale and password go, every token is revoked, and an individual helper's public
    profile loses its name, text and preferences. Money records stay, since the ledger
    and receipts must add up, but no longer say who gave: donations and campaign
    backings lose the donor's name and message and become anonymous, mall orders lose
    the shipping address. The row itself stays as a tombstone so those records, pledges
    and the audit trail keep a valid reference.

    What belongs to others stays: a household representative's household (the registry
    owns it), an organisation's helper profile and its campaigns. The last active
    platform admin cannot delete their account (INVALID_STATE), and nobody can while
    their mall orders are under way (the seller still needs the address)."""
    assert actor.account_id is not None
    account_id = actor.account_id
    account = _own_account(session, account_id)
    _still_stored(account, verified, field="password")
    if account.role == Role.PLATFORM_ADMIN:
        # Lock the admins' rows (PostgreSQL; SQLite serializes writers anyway), so two
        # last admins deleting at once cannot both see the other one still there.
        admins = session.exec(
            select(Account.id)
            .where(Account.role == Role.PLATFORM_ADMIN)
            .where(col(Account.is_active).is_(True))
            .where(col(Account.deleted_at).is_(None))
            .order_by(col(Account.id))
            .with_for_update()
        ).all()
        if [admin for admin in admins if admin != account_id] == []:
            raise ServiceError(ErrorCode.INVALID_STATE, message=LAST_ADMIN)
    open_orders = session.exec(
        select(sa.func.count())
        .select_from(Order)
        .where(col(Order.buyer_account_id) == account_id)
        .where(col(Order.status).in_([OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED]))
    ).one()
    if open_orders:
        raise ServiceError(ErrorCode.INVALID_STATE, message=ORDERS_UNDER_WAY)

    now = utcnow()
    account.email = f"deleted-{account_id}@{DELETED_EMAIL_DOMAIN}"
    account.display_name = ""
    account.password_hash = UNUSABLE_PASSWORD_HASH
    account.locale = None
    account.is_active = False
    account.deleted_at = now
    session.add(account)
    revoked = revoke_tokens(session, account_id=account_id)
    _retire_reset_tokens(session, account_id)
    if account.helper_id is not None:
        helper = session.get(Helper, account.helper_id)
        if helper is not None and helper.kind == HelperKind.INDIVIDUAL:
            helper.display_name = ""
            helper.about = None
            helper.preferred_region_ids = []
            helper.preferred_causes = []
            helper.preferred_categories = []
            helper.budget_minor = None
            helper.budget_currency = None
            session.add(helper)
    anonymised = {
        "donations": session.execute(
            sa.update(Donation)
            .where(col(Donation.donor_account_id) == account_id)
            .values(donor_name=None, message=None, anonymous=True)
        ).rowcount,  # type: ignore[attr-defined]
        "backings": session.execute(
            sa.update(Backing)
            .where(col(Backing.backer_account_id) == account_id)
            .values(backer_name=None, message=None, anonymous=True)
        ).rowcount,  # type: ignore[attr-defined]
        "orders": session.execute(
            sa.update(Order)
            .where(col(Order.buyer_account_id) == account_id)
            .values(shipping_address="")
        ).rowcount,  # type: ignore[attr-defined]
    }
    record_audit(
        session,
        actor=actor,
        action="account.delete",
        subject_type=AUDIT_SUBJECT,
        subject_id=account_id,
        detail={
            "fields": ["displayName", "email", "locale", "password"],
            "sessions_revoked": revoked,
            "anonymised": anonymised,
        },
    )
    session.flush()
