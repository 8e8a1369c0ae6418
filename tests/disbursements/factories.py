"""Money in funds and payouts out of them, through the real services, plus the GraphQL
documents the disbursement tests share."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.core.auth import ANONYMOUS
from api.core.db import unit_of_work
from api.disbursements import service
from api.disbursements.models import (
    Disbursement,
    DisbursementSource,
    DisbursementTargetKind,
)
from api.donation.models import TargetKind
from api.projects import service as projects
from api.projects.models import ProjectStatus
from tests.donation import factories as d
from tests.factories import ADMIN, Actor
from tests.help_requests import factories as f
from tests.help_requests.factories import World

CREATE = """
mutation($input: DisbursementCreateInput!) {
  disbursementCreate(input: $input) {
    disbursement {
      id source amount { amountMinor currency } evidenceReference note confirmable confirmedAt
      target { kind id household { publicCode } }
    }
    errors { field code message }
  }
}"""

CONFIRM = """
mutation($input: DisbursementConfirmReceiptInput!) {
  disbursementConfirmReceipt(input: $input) {
    disbursement { id confirmedAt }
    errors { field code message }
  }
}"""

LIST = """
query($filter: DisbursementFilter, $first: Int!, $after: String) {
  disbursements(filter: $filter, first: $first, after: $after) {
    nodes {
      id source amount { amountMinor currency } evidenceReference confirmable confirmedAt
      target { kind id household { publicCode } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

NODE = "query($id: ID!) { node(id: $id) { ... on Disbursement { id evidenceReference } } }"

REQUEST = """
query($id: ID!) {
  node(id: $id) {
    ... on HelpRequest {
      status
      target { amountMinor } pledged { amountMinor } received { amountMinor }
      remaining { amountMinor } held { amountMinor } disbursed { amountMinor }
    }
  }
}"""

MINE = """
{ myDonations(first: 10) { nodes { id amount { amountMinor } disbursed { amountMinor currency }
  reachedTargetAt target { kind } } } }
"""


def key() -> str:
    return str(uuid.uuid4())


def token(actor: Actor | None) -> str | None:
    return actor.token if actor else None


def donated(
    world: World,
    amount: int,
    *,
    donor: Actor | None = None,
    kind: TargetKind = TargetKind.GENERAL_FUND,
    target_id: int | None = None,
    currency: str = "USD",
) -> int:
    """A received offline donation; returns its id."""
    donation_id, _ = d.donate(
        world.engine,
        world.settings,
        world.principal(donor) if donor else ANONYMOUS,
        target_kind=kind,
        target_id=target_id,
        amount_minor=amount,
        currency=currency,
    )
    d.reconcile(world.engine, world.principal(world.admin), donation_id)
    return donation_id


def project(
    world: World, region: str = "P1-A-C1", *, currency: str = "USD", status: str = "ACTIVE"
) -> int:
    with unit_of_work(world.engine) as session:
        row = projects.create_project(
            session,
            actor=ADMIN,
            instance=world.settings.instance,
            region_id=world.regions[region].id,  # type: ignore[arg-type]
            details=projects.ProjectDetails(
                name="Tea cooperative",
                project_type="INDUSTRY",
                description="Helps growers sell their tea.",
                budget_minor=5_000_000,
                currency=currency,
            ),
        )
        assert row.id is not None
        steps = {"PLANNED": [], "ACTIVE": ["ACTIVE"], "COMPLETED": ["ACTIVE", "COMPLETED"]}
        for step in steps.get(status, [status]):
            projects.change_project_status(
                session, actor=ADMIN, project_id=row.id, status=ProjectStatus(step)
            )
        return row.id


def disburse(
    world: World,
    kind: DisbursementTargetKind,
    target_id: int,
    amount: int,
    *,
    source: DisbursementSource = DisbursementSource.TARGET_FUND,
    currency: str = "USD",
    actor: Actor | None = None,
) -> int:
    with unit_of_work(world.engine) as session:
        row = service.create_disbursement(
            session,
            actor=world.principal(actor or world.admin),
            instance=world.settings.instance,
            data=service.DisbursementInput(
                target_kind=kind,
                target_id=target_id,
                source=source,
                amount_minor=amount,
                currency=currency,
                evidence_reference="MPESA-QX12",
                note=None,
                idempotency_key=key(),
            ),
        )
        assert row.id is not None
        return row.id


def create_input(target: dict[str, Any], amount: int = 1_000, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "target": target,
        "amount": {"amountMinor": amount, "currency": "USD"},
        "evidenceReference": "MPESA-QX12",
        "idempotencyKey": key(),
    }
    values.update(overrides)
    return {"input": values}


def count(world: World, table: Any = Disbursement) -> int:
    with Session(world.engine) as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


gid = f.gid
