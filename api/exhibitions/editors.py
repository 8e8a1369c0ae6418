"""Who edits exhibitions: platform admins, and organisation admins for their organisation.
Apart from the service so that media (who may upload pictures) can ask without importing
the exhibitions service, which attaches pictures through media."""

from __future__ import annotations

from api.core.auth import Principal
from api.core.roles import Role


def is_editor(principal: Principal) -> bool:
    return principal.is_admin or (
        principal.role == Role.ORGANISATION_ADMIN and principal.helper_id is not None
    )
