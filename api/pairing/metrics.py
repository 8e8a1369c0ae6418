"""Counters of pairings kept in `region_stat` (api/stats), for the pairing's region (the
village, or the household's exact region), its ancestors and the instance (scope 0).

- "pairings_active": pairings now ACTIVE (+1 on acceptance, -1 when it ends).
- "enterprises_paired": distinct enterprises with at least one ACTIVE enterprise-village
  pairing in the scope. An enterprise paired with villages in two counties counts once in
  the province and once in each county.
- "villages_paired": distinct villages with at least one ACTIVE enterprise-village pairing.
- "pairings_started_month": pairings accepted, bucket = year * 12 + month of acceptance
  (never decremented: a monthly series of starts).

The services keep them current incrementally; `rebuild_pairing_stats` replaces them with
`pairing_counts`, a recount from the tables (after bulk loads, or to repair drift), since
`api.stats.service.rebuild_stats` leaves sections' counters alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from api.pairing.models import Pairing, PairingKind, PairingStatus
from api.stats.metrics import INSTANCE_SCOPE
from api.stats.models import RegionStat

PAIRINGS_ACTIVE = "pairings_active"
ENTERPRISES_PAIRED = "enterprises_paired"
VILLAGES_PAIRED = "villages_paired"
PAIRINGS_STARTED_BY_MONTH = "pairings_started_month"
METRICS = (PAIRINGS_ACTIVE, ENTERPRISES_PAIRED, VILLAGES_PAIRED, PAIRINGS_STARTED_BY_MONTH)


def month_bucket(moment: datetime | date) -> int:
    return moment.year * 12 + moment.month


def path_ids(path: str | None) -> list[int]:
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def scopes_for(region_path: str | None) -> list[int]:
    """The instance scope and every region from the root down, as `api.stats.service` bumps
    them (repeated here so `api.stats.service` can import this module without a cycle)."""
    return [INSTANCE_SCOPE, *path_ids(region_path)]


def shared_ancestor_path(path: str, others: Iterable[str]) -> str | None:
    """The deepest region path that `path` shares with any of `others` ("/" + ... + "/"),
    "" when they share only the instance, None when `others` is empty."""
    mine = path_ids(path)
    best: int | None = None
    for other in others:
        theirs = path_ids(other)
        common = 0
        while common < min(len(mine), len(theirs)) and mine[common] == theirs[common]:
            common += 1
        best = common if best is None else max(best, common)
    if best is None:
        return None
    return "/" + "".join(f"{i}/" for i in mine[:best]) if best else ""


def pairing_counts(session: Session) -> Counter[tuple[int, str, int]]:
    """Every pairing counter, computed from the tables: {(scope, metric, bucket): value}."""
    counts: Counter[tuple[int, str, int]] = Counter()
    pairing = Pairing.__table__  # type: ignore[attr-defined]
    active = pairing.c.status == PairingStatus.ACTIVE.value
    for path, number in session.execute(
        sa.select(pairing.c.region_path, sa.func.count())
        .where(active)
        .group_by(pairing.c.region_path)
    ):
        for scope in scopes_for(path):
            counts[(scope, PAIRINGS_ACTIVE, 0)] += int(number)

    enterprise_scopes: dict[int, set[int]] = {}
    village_paths: set[str] = set()
    for helper_id, path in session.execute(
        sa.select(pairing.c.helper_id, pairing.c.region_path)
        .where(active, pairing.c.kind == PairingKind.ENTERPRISE_VILLAGE.value)
        .distinct()
    ):
        enterprise_scopes.setdefault(helper_id, set()).update(scopes_for(path))
        village_paths.add(path)
    for scopes in enterprise_scopes.values():
        for scope in scopes:
            counts[(scope, ENTERPRISES_PAIRED, 0)] += 1
    for path in village_paths:
        for scope in scopes_for(path):
            counts[(scope, VILLAGES_PAIRED, 0)] += 1

    for path, accepted_at in session.execute(
        sa.select(pairing.c.region_path, pairing.c.accepted_at).where(
            pairing.c.accepted_at.is_not(None)
        )
    ):
        for scope in scopes_for(path):
            counts[(scope, PAIRINGS_STARTED_BY_MONTH, month_bucket(accepted_at))] += 1
    return counts


def rebuild_pairing_stats(session: Session) -> None:
    """Replace the pairing counters with a recount from the tables: after bulk loads (the
    demo), or to repair drift. `api.stats.service.rebuild_stats` leaves these alone. On
    PostgreSQL the table is locked first, as `rebuild_stats` does. The caller commits."""
    table = RegionStat.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE region_stat IN EXCLUSIVE MODE"))
    session.execute(sa.delete(table).where(table.c.metric.in_(METRICS)))
    rows = [
        {"scope_id": scope, "metric": metric, "bucket": bucket, "value": value}
        for (scope, metric, bucket), value in sorted(pairing_counts(session).items())
        if value
    ]
    if rows:
        session.execute(sa.insert(table), rows)
