"""How finely a caller may see, and filter by, where things are.

A household's exact region is personal data: the public sees it no finer than the
instance's public level (a county, not the village). Whatever shows or filters by a region
that is a household's location goes through these functions, so a field, a filter, a
count or a related object never reveals more than the household's own `region` field."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from api.core.auth import Principal
from api.core.errors import CodedError, api_error
from api.core.i18n import N_, Label
from api.core.roles import Role
from api.core.settings import Instance
from api.core.taxonomy import ADMIN_LEVELS
from api.regions.models import Region
from api.regions.service import public_region_id

REGION_TOO_FINE = "REGION_TOO_FINE"


def sees_exact_region(principal: Principal, region_path: str) -> bool:
    """Admins, and caseworkers whose area contains the region, see it exactly."""
    return principal.covers_region(region_path)


def shown_region_id(principal: Principal, region_path: str, public_level: int) -> int:
    """The region to show for a household's location (or anything located by one): the
    exact one to those covering it, else its ancestor at the public level."""
    if sees_exact_region(principal, region_path):
        return int(region_path.strip("/").split("/")[-1])
    return public_region_id(region_path, public_level)


def region_too_fine(instance: Instance) -> CodedError:
    level = instance.admin_levels[instance.public_region_level - 1]
    return api_error(
        REGION_TOO_FINE,
        N_(
            "Where households live is public down to the {level} level only: filter by a "
            "region at that level or above."
        ),
        level=Label(ADMIN_LEVELS, level),
    )


def may_filter_finely(principal: Principal, region: Region, public_level: int) -> bool:
    """A filter at or above the public level is open to all; below it, only to those who
    cover the region (admins, caseworkers of an area containing it)."""
    return region.level <= public_level or sees_exact_region(principal, region.path)


def household_region_condition(
    principal: Principal, region: Region, *, instance: Instance, path: Any
) -> sa.ColumnElement[bool]:
    """Rows located by a household (households, help requests) in `region` or below.
    Finer than the public level, such a filter could only locate households, so it is
    refused with REGION_TOO_FINE for callers who do not cover the region."""
    if not may_filter_finely(principal, region, instance.public_region_level):
        raise region_too_fine(instance)
    return col(path).startswith(region.path)


def mixed_region_condition(
    principal: Principal,
    region: Region,
    *,
    public_level: int,
    path: Any,
    located_by_household: sa.ColumnElement[bool],
) -> sa.ColumnElement[bool]:
    """Rows of which some have a public region of their own (a village's campaign, an
    enterprise's product) and some are located by a household. Below the public level,
    rows located by a household match only for callers who see their exact region, so the
    filter matches exactly the rows whose *shown* region lies inside `region`."""
    inside = col(path).startswith(region.path)
    if region.level <= public_level or principal.is_admin:
        return inside
    if principal.role == Role.CASEWORKER and principal.region_path:
        covered = col(path).startswith(principal.region_path)
        return sa.and_(inside, sa.or_(sa.not_(located_by_household), covered))
    return sa.and_(inside, sa.not_(located_by_household))
