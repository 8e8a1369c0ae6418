"""Audit events the caller may read, and the names of their actors, by id: one statement
per kind and request."""

from __future__ import annotations

from api.audit import service
from api.audit.models import AuditEvent
from api.core.loading import Loader

# The same rule as the list: an event the caller may not read is absent.
event: Loader[int, AuditEvent] = Loader(
    "audit_event",
    lambda scope, ids: service.audit_events_by_id(scope.session, scope.principal, ids),
)

# Current display names of the accounts that acted.
actor_name: Loader[int, str] = Loader(
    "audit_actor_name", lambda scope, ids: service.account_names(scope.session, ids)
)
