"""Donations through the real services, and small readers for assertions."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.core.auth import ANONYMOUS, Principal
from api.core.db import unit_of_work
from api.core.settings import Settings
from api.donation import service
from api.donation.models import Donation, TargetKind
from api.ledger import service as ledger
from api.payments.models import Payment


def key() -> str:
    return str(uuid.uuid4())


def data(**overrides: Any) -> service.DonationInput:
    values: dict[str, Any] = {
        "target_kind": TargetKind.GENERAL_FUND,
        "target_id": None,
        "amount_minor": 2_500,
        "currency": "USD",
        "provider": "offline",
        "anonymous": False,
        "donor_name": "Ada Donor",
        "message": None,
        "idempotency_key": key(),
    }
    values.update(overrides)
    return service.DonationInput(**values)


def donate(
    engine: Engine, settings: Settings, actor: Principal = ANONYMOUS, **overrides: Any
) -> tuple[int, str]:
    """A pending donation; returns its id and payment reference."""
    with unit_of_work(engine) as session:
        created = service.create_donation(
            session, actor=actor, settings=settings, data=data(**overrides)
        )
        assert created.donation.id is not None
        return created.donation.id, created.payment.reference


def reconcile(engine: Engine, admin: Principal, donation_id: int) -> Donation:
    with unit_of_work(engine) as session:
        return service.reconcile_donation(
            session,
            actor=admin,
            donation_id=donation_id,
            external_reference="BANK-0001",
            idempotency_key=key(),
        )


def row(engine: Engine, donation_id: int) -> Donation:
    with Session(engine) as session:
        found = session.get(Donation, donation_id)
        assert found is not None
        return found


def count(engine: Engine, table: Any) -> int:
    with Session(engine) as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def balance(engine: Engine, account: str, currency: str = "USD") -> int:
    with Session(engine) as session:
        return ledger.balance_of(session, account, currency)


def payment(engine: Engine, reference: str) -> Payment:
    with Session(engine) as session:
        found = session.execute(
            sa.select(Payment).where(Payment.reference == reference)  # type: ignore[arg-type]
        ).scalar_one()
        return found


def project(
    engine: Engine,
    settings: Settings,
    region: Any,
    *,
    currency: str = "CNY",
    status: str = "ACTIVE",
) -> int:
    """A project in `region`, budgeted in `currency`, moved to `status` (ACTIVE projects
    take donations)."""
    from api.projects import service as projects
    from api.projects.models import ProjectStatus
    from tests.factories import ADMIN

    with unit_of_work(engine) as session:
        row = projects.create_project(
            session,
            actor=ADMIN,
            instance=settings.instance,
            region_id=region.id,
            details=projects.ProjectDetails(
                name="Kiwi orchards",
                project_type="INDUSTRY",
                description="Kiwi orchards on terraced hills.",
                budget_minor=2_500_000,
                currency=currency,
            ),
        )
        assert row.id is not None
        steps = {
            "PLANNED": [],
            "ACTIVE": [ProjectStatus.ACTIVE],
            "COMPLETED": [ProjectStatus.ACTIVE, ProjectStatus.COMPLETED],
            "CANCELLED": [ProjectStatus.CANCELLED],
        }[status]
        for step in steps:
            projects.change_project_status(session, actor=ADMIN, project_id=row.id, status=step)
        return row.id
