"""Building blocks for pairing tests: the help-request world plus an enterprise with its
organisation admin, and pairings taken through the real services (so counters stay
consistent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.core.db import unit_of_work, utcnow
from api.core.roles import Role
from api.core.settings import Settings
from api.helpers.models import Helper
from api.pairing import service
from api.pairing.models import Pairing, PairingCommitment
from api.stats.models import RegionStat
from tests.help_requests import factories as hr
from tests.help_requests.factories import World, gid

__all__ = ["gid"]


@dataclass
class PairingWorld(World):
    """The help-request world (villages P1-A-C1-T-V and P1-A-C2-T-V, caseworker covering
    C1, far caseworker covering P2) plus `enterprise` (an ORGANISATION_ADMIN acting for an
    ENTERPRISE helper) and `other_enterprise`."""

    enterprise: Any = None
    other_enterprise: Any = None

    @property
    def village(self) -> int:
        return self.regions["P1-A-C1-T-V"].id  # type: ignore[return-value]

    @property
    def other_village(self) -> int:
        return self.regions["P1-A-C2-T-V"].id  # type: ignore[return-value]

    def people(self) -> dict[str, Any]:
        return {**super().people(), "enterprise": self.enterprise}


def enterprise_account(engine: Engine, settings: Settings, email: str) -> hr.Actor:
    actor = hr.account(engine, settings, Role.ORGANISATION_ADMIN, email=email)
    with unit_of_work(engine) as session:
        session.execute(
            sa.update(Helper).where(Helper.id == actor.helper_id).values(kind="ENTERPRISE")  # type: ignore[arg-type]
        )
    return actor


def make_world(engine: Engine, settings: Settings) -> PairingWorld:
    base = hr.make_world(engine, settings)
    return PairingWorld(
        **vars(base),
        enterprise=enterprise_account(engine, settings, "boss@example.org"),
        other_enterprise=enterprise_account(engine, settings, "rival@example.org"),
    )


def today() -> date:
    return utcnow().date()


def commitments() -> list[service.CommitmentDraft]:
    return [
        service.CommitmentDraft("MONEY", "Irrigation", target_minor=1_000_000, currency="CNY"),
        service.CommitmentDraft("JOBS", "Packing plant", target_count=20),
    ]


def proposed(
    world: PairingWorld,
    *,
    village: int | None = None,
    enterprise: hr.Actor | None = None,
    household: int | None = None,
    helper: hr.Actor | None = None,
    by: hr.Actor | None = None,
) -> int:
    """A PROPOSED pairing: the enterprise with a village, or (with `household`) a helper
    with a household; proposed by the helper side itself, or by staff (`by`)."""
    side = helper or enterprise or world.enterprise
    actor = by or side
    with unit_of_work(world.engine) as session:
        row = service.propose_pairing(
            session,
            actor=world.principal(actor),
            instance=world.settings.instance,
            kind="HELPER_HOUSEHOLD" if household else "ENTERPRISE_VILLAGE",
            helper_id=side.helper_id if by else None,
            village_id=None if household else (village or world.village),
            household_id=household,
            period_start=today() - timedelta(days=30),
            period_end=today() + timedelta(days=700),
            commitments=commitments(),
        )
        assert row.id is not None
        return row.id


def accepted(world: PairingWorld, pairing_id: int) -> int:
    with unit_of_work(world.engine) as session:
        service.accept_pairing(session, actor=world.principal(world.admin), pairing_id=pairing_id)
    return pairing_id


def active(world: PairingWorld, **kwargs: Any) -> int:
    return accepted(world, proposed(world, **kwargs))


def commitment_ids(engine: Engine, pairing_id: int) -> list[int]:
    with Session(engine) as session:
        rows = session.exec(
            select(PairingCommitment.id)
            .where(PairingCommitment.pairing_id == pairing_id)
            .order_by(col(PairingCommitment.id))
        ).all()
    return [row for row in rows if row is not None]


def report(world: PairingWorld, pairing_id: int, *, money: int = 0, jobs: int = 0) -> None:
    money_id, jobs_id = commitment_ids(world.engine, pairing_id)[:2]
    deliveries = []
    if money:
        deliveries.append(service.DeliveryDraft(money_id, amount_minor=money, currency="CNY"))
    if jobs:
        deliveries.append(service.DeliveryDraft(jobs_id, count=jobs))
    with unit_of_work(world.engine) as session:
        service.submit_report(
            session,
            actor=world.principal(world.enterprise),
            pairing_id=pairing_id,
            period_start=today() - timedelta(days=10),
            period_end=today(),
            narrative="Pipes laid; packing plant hired.",
            deliveries=deliveries,
        )


def pairing_row(engine: Engine, pairing_id: int) -> Pairing:
    with Session(engine) as session:
        row = session.get(Pairing, pairing_id)
        assert row is not None
        return row


def stats_table(engine: Engine, metrics: tuple[str, ...]) -> dict[tuple[int, str, int], int]:
    """Non-zero counters of the given metrics, as {(scope, metric, bucket): value}."""
    with Session(engine) as session:
        rows = session.execute(
            sa.select(
                RegionStat.scope_id, RegionStat.metric, RegionStat.bucket, RegionStat.value
            ).where(RegionStat.metric.in_(metrics))  # type: ignore[attr-defined]
        ).all()
    return {(s, m, b): v for s, m, b, v in rows if v}
