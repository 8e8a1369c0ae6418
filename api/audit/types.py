"""The audit trail as GraphQL sees it: who, what (names of fields, never values), when."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.audit import loaders, service
from api.audit.models import AuditEvent as AuditEventRow
from api.audit.models import AuditOutcome as AuditOutcomeValue
from api.core.roles import Role as RoleValue
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.nodes import LoadedNode
from api.households.types import Household, households_by_id

AuditOutcome = graphql_enum(
    AuditOutcomeValue,
    name="AuditOutcome",
    description="Whether an audited action happened or was refused.",
    values={
        "ALLOWED": "It happened: the fields were read or the change was made.",
        "REFUSED": "It was attempted and refused, e.g. a read of personal fields without "
        "the right role or area.",
    },
)

# Subjects whose GraphQL type has another name than the one the log records.
GRAPHQL_TYPE_OF_SUBJECT = {"Account": "Viewer"}


@strawberry.type(description="Who acted in an audit event.")
class AuditActor:
    account_id: strawberry.Private[int | None]
    role_name: strawberry.Private[str]
    page: strawberry.Private[list[AuditEventRow]]

    @strawberry.field(
        description=(
            "The account's global ID (the `id` its owner sees in `me`); null for an "
            "anonymous caller."
        )
    )
    def account(self) -> relay.GlobalID | None:
        if self.account_id is None:
            return None
        return relay.GlobalID("Viewer", str(self.account_id))

    @strawberry.field(description="The account's role at the time; null for an anonymous caller.")
    def role(self) -> RoleValue | None:
        return RoleValue(self.role_name) if self.role_name in RoleValue.__members__ else None

    @strawberry.field(
        description="The account's current name; null for an anonymous caller or a deleted account."
    )
    def display_name(self, info: strawberry.Info[Context, Any]) -> str | None:
        if self.account_id is None:
            return None
        names = _actor_names(info.context, self.page)
        return names.get(self.account_id) or None


@strawberry.type(
    description=(
        "One entry of the append-only audit trail: a read of personal fields, a refused "
        "attempt at one, or a sensitive change. Values are never recorded, only the names "
        "of the fields. Readable by platform admins, and by caseworkers for subjects "
        "located in their area."
    )
)
class AuditEvent(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[AuditEventRow]
    page: strawberry.Private[list[AuditEventRow]]

    @strawberry.field(description="When it happened.")
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field(
        description=(
            "What happened, as `<subject>.<verb>`, e.g. `household.read_sensitive`, "
            "`household.read_sensitive_refused`, `household.update`, `account.delete`."
        )
    )
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="Whether it happened or was refused.")
    def outcome(self) -> AuditOutcomeValue:
        return AuditOutcomeValue(self.row.outcome)

    @strawberry.field(description="Who did it.")
    def actor(self) -> AuditActor:
        return AuditActor(
            account_id=self.row.actor_account_id, role_name=self.row.actor_role, page=self.page
        )

    @strawberry.field(
        description="The type of what it was about, e.g. Household, HelpRequest, Account."
    )
    def subject_type(self) -> str:
        return self.row.subject_type

    @strawberry.field(
        description=(
            "The global ID of what it was about (for an Account, the ID `me.id` gives its "
            "owner); null if that can no longer be shown to you."
        )
    )
    def subject(self, info: strawberry.Info[Context, Any]) -> relay.GlobalID | None:
        if self.row.subject_type == "Household":
            household = _households(info.context, self.page).get(self.row.subject_id)
            return relay.GlobalID("Household", household.row.public_code) if household else None
        type_name = GRAPHQL_TYPE_OF_SUBJECT.get(self.row.subject_type, self.row.subject_type)
        return relay.GlobalID(type_name, str(self.row.subject_id))

    @strawberry.field(
        description=(
            "The household it concerns (itself, or the household of a request, pledge, "
            "pairing, campaign or donation), if any: its public view, as everywhere."
        )
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        return _households(info.context, self.page).get(self.row.household_id)

    @strawberry.field(
        description=(
            "Names of the fields read, refused or changed (e.g. `headName`), never their "
            "values; empty when the action is not about fields."
        )
    )
    def fields(self) -> list[str]:
        return list(service.field_names(self.row))

    @classmethod
    def from_rows(cls, rows: list[AuditEventRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        """The same rule as `auditEvents`: an event you may not read is null."""
        rows = list(loaders.event.many(context, keys).values())
        return {node.id: node for node in cls.from_rows(rows)}


def _actor_names(context: Context, page: list[AuditEventRow]) -> dict[int, str]:
    """Display names of the page's actors, in one statement."""
    return loaders.actor_name.many(context, [row.actor_account_id for row in page])


def _households(context: Context, page: list[AuditEventRow]) -> dict[int, Household]:
    """The households the page's events are about, in one statement (cached)."""
    ids = {row.household_id for row in page if row.household_id is not None}
    ids |= {row.subject_id for row in page if row.subject_type == "Household"}
    return households_by_id(context, ids)
