"""Batch loaders of exhibitions and their exhibits, one statement per request each."""

from __future__ import annotations

from api.core.loading import Loader
from api.exhibitions import service
from api.exhibitions.models import Exhibition, ExhibitionItem

# Exhibitions visible to the caller, by id.
exhibition: Loader[int, Exhibition] = Loader(
    "exhibition",
    lambda scope, ids: service.exhibitions_by_id(scope.session, scope.principal, ids),
)

# The exhibits of each exhibition, in order.
items: Loader[int, list[ExhibitionItem]] = Loader(
    "exhibition_items", lambda scope, ids: service.items_by_exhibition(scope.session, ids)
)
