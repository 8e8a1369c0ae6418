"""Pairings as GraphQL sees them. Nodes of one page share the page's pairing ids, so a
relation asked for on any of them (helper, village, household, commitments with progress,
milestones, reports and their deliveries) is loaded for the whole page in one statement.

Everything here is public for pairings on the public ledger: reports' narratives are
published as written, households appear only through their public view."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.db import utcnow
from api.graphql.context import Context
from api.graphql.dates import formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money, money_or_none
from api.graphql.nodes import LoadedNode
from api.helpers import loaders as helper_loaders
from api.helpers.types import Helper
from api.households import loaders as household_loaders
from api.households.types import Household, households_by_id
from api.pairing import loaders, models, service
from api.pairing.models import MONEY_KINDS
from api.pairing.models import Pairing as PairingRow
from api.pairing.models import PairingCommitment as CommitmentRow
from api.pairing.models import PairingDelivery as DeliveryRow
from api.pairing.models import PairingMilestone as MilestoneRow
from api.pairing.models import PairingReport as ReportRow
from api.pairing.service import CommitmentProgress
from api.regions.service import public_region_id
from api.regions.types import Region, load_regions

PairingKind = graphql_enum(
    models.PairingKind,
    name="PairingKind",
    description="Who is paired with whom.",
    values={
        "ENTERPRISE_VILLAGE": "An enterprise paired with a village (a lowest-level region).",
        "HELPER_HOUSEHOLD": (
            "A helper (person, enterprise or organisation) paired with a household."
        ),
    },
)
PairingStatus = graphql_enum(
    models.PairingStatus,
    name="PairingStatus",
    description="Where a pairing is in its life.",
    values={
        "PROPOSED": (
            "Proposed, waiting for a caseworker covering the village or household (or an "
            "admin) to accept. Not public."
        ),
        "ACTIVE": "Accepted and running: reports and milestones are recorded. Public.",
        "COMPLETED": "Finished as planned, confirmed by a caseworker or admin. Public.",
        "ENDED_EARLY": "Withdrawn before acceptance, or stopped before its end. Not public.",
    },
)
PairingCommitmentKind = graphql_enum(
    models.CommitmentKind,
    name="PairingCommitmentKind",
    description="What a helper commits to in a pairing.",
    values={
        "MONEY": "Money the helper spends or invests there itself (a target amount).",
        "JOBS": "Jobs created for people from the village or household (a target count).",
        "PURCHASES": "Produce or goods bought from the village or household (a target amount).",
        "TRAINING": "People trained (a target count).",
    },
)


@strawberry.enum(description="Where a milestone stands.")
class PairingMilestoneStatus(Enum):
    PLANNED = strawberry.enum_value("PLANNED", description="Not done yet; not yet due.")
    OVERDUE = strawberry.enum_value("OVERDUE", description="Not done, and the due date passed.")
    DONE = strawberry.enum_value("DONE", description="Done, on `doneOn`.")


# --- Bulk loading ----------------------------------------------------------------------------


def load_pairings(context: Context, ids: Iterable[int]) -> dict[int, PairingRow]:
    """Visible pairings by id, cached per operation."""
    return loaders.pairing.many(context, ids)


def _commitments(
    context: Context, pairing_ids: Iterable[int]
) -> dict[int, list[CommitmentProgress]]:
    return loaders.commitments.many(context, pairing_ids)


def _milestones(context: Context, pairing_ids: Iterable[int]) -> dict[int, list[MilestoneRow]]:
    return loaders.milestones.many(context, pairing_ids)


def _reports(context: Context, pairing_ids: Iterable[int]) -> dict[int, list[ReportRow]]:
    return loaders.reports.many(context, pairing_ids)


def _deliveries(context: Context, report_ids: Iterable[int]) -> dict[int, list[DeliveryRow]]:
    return loaders.deliveries.many(context, report_ids)


def _households(context: Context, rows: Iterable[PairingRow]) -> dict[int, Household]:
    """Public views of the page's households, with causes and public regions primed."""
    found = households_by_id(context, {r.household_id for r in rows if r.household_id})
    household_loaders.causes.many(context, found)
    level = context.settings.instance.public_region_level
    load_regions(context, {public_region_id(h.region_path, level) for h in found.values()})
    return found


def _page_ids(rows: Iterable[PairingRow]) -> list[int]:
    return [row.id for row in rows if row.id is not None]


# --- Types -----------------------------------------------------------------------------------


@strawberry.type(
    description=(
        "What a helper commits to in a pairing, with progress summed over its reports. Money "
        "here is the helper's own spending as reported, not money held by the platform."
    )
)
class PairingCommitment(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    progress_row: strawberry.Private[CommitmentProgress]

    @property
    def row(self) -> CommitmentRow:
        return self.progress_row.commitment

    @strawberry.field(description="Money, jobs, purchases or training.")
    def kind(self) -> models.CommitmentKind:
        return models.CommitmentKind(self.row.kind)

    @strawberry.field(description="What exactly is promised, as written; null if not given.")
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field(description="Target amount for MONEY and PURCHASES; null otherwise.")
    def target(self) -> Money | None:
        return money_or_none(self.row.target_amount_minor, self.row.currency)

    @strawberry.field(
        description="Target count for JOBS (jobs) and TRAINING (people); null otherwise."
    )
    def target_count(self) -> int | None:
        return self.row.target_count

    @strawberry.field(
        description="Money delivered so far (sum over reports) for MONEY and PURCHASES."
    )
    def delivered(self) -> Money | None:
        if self.row.kind not in MONEY_KINDS or self.row.currency is None:
            return None
        return Money(
            amount_minor=MinorUnits(self.progress_row.delivered_minor), currency=self.row.currency
        )

    @strawberry.field(
        description="Jobs created or people trained so far (sum over reports); null for money."
    )
    def delivered_count(self) -> int | None:
        if self.row.kind in MONEY_KINDS:
            return None
        return self.progress_row.delivered_count

    @strawberry.field(
        description=(
            "Delivered divided by target: 0 at the start, 1 when met; may exceed 1 when the "
            "helper did more than promised."
        )
    )
    def progress(self) -> float:
        if self.row.kind in MONEY_KINDS:
            target, done = self.row.target_amount_minor, self.progress_row.delivered_minor
        else:
            target, done = self.row.target_count, self.progress_row.delivered_count
        return done / target if target else 0.0

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = service.visible_children(context.session, context.principal, CommitmentRow, keys)
        pairing_ids = {row.pairing_id for row in rows.values()}
        return {
            progress.commitment.id: cls(id=progress.commitment.id, progress_row=progress)
            for group in _commitments(context, pairing_ids).values()
            for progress in group
            if progress.commitment.id in rows
        }


@strawberry.type(description="A dated step of a pairing's plan.")
class PairingMilestone(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[MilestoneRow]

    @strawberry.field(description="What is to be achieved.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="When it is due.")
    def due_on(self) -> date:
        return self.row.due_on

    @strawberry.field(description="When it was done; null until then.")
    def done_on(self) -> date | None:
        return self.row.done_on

    @strawberry.field(description="Planned, overdue (past due and not done) or done.")
    def status(self) -> PairingMilestoneStatus:
        if self.row.status == models.MilestoneStatus.DONE:
            return PairingMilestoneStatus.DONE
        if self.row.due_on < utcnow().date():
            return PairingMilestoneStatus.OVERDUE
        return PairingMilestoneStatus.PLANNED

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = service.visible_children(context.session, context.principal, MilestoneRow, keys)
        return {key: cls(id=key, row=row) for key, row in rows.items()}


@strawberry.type(description="What one report delivered towards one commitment.")
class PairingDelivery:
    commitment: PairingCommitment = strawberry.field(description="The commitment served.")
    amount: Money | None = strawberry.field(
        description="Money spent or purchases made, for MONEY and PURCHASES; null otherwise."
    )
    count: int | None = strawberry.field(
        description="Jobs created or people trained, for JOBS and TRAINING; null otherwise."
    )


@strawberry.type(
    description=(
        "A progress report for a period. Reports are never changed once submitted; progress "
        "is their sum. The narrative is public as written."
    )
)
class PairingReport(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ReportRow]
    # Report and pairing ids loaded together with this one (deliveries and the commitments
    # they serve load for all at once).
    page: strawberry.Private[list[int]]
    pairing_page: strawberry.Private[list[int]]

    @strawberry.field(description="First day the report covers.")
    def period_start(self) -> date:
        return self.row.period_start

    @strawberry.field(description="Last day the report covers.")
    def period_end(self) -> date:
        return self.row.period_end

    @strawberry.field(description="What was done in the period, as written. Public.")
    def narrative(self) -> str:
        return self.row.narrative

    @strawberry.field(description="When the report was submitted.")
    def submitted_at(self) -> datetime:
        return self.row.submitted_at

    @strawberry.field(description="What was delivered towards each commitment.")
    def deliveries(self, info: strawberry.Info[Context, Any]) -> list[PairingDelivery]:
        context = info.context
        rows = _deliveries(context, {self.id, *self.page}).get(self.id, [])
        commitments = {
            p.commitment.id: p
            for p in _commitments(context, {self.row.pairing_id, *self.pairing_page}).get(
                self.row.pairing_id, []
            )
        }
        result = []
        for row in rows:
            progress = commitments.get(row.commitment_id)
            if progress is None:
                continue
            result.append(
                PairingDelivery(
                    commitment=PairingCommitment(id=row.commitment_id, progress_row=progress),
                    amount=money_or_none(row.amount_minor, progress.commitment.currency),
                    count=row.quantity,
                )
            )
        return result

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = service.visible_children(context.session, context.principal, ReportRow, keys)
        page = list(rows)
        pairing_page = sorted({row.pairing_id for row in rows.values()})
        return {
            key: cls(id=key, row=row, page=page, pairing_page=pairing_page)
            for key, row in rows.items()
        }


@strawberry.type(
    description=(
        "An enterprise paired with a village, or a helper with a household, over a period, "
        "with commitments, milestones and progress reports. ACTIVE and COMPLETED pairings "
        "are public (household pairings only when the household is public); proposed and "
        "ended-early ones are seen by their helper, the caseworkers covering the area and "
        "admins."
    )
)
class Pairing(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[PairingRow]
    # The rows of the page this node was loaded with (relations load for all at once).
    page: strawberry.Private[list[PairingRow]]

    @strawberry.field(description="Enterprise with village, or helper with household.")
    def kind(self) -> models.PairingKind:
        return models.PairingKind(self.row.kind)

    @strawberry.field(description="Where the pairing is in its life.")
    def status(self) -> models.PairingStatus:
        return models.PairingStatus(self.row.status)

    @strawberry.field(description="The enterprise (or other helper) that committed. Public.")
    def helper(self, info: strawberry.Info[Context, Any]) -> Helper | None:
        rows = helper_loaders.helper.many(info.context, {r.helper_id for r in self.page})
        row = rows.get(self.row.helper_id)
        return Helper.from_row(row) if row else None

    @strawberry.field(description="The village paired, for ENTERPRISE_VILLAGE; null otherwise.")
    def village(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.row.village_id is None:
            return None
        rows = load_regions(info.context, {r.village_id for r in self.page if r.village_id})
        row = rows.get(self.row.village_id)
        return Region.from_row(row) if row else None

    @strawberry.field(
        description=(
            "The household paired (its public view only), for HELPER_HOUSEHOLD; null "
            "otherwise or if the household is not visible to you."
        )
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        return _households(info.context, self.page).get(self.row.household_id)

    @strawberry.field(description="First day of the agreed period.")
    def period_start(self) -> date:
        return self.row.period_start

    period_start_formatted = formatted_day_field(
        lambda self: self.row.period_start, of="periodStart"
    )

    @strawberry.field(description="Last day of the agreed period.")
    def period_end(self) -> date:
        return self.row.period_end

    period_end_formatted = formatted_day_field(lambda self: self.row.period_end, of="periodEnd")

    @strawberry.field(description="When the pairing was proposed.")
    def proposed_at(self) -> datetime:
        return self.row.proposed_at

    @strawberry.field(description="When a caseworker or admin accepted it; null before.")
    def accepted_at(self) -> datetime | None:
        return self.row.accepted_at

    @strawberry.field(description="When it was completed or ended early; null before.")
    def ended_at(self) -> datetime | None:
        return self.row.ended_at

    @strawberry.field(description="What the helper committed to, oldest first, with progress.")
    def commitments(self, info: strawberry.Info[Context, Any]) -> list[PairingCommitment]:
        found = _commitments(info.context, _page_ids(self.page))
        return [
            PairingCommitment(id=p.commitment.id or 0, progress_row=p)
            for p in found.get(self.id, [])
        ]

    @strawberry.field(description="The plan's milestones, soonest due first.")
    def milestones(self, info: strawberry.Info[Context, Any]) -> list[PairingMilestone]:
        found = _milestones(info.context, _page_ids(self.page))
        return [PairingMilestone(id=m.id or 0, row=m) for m in found.get(self.id, [])]

    @strawberry.field(description="Progress reports, the latest period first.")
    def reports(self, info: strawberry.Info[Context, Any]) -> list[PairingReport]:
        found = _reports(info.context, _page_ids(self.page))
        siblings = [report.id or 0 for group in found.values() for report in group]
        pairing_page = _page_ids(self.page)
        return [
            PairingReport(id=r.id or 0, row=r, page=siblings, pairing_page=pairing_page)
            for r in found.get(self.id, [])
        ]

    @classmethod
    def from_row(cls, row: PairingRow, page: list[PairingRow]) -> Self:
        assert row.id is not None
        return cls(id=row.id, row=row, page=page)

    @classmethod
    def from_rows(cls, rows: list[PairingRow]) -> list[Self]:
        return [cls.from_row(row, rows) for row in rows]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = load_pairings(context, keys)
        return {node.id: node for node in cls.from_rows(list(rows.values()))}


def pairings_by_id(context: Context, ids: Iterable[int]) -> dict[int, Pairing]:
    """Pairings visible to the caller, by database id, as GraphQL nodes sharing one page
    (for other sections, e.g. case studies, that link pairings)."""
    rows = load_pairings(context, ids)
    nodes = Pairing.from_rows(list(rows.values()))
    return {node.row.id: node for node in nodes if node.row.id is not None}
