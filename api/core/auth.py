"""Who is calling: the principal behind a request (api/accounts/tokens.py resolves it from a
bearer token)."""

from __future__ import annotations

from dataclasses import dataclass

from api.core.roles import Role


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
