"""Demo pairings: up to 40 enterprises each paired with one to three villages, and up to 20
helpers each paired with a public household, in every status, with commitments,
milestones and quarterly reports, so the public pairing ledger has content.

Written in bulk with ids after the largest present; the pairing counters
(`api/pairing/metrics.py`) are then recounted from the tables, since `rebuild_stats`
leaves sections' counters alone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.core.settings import Instance
from api.core.validation import minor_unit_digits
from api.helpers.models import Helper, HelperKind
from api.households.models import Household, VerificationStatus
from api.pairing.metrics import rebuild_pairing_stats
from api.pairing.models import (
    MONEY_KINDS,
    CommitmentKind,
    MilestoneStatus,
    Pairing,
    PairingCommitment,
    PairingDelivery,
    PairingKind,
    PairingMilestone,
    PairingReport,
    PairingStatus,
)
from api.regions.models import Region

ENTERPRISES = 40
HOUSEHOLD_PAIRINGS = 20
# Share of pairings in each status, in order.
_STATUS_WEIGHTS = (
    (PairingStatus.ACTIVE, 70),
    (PairingStatus.COMPLETED, 15),
    (PairingStatus.PROPOSED, 10),
    (PairingStatus.ENDED_EARLY, 5),
)
# Target ranges in major units (money kinds) or people (the others).
_TARGETS = {
    CommitmentKind.MONEY: (50_000, 2_000_000),
    CommitmentKind.PURCHASES: (100_000, 5_000_000),
    CommitmentKind.JOBS: (5, 120),
    CommitmentKind.TRAINING: (10, 300),
}
_HOUSEHOLD_TARGETS = {
    CommitmentKind.MONEY: (2_000, 20_000),
    CommitmentKind.PURCHASES: (1_000, 30_000),
    CommitmentKind.JOBS: (1, 2),
    CommitmentKind.TRAINING: (1, 4),
}
_DESCRIPTIONS = {
    CommitmentKind.MONEY: ("Irrigation channels", "A cold store", "Road surfacing", "Greenhouses"),
    CommitmentKind.PURCHASES: ("Apples", "Tea", "Mushrooms", "Honey", "Walnuts"),
    CommitmentKind.JOBS: ("Packing plant", "Workshop jobs", "Seasonal picking"),
    CommitmentKind.TRAINING: ("E-commerce skills", "Orchard management", "Welding"),
}
_MILESTONES = (
    "Agreement signed with the village committee",
    "First purchase order delivered",
    "Workshop opened",
    "Training course completed",
    "Cold store in use",
)
_NARRATIVES = (
    "Work went to plan this quarter; the village committee checked the figures.",
    "Harvest purchases were larger than expected; hiring continued.",
    "Weather delayed building work; training went ahead as planned.",
    "New trainees started; the first graduates found jobs nearby.",
)


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    currency = instance.default_currency
    scale = 10 ** minor_unit_digits(currency)
    enterprises = _ids(session, Helper.id, Helper.kind == HelperKind.ENTERPRISE, ENTERPRISES)
    villages = list(
        session.execute(
            sa.select(Region.id, Region.path)  # type: ignore[call-overload]
            .where(Region.level == len(instance.admin_levels))
            .order_by(Region.id)
            .limit(400)
        ).all()
    )
    households = list(
        session.execute(
            sa.select(Household.id, Region.path)  # type: ignore[call-overload]
            .join(Region, Region.id == Household.region_id)
            .where(
                Household.verification_status == VerificationStatus.VERIFIED,
                Household.consent_to_publish.is_(True),  # type: ignore[attr-defined]
            )
            .order_by(Household.id)
            .limit(HOUSEHOLD_PAIRINGS)
        ).all()
    )
    helpers = _ids(session, Helper.id, Helper.kind != HelperKind.ENTERPRISE, HOUSEHOLD_PAIRINGS)
    writer = _Writer(session, rng, today, currency, scale)
    if villages:
        for enterprise in enterprises:
            for village_id, path in rng.sample(villages, k=min(len(villages), rng.randint(1, 3))):
                writer.pairing(
                    PairingKind.ENTERPRISE_VILLAGE, enterprise, path, village_id=village_id
                )
    for helper, (household_id, path) in zip(helpers, households, strict=False):
        writer.pairing(PairingKind.HELPER_HOUSEHOLD, helper, path, household_id=household_id)
    writer.flush()
    rebuild_pairing_stats(session)


def _ids(session: Session, column: Any, condition: Any, limit: int) -> list[int]:
    return list(
        session.execute(sa.select(column).where(condition).order_by(column).limit(limit)).scalars()
    )


class _Writer:
    def __init__(
        self, session: Session, rng: random.Random, today: date, currency: str, scale: int
    ) -> None:
        self.session = session
        self.rng = rng
        self.today = today
        self.currency = currency
        self.scale = scale
        self.rows: dict[type, list[dict[str, Any]]] = {
            table: []
            for table in (
                Pairing,
                PairingCommitment,
                PairingMilestone,
                PairingReport,
                PairingDelivery,
            )
        }
        self.next_id = {table: self._max_id(table) + 1 for table in self.rows}

    def _max_id(self, table: type) -> int:
        column = table.id  # type: ignore[attr-defined]
        return int(
            self.session.execute(sa.select(sa.func.coalesce(sa.func.max(column), 0))).scalar_one()
        )

    def _add(self, table: type, **values: Any) -> int:
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.rows[table].append({"id": row_id, **values})
        return row_id

    def pairing(
        self,
        kind: PairingKind,
        helper_id: int,
        path: str,
        *,
        village_id: int | None = None,
        household_id: int | None = None,
    ) -> None:
        rng = self.rng
        status = rng.choices(
            [status for status, _ in _STATUS_WEIGHTS], [weight for _, weight in _STATUS_WEIGHTS]
        )[0]
        years = rng.choice((1, 2, 3))
        if status == PairingStatus.COMPLETED:
            end = self.today - timedelta(days=rng.randint(10, 300))
            start = end - timedelta(days=365 * years)
        elif status == PairingStatus.PROPOSED:
            start = self.today + timedelta(days=rng.randint(0, 60))
            end = start + timedelta(days=365 * years)
        else:
            start = self.today - timedelta(days=rng.randint(30, 365 * years - 1))
            end = start + timedelta(days=365 * years)
        proposed = _at(start - timedelta(days=rng.randint(10, 40)))
        accepted = None if status == PairingStatus.PROPOSED else _at(start)
        ended = None
        if status == PairingStatus.COMPLETED:
            ended = _at(end)
        elif status == PairingStatus.ENDED_EARLY:
            ended = _at(min(self.today, start + timedelta(days=rng.randint(30, 200))))
        pairing_id = self._add(
            Pairing,
            kind=kind.value,
            status=status.value,
            helper_id=helper_id,
            village_id=village_id,
            household_id=household_id,
            region_path=path,
            period_start=start,
            period_end=end,
            proposed_by_id=None,
            proposed_at=proposed,
            accepted_by_id=None,
            accepted_at=accepted,
            ended_by_id=None,
            ended_at=ended,
        )
        targets = _TARGETS if kind == PairingKind.ENTERPRISE_VILLAGE else _HOUSEHOLD_TARGETS
        kinds = rng.sample(list(CommitmentKind), k=rng.randint(1, 3))
        commitments: list[tuple[int, CommitmentKind, int]] = []
        for commitment_kind in kinds:
            low, high = targets[commitment_kind]
            target = rng.randint(low, high)
            money = commitment_kind in MONEY_KINDS
            commitment_id = self._add(
                PairingCommitment,
                pairing_id=pairing_id,
                kind=commitment_kind.value,
                description=rng.choice(_DESCRIPTIONS[commitment_kind]),
                target_amount_minor=target * self.scale if money else None,
                currency=self.currency if money else None,
                target_count=None if money else target,
                created_at=proposed,
            )
            commitments.append((commitment_id, commitment_kind, target))
        for title in rng.sample(_MILESTONES, k=2):
            due = start + timedelta(days=rng.randint(30, max((end - start).days - 1, 31)))
            done = accepted is not None and due < self.today and rng.random() < 0.8
            self._add(
                PairingMilestone,
                pairing_id=pairing_id,
                title=title,
                due_on=due,
                done_on=due if done else None,
                status=(MilestoneStatus.DONE if done else MilestoneStatus.PLANNED).value,
                created_at=proposed,
            )
        if accepted is not None:
            last = min(self.today, ended.date() if ended else self.today, end)
            self._reports(pairing_id, start, last, (end - start).days, commitments)

    def _reports(
        self,
        pairing_id: int,
        start: date,
        last: date,
        length_days: int,
        commitments: list[tuple[int, CommitmentKind, int]],
    ) -> None:
        """One report per full quarter, each delivering a quarter's share (with noise)."""
        period_start = start
        while period_start + timedelta(days=90) <= last:
            period_end = period_start + timedelta(days=89)
            report_id = self._add(
                PairingReport,
                pairing_id=pairing_id,
                period_start=period_start,
                period_end=period_end,
                narrative=self.rng.choice(_NARRATIVES),
                submitted_by_id=None,
                submitted_at=_at(min(self.today, period_end + timedelta(days=5))),
            )
            share = 90 / max(length_days, 90) * self.rng.uniform(0.6, 1.3)
            for commitment_id, kind, target in commitments:
                delivered = max(1, round(target * share))
                money = kind in MONEY_KINDS
                self._add(
                    PairingDelivery,
                    report_id=report_id,
                    commitment_id=commitment_id,
                    amount_minor=delivered * self.scale if money else None,
                    quantity=None if money else delivered,
                )
            period_start = period_end + timedelta(days=1)

    def flush(self) -> None:
        postgres = self.session.get_bind().dialect.name == "postgresql"
        for table, rows in self.rows.items():
            if not rows:
                continue
            name = table.__tablename__  # type: ignore[attr-defined]
            self.session.execute(sa.insert(table.__table__), rows)  # type: ignore[attr-defined]
            rows.clear()
            if postgres:
                # PostgreSQL sequences do not see explicit ids: move them past the largest.
                self.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT MAX(id) FROM {name}))"
                    )
                )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)
