"""From a bearer token to the principal behind it."""

from __future__ import annotations

from sqlmodel import Session, select

from api.accounts.models import AccessToken, Account
from api.core.auth import ANONYMOUS, Principal
from api.core.db import utcnow
from api.core.roles import Role
from api.core.security import token_digest
from api.regions.models import Region


def principal_for_token(session: Session, token: str, secret_key: str) -> Principal:
    """An unknown, expired or revoked token is treated as no token at all."""
    row = session.exec(
        select(AccessToken, Account, Region.path)
        .join(Account, Account.id == AccessToken.account_id)  # type: ignore[arg-type]
        .outerjoin(Region, Region.id == Account.region_id)  # type: ignore[arg-type]
        .where(AccessToken.token_hash == token_digest(token, secret_key))
    ).first()
    if row is None:
        return ANONYMOUS
    access, account, region_path = row
    if access.revoked_at is not None or access.expires_at <= utcnow() or not account.is_active:
        return ANONYMOUS
    return Principal(
        account_id=account.id,
        role=Role(account.role),
        region_path=region_path,
        household_id=account.household_id,
        helper_id=account.helper_id,
        token_id=access.id,
        locale=account.locale,
    )
