"""Accounts: registration, login (bearer tokens), logout, and staff accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from api.accounts.models import AccessToken, Account, Role
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
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
# Verifying against a real hash when the email is unknown keeps timing uniform.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 1024:
        raise ServiceError(ErrorCode.WEAK_PASSWORD, field="password", limit=MIN_PASSWORD_LENGTH)


def _new_account(session: Session, *, email: str, password: str, display_name: str, role: Role) -> Account:
    email = clean_email(email)
    _check_password(password)
    name = clean_text(display_name, field="displayName", limit=120)
    if session.exec(select(Account.id).where(Account.email == email)).first() is not None:
        raise ServiceError(ErrorCode.DUPLICATE, field="email")
    return Account(email=email, password_hash=hash_password(password), display_name=name, role=role)


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
    """Anyone may register to help; enterprises and organisations get an admin account."""
    account = _new_account(
        session, email=email, password=password, display_name=display_name, role=Role.HELPER
    )
    if kind != HelperKind.INDIVIDUAL:
        account.role = Role.ORGANISATION_ADMIN
    helper = create_helper(
        session,
        kind=kind,
        display_name=organisation_name if kind != HelperKind.INDIVIDUAL and organisation_name
        else display_name,
    )
    account.helper_id = helper.id
    account.locale = locale
    session.add(account)
    session.flush()
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
            raise ServiceError(ErrorCode.REQUIRED if region_id is None else ErrorCode.NOT_FOUND, field="region")
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
    session.add(account)
    session.flush()
    return account


def create_token(
    session: Session, *, email: str, password: str, secret_key: str
) -> tuple[Account, str]:
    account = session.exec(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None:
        verify_password(_DUMMY_HASH, password)
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
    if not verify_password(account.password_hash, password) or not account.is_active:
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS)
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


def set_locale(session: Session, *, account_id: int, locale: str | None, allowed: tuple[str, ...]) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise ServiceError(ErrorCode.NOT_FOUND)
    if locale is not None and locale not in allowed:
        raise ServiceError(ErrorCode.INVALID, field="locale")
    account.locale = locale
    session.add(account)
    session.flush()
    return account
