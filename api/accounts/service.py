"""Accounts: registration, login (bearer tokens), logout, and staff accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.accounts.models import AccessToken, Account, Role
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from api.core.validation import clean_email, clean_text
from api.helpers.models import HelperKind
from api.helpers.service import create_helper
from api.households.models import Household
from api.regions.models import Region

TOKEN_LIFETIME = timedelta(days=30)
# Longer passwords only cost hashing time; refused so they cannot be used to load the server.
MAX_PASSWORD_LENGTH = 1024
# Verifying against a real hash when the email is unknown keeps timing uniform.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(ErrorCode.WEAK_PASSWORD, field="password", limit=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(ErrorCode.TOO_LONG, field="password", limit=MAX_PASSWORD_LENGTH)
    return password


def _new_account(
    session: Session, *, email: str, password: str, display_name: str, role: Role
) -> Account:
    """A new account, not yet added; every input error is reported at once."""
    errors: list[ServiceError] = []
    clean: dict[str, str] = {}
    for name, action in (
        ("email", lambda: clean_email(email)),
        ("password", lambda: _check_password(password)),
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
        password_hash=hash_password(password),
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
) -> Account:
    """Anyone may register to help; enterprises and organisations get an admin account,
    and their helper profile carries the organisation's name (the person's by default)."""
    individual = kind == HelperKind.INDIVIDUAL
    errors: list[ServiceError] = []
    try:
        account = _new_account(
            session,
            email=email,
            password=password,
            display_name=display_name,
            role=Role.HELPER if individual else Role.ORGANISATION_ADMIN,
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
    session: Session, *, email: str, password: str, display_name: str, locale: str | None = None
) -> Account:
    """An account that manages mall sellers (api/mall registers its seller): no helper
    profile, so a cooperative that only sells is not counted as a helper."""
    account = _new_account(
        session, email=email, password=password, display_name=display_name, role=Role.SELLER
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
) -> Account:
    """Admins create any staff account; caseworkers create representatives of households
    in their own area."""
    if not actor.is_admin and not (
        actor.role == Role.CASEWORKER and role == Role.HOUSEHOLD_REPRESENTATIVE
    ):
        raise ServiceError(ErrorCode.FORBIDDEN, field="role")
    account = _new_account(
        session, email=email, password=password, display_name=display_name, role=role
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


def create_token(
    session: Session, *, email: str, password: str, secret_key: str
) -> tuple[Account, str]:
    account = session.exec(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None:
        verify_password(_DUMMY_HASH, password)
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
    if not verify_password(account.password_hash, password) or not account.is_active:
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


def revoke_token(session: Session, *, token_id: int) -> None:
    access = session.get(AccessToken, token_id)
    if access is not None and access.revoked_at is None:
        access.revoked_at = utcnow()
        session.add(access)
        session.flush()


def set_locale(
    session: Session, *, account_id: int, locale: str | None, allowed: tuple[str, ...]
) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise ServiceError(ErrorCode.NOT_FOUND)
    if locale is not None and locale not in allowed:
        raise ServiceError(ErrorCode.INVALID, field="locale")
    account.locale = locale
    session.add(account)
    session.flush()
    return account
