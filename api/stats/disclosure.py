"""Which statistics a caller may see exactly. An area's figures are aggregates of
households, and a small aggregate is a disclosure: in a village of four, "0 lifted out"
tells every household's status. Staff covering the area see everything; everyone else
gets figures below the instance's threshold, and every figure of an area below the public
level, withheld — as null with a reason, never as a silent zero."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from api.core.auth import Principal
from api.core.settings import Instance
from api.regions.models import Region


class Withheld(Enum):
    SMALL_COUNT = "SMALL_COUNT"
    REGION_BELOW_PUBLIC_LEVEL = "REGION_BELOW_PUBLIC_LEVEL"


@dataclass(frozen=True)
class Disclosure:
    exact: bool
    below_public_level: bool
    threshold: int

    def withheld(self, base: int | None) -> Withheld | None:
        """Why a figure counting `base` households, requests or events is withheld, or
        None when it may be shown. `base` None: the figure is not a count (money) and is
        withheld only for an area below the public level."""
        if self.exact:
            return None
        if self.below_public_level:
            return Withheld.REGION_BELOW_PUBLIC_LEVEL
        if base is not None and base < self.threshold:
            return Withheld.SMALL_COUNT
        return None


def disclosure_for(principal: Principal, region: Region | None, instance: Instance) -> Disclosure:
    """For the whole instance only admins cover the area; for a region, admins and the
    caseworkers whose area contains it."""
    if region is None:
        return Disclosure(
            exact=principal.is_admin,
            below_public_level=False,
            threshold=instance.small_count_threshold,
        )
    return disclosure_for_path(principal, region.path, instance)


def disclosure_for_path(principal: Principal, region_path: str, instance: Instance) -> Disclosure:
    """The same for a region known by its path ("/1/7/42/", one id per level)."""
    level = len([part for part in region_path.strip("/").split("/") if part])
    return Disclosure(
        exact=principal.covers_region(region_path),
        below_public_level=level > instance.public_region_level,
        threshold=instance.small_count_threshold,
    )
