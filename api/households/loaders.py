"""Batch loaders of household relations, shared by every list that shows households."""

from __future__ import annotations

from api.core.loading import Loader
from api.households import service

# Cause codes of each household, in the order they were recorded.
causes: Loader[int, list[str]] = Loader(
    "household_causes", lambda scope, ids: service.causes_by_household(scope.session, ids)
)
