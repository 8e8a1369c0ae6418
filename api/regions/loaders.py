"""Regions by id: the one way regions are read for display, one statement per request."""

from __future__ import annotations

from api.core.loading import Loader
from api.regions import service
from api.regions.models import Region

region: Loader[int, Region] = Loader(
    "region", lambda scope, ids: service.regions_by_id(scope.session, ids)
)
