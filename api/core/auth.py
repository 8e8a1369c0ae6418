"""Who is calling: the principal behind a request, resolved from a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from api.accounts.models import AccessToken, Account, Role
from api.core.db import utcnow
from api.core.security import token_digest
from api.regions.models import Region


@dataclass(frozen=True)
class Principal:
    account_id: int | None = None
    role: Role | None = None
    # Caseworkers: the path of the region they cover ("/1/7/").
    region_path: str | None = None
    household_id: int | None = None
    helper_id: int | None = None
    token_id: int | None = None
    locale: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.account_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    def covers_region(self, region_path: str) -> bool:
        """True when this caseworker's area contains the region (or the caller is an admin)."""
        if self.is_admin:
            return True
        return (
            self.role == Role.CASEWORKER
            and self.region_path is not None
            and region_path.startswith(self.region_path)
        )

    @property
    def audit_role(self) -> str:
        return self.role.value if self.role else "ANONYMOUS"


ANONYMOUS = Principal()


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
