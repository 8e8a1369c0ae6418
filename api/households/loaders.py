"""Batch loaders of households and their relations, shared by every list that shows
households."""

from __future__ import annotations

from collections.abc import Iterable

from api.core.loading import Loader, RequestScope
from api.households import queries, service
from api.households.queries import VisibleHousehold

# Visible households by id, with their region paths.
household: Loader[int, VisibleHousehold] = Loader(
    "household",
    lambda scope, ids: queries.households_by_id(scope.session, scope.principal, ids),
)

# Cause codes of each household, in the order they were recorded.
causes: Loader[int, list[str]] = Loader(
    "household_causes", lambda scope, ids: service.causes_by_household(scope.session, ids)
)

_LISTED_TOGETHER = "household_page"


def remember_page(scope: RequestScope, household_ids: Iterable[int]) -> None:
    """Record households listed together, so a per-household list (open requests, thanks)
    asked on one of them loads for all of them at once."""
    scope.cache[_LISTED_TOGETHER].update(dict.fromkeys(household_ids, True))


def listed_with(scope: RequestScope, household_id: int) -> set[int]:
    """The household and those listed with it in this request."""
    return {household_id, *scope.cache[_LISTED_TOGETHER]}
