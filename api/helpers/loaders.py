"""Helpers by id, one statement per request."""

from __future__ import annotations

from api.core.loading import Loader
from api.helpers import service
from api.helpers.models import Helper

helper: Loader[int, Helper] = Loader(
    "helper", lambda scope, ids: service.helpers_by_id(scope.session, ids)
)
