"""Reading the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.audit import service
from api.audit.models import AuditOutcome as AuditOutcomeValue
from api.audit.types import AuditEvent
from api.core.errors import ServiceError, api_error, bad_id_error
from api.core.i18n import N_
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF
from api.graphql.context import Context
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.pagination import After, Connection, First, build_connection, page_connection
from api.graphql.permissions import requires
from api.households.types import households_by_code


@strawberry.input(description="Which audit events to list; every condition given must hold.")
class AuditEventFilter:
    household: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only events about this household: reads of its personal fields, changes to "
            "it, and events about its requests, pledges, pairings, campaigns and donations."
        ),
    )
    actor: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only events by this account (its global ID, as in `AuditActor.account`).",
    )
    action: str | None = strawberry.field(
        default=None, description="Only this action, e.g. `household.read_sensitive_refused`."
    )
    outcome: AuditOutcomeValue | None = strawberry.field(
        default=None, description="Only events with this outcome."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Only events at or after this moment."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Only events before this moment."
    )


def _aware(moment: datetime | None, argument: str) -> datetime | None:
    """A moment without a time zone offset is ambiguous; refuse it rather than guess."""
    if moment is not None and moment.tzinfo is None:
        raise api_error(
            "BAD_USER_INPUT",
            N_("`{argument}` needs a time zone offset, e.g. 2026-05-01T00:00:00Z."),
            argument=argument,
        )
    return moment


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description=(
            "The audit trail, newest first. Platform admins read all of it; caseworkers the "
            "events about households and other subjects located in their area (a filter on "
            "anything outside it gives an empty page); others get FORBIDDEN or "
            "UNAUTHENTICATED."
        ),
        extensions=requires(*STAFF),
    )
    def audit_events(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            AuditEventFilter | None,
            strawberry.argument(description="Conditions the events must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[AuditEvent]:
        context = info.context
        wanted = filter or AuditEventFilter()
        household_id: int | None = None
        if wanted.household is not None:
            try:
                code = decode_id(wanted.household, "Household", field="filter.household")
            except ServiceError:
                raise bad_id_error("filter.household", "Household") from None
            household = households_by_code(context, [code]).get(code)
            if household is None:
                return build_connection([], [], has_next=False, has_previous=False)
            household_id = household.row.id
        actor_id: int | None = None
        if wanted.actor is not None:
            try:
                actor_id = decode_int_id(wanted.actor, "Viewer", field="filter.actor")
            except ServiceError:
                raise bad_id_error("filter.actor", "Viewer") from None
        page = service.list_audit_events(
            context.session,
            context.principal,
            service.AuditFilter(
                household_id=household_id,
                actor_account_id=actor_id,
                action=wanted.action,
                outcome=wanted.outcome,
                since=_aware(wanted.from_, "filter.from"),
                until=_aware(wanted.to, "filter.to"),
            ),
            first=first,
            after=after,
        )
        return page_connection(page, AuditEvent.from_rows(page.rows))
