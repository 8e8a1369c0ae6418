"""Keeping statistics current (one upsert per scope, atomic on SQLite and PostgreSQL),
reading them at constant cost, and rebuilding them from the tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from api.help_requests.models import HelpRequest, RequestStatus
from api.helpers.models import Helper, HelperKind
from api.households.models import Household, HouseholdStatusChange, PovertyStatus
from api.pledges.models import Pledge
from api.regions.models import Region
from api.stats.metrics import (
    ANSWER_WINDOW_DAYS,
    DAYS_TO_FIRST_PLEDGE,
    HELPERS_REGISTERED,
    HOUSEHOLDS_LIFTED_OUT,
    HOUSEHOLDS_REGISTERED,
    INSTANCE_SCOPE,
    PLEDGES_DELIVERED,
    REQUESTS_ANSWERED_90D_BY_DAY,
    REQUESTS_MADE,
    REQUESTS_MET,
    REQUESTS_PUBLISHED_BY_DAY,
    helpers_metric,
)
from api.stats.models import RegionStat
from api.stats.sections import HOUSEHOLDS_LIFTED_OUT_BY_MONTH

EPOCH = date(1970, 1, 1)


def day_number(moment: datetime | date) -> int:
    day = moment.date() if isinstance(moment, datetime) else moment
    return (day - EPOCH).days


def scopes_for(region_path: str | None) -> list[int]:
    """The instance scope plus every region from the root down to this one."""
    ids = [int(part) for part in (region_path or "").strip("/").split("/") if part]
    return [INSTANCE_SCOPE, *ids]


def bump(
    session: Session, region_path: str | None, metric: str, delta: int = 1, bucket: int = 0
) -> None:
    """Add `delta` to a counter in every scope of the region (the instance only if None)."""
    if delta == 0:
        return
    rows = [
        {"scope_id": scope, "metric": metric, "bucket": bucket, "value": delta}
        for scope in scopes_for(region_path)
    ]
    table = RegionStat.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.on_conflict_do_update(
        index_elements=["scope_id", "metric", "bucket"],
        set_={"value": table.c.value + insert.excluded.value},
    )
    session.execute(statement, rows)


# --- Reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsSnapshot:
    """Headline figures of one scope (a region, or the instance when `scope_id` is 0)."""

    scope_id: int
    households_registered: int
    # Helpers have no region: always the instance-wide counts, every known kind present.
    helpers_by_kind: Mapping[str, int]
    requests_made: int
    requests_met: int
    # Share of requests answered within 90 days, over cohorts whose window has closed.
    answered_within_90_days_share: float | None
    median_days_to_first_pledge: float | None
    pledges_delivered: int
    households_lifted_out: int
    # What the share and the median are computed over (for withholding small ones).
    requests_in_closed_cohorts: int = 0
    requests_with_first_pledge: int = 0


_PLAIN_COUNTERS = (
    HOUSEHOLDS_REGISTERED,
    HOUSEHOLDS_LIFTED_OUT,
    REQUESTS_MADE,
    REQUESTS_MET,
    PLEDGES_DELIVERED,
    DAYS_TO_FIRST_PLEDGE,  # read per bucket: the histogram has one row per whole day
)
_COHORT_COUNTERS = (REQUESTS_PUBLISHED_BY_DAY, REQUESTS_ANSWERED_90D_BY_DAY)


def read_stats(session: Session, *, scope_id: int, today: date) -> StatsSnapshot:
    """Figures for one scope in a single statement over `region_stat` (primary-key range
    reads), so the cost does not grow with the number of households or requests.

    The per-day cohort counters are summed in SQL over closed cohorts (published at least
    `ANSWER_WINDOW_DAYS` days before `today`), so their many buckets never reach Python."""
    table = _stat_table()
    cutoff = day_number(today) - ANSWER_WINDOW_DAYS
    plain = sa.select(table.c.metric, table.c.bucket, table.c.value).where(
        table.c.scope_id == scope_id, table.c.metric.in_(_PLAIN_COUNTERS)
    )
    cohorts = (
        sa.select(table.c.metric, sa.literal(0).label("bucket"), sa.func.sum(table.c.value))
        .where(
            table.c.scope_id == scope_id,
            table.c.metric.in_(_COHORT_COUNTERS),
            table.c.bucket <= cutoff,
        )
        .group_by(table.c.metric)
    )
    helpers = sa.select(table.c.metric, table.c.bucket, table.c.value).where(
        table.c.scope_id == INSTANCE_SCOPE,
        table.c.metric.startswith(HELPERS_REGISTERED, autoescape=True),
    )
    totals: dict[str, int] = defaultdict(int)
    histogram: dict[int, int] = defaultdict(int)
    for metric, bucket, value in session.execute(sa.union_all(plain, cohorts, helpers)):
        if metric == DAYS_TO_FIRST_PLEDGE:
            histogram[int(bucket)] += int(value)
        else:
            totals[metric] += int(value or 0)
    helpers_by_kind = {kind.value: 0 for kind in HelperKind}
    for metric, value in totals.items():
        if metric.startswith(HELPERS_REGISTERED):
            helpers_by_kind[metric.removeprefix(HELPERS_REGISTERED)] = value
    published = totals[REQUESTS_PUBLISHED_BY_DAY]
    return StatsSnapshot(
        scope_id=scope_id,
        households_registered=totals[HOUSEHOLDS_REGISTERED],
        helpers_by_kind=helpers_by_kind,
        requests_made=totals[REQUESTS_MADE],
        requests_met=totals[REQUESTS_MET],
        answered_within_90_days_share=(
            totals[REQUESTS_ANSWERED_90D_BY_DAY] / published if published > 0 else None
        ),
        median_days_to_first_pledge=histogram_median(histogram),
        pledges_delivered=totals[PLEDGES_DELIVERED],
        households_lifted_out=totals[HOUSEHOLDS_LIFTED_OUT],
        requests_in_closed_cohorts=published,
        requests_with_first_pledge=sum(histogram.values()),
    )


def histogram_median(histogram: Mapping[int, int]) -> float | None:
    """Median of the values a histogram counts (bucket -> count); with an even number of
    values, the mean of the two middle ones. None when it counts nothing."""
    buckets = sorted((bucket, count) for bucket, count in histogram.items() if count > 0)
    total = sum(count for _, count in buckets)
    if total == 0:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle
    lower: int | None = None
    upper: int | None = None
    seen = 0
    for bucket, count in buckets:
        if lower is None and lower_rank < seen + count:
            lower = bucket
        if upper_rank < seen + count:
            upper = bucket
            break
        seen += count
    assert lower is not None and upper is not None
    return (lower + upper) / 2


def whole_days_between(start: datetime, end: datetime) -> int:
    """Whole days elapsed from `start` to `end`, rounded down: the bucket of
    `days_to_first_pledge`. `rebuild_stats` computes exactly this in SQL."""
    return (end - start) // timedelta(days=1)


def answered_in_window(published_at: datetime, first_pledge_at: datetime) -> bool:
    """True when the first pledge came less than `ANSWER_WINDOW_DAYS` days after
    publication: the condition for `requests_answered_90d_by_day`."""
    return whole_days_between(published_at, first_pledge_at) < ANSWER_WINDOW_DAYS


# --- Rebuilding ----------------------------------------------------------------------------

_INSERT_CHUNK = 10_000
_MICROSECONDS_PER_DAY = 86_400_000_000


CORE_METRICS = (
    HOUSEHOLDS_REGISTERED,
    HOUSEHOLDS_LIFTED_OUT,
    REQUESTS_MADE,
    REQUESTS_PUBLISHED_BY_DAY,
    REQUESTS_ANSWERED_90D_BY_DAY,
    REQUESTS_MET,
    DAYS_TO_FIRST_PLEDGE,
    PLEDGES_DELIVERED,
    HOUSEHOLDS_LIFTED_OUT_BY_MONTH,
)


def rebuild_stats(session: Session) -> None:
    """Recompute every counter from the tables: after bulk loads, or to repair drift.

    Each fact is counted with one GROUP BY per table at the level of the leaf region path;
    Python adds each group to the instance and every ancestor, as `bump` would. Counters
    that are zero are not written (incremental bumps may leave zero rows; they read the
    same). On PostgreSQL the table is locked first so concurrent bumps wait for the new
    figures instead of being wiped by them. The caller commits.

    Only the registry → request → pledge counters are rebuilt; the sections' own counters
    (donations, mall, crowdfunding, pairing) are kept by their services and left alone."""
    table = _stat_table()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.text("LOCK TABLE region_stat IN EXCLUSIVE MODE"))
    session.execute(
        sa.delete(table).where(
            sa.or_(
                table.c.metric.in_(CORE_METRICS),
                table.c.metric.startswith(HELPERS_REGISTERED, autoescape=True),
            )
        )
    )
    counts: Counter[tuple[int, str, int]] = Counter()
    scopes_by_path: dict[str | None, list[int]] = {}

    def add(region_path: str | None, metric: str, value: int, bucket: int = 0) -> None:
        if not value:
            return
        scopes = scopes_by_path.get(region_path)
        if scopes is None:
            scopes = scopes_by_path[region_path] = scopes_for(region_path)
        for scope in scopes:
            counts[(scope, metric, bucket)] += value

    household, region = Household.__table__, Region.__table__  # type: ignore[attr-defined]
    lifted = sa.func.sum(
        sa.case((household.c.poverty_status == PovertyStatus.LIFTED_OUT.value, 1), else_=0)
    )
    for path, registered, lifted_out in session.execute(
        sa.select(region.c.path, sa.func.count(), lifted)
        .select_from(household.join(region, household.c.region_id == region.c.id))
        .group_by(region.c.path)
    ):
        add(path, HOUSEHOLDS_REGISTERED, int(registered))
        add(path, HOUSEHOLDS_LIFTED_OUT, int(lifted_out or 0))

    # Each recorded lift out of poverty, by the month it took effect (a flow, not a stock).
    changes = HouseholdStatusChange.__table__  # type: ignore[attr-defined]
    for path, effective_on in session.execute(
        sa.select(region.c.path, changes.c.effective_on)
        .select_from(
            changes.join(household, changes.c.household_id == household.c.id).join(
                region, household.c.region_id == region.c.id
            )
        )
        .where(changes.c.status == PovertyStatus.LIFTED_OUT.value)
    ):
        add(path, HOUSEHOLDS_LIFTED_OUT_BY_MONTH, 1, effective_on.year * 12 + effective_on.month)

    helper = Helper.__table__  # type: ignore[attr-defined]
    for kind, registered in session.execute(
        sa.select(helper.c.kind, sa.func.count()).group_by(helper.c.kind)
    ):
        add(None, helpers_metric(kind), int(registered))

    request = HelpRequest.__table__  # type: ignore[attr-defined]
    # Submitted at some point, whatever happened since (a withdrawn draft never was).
    made = sa.func.sum(sa.case((request.c.submitted_at.is_not(None), 1), else_=0))
    met = sa.func.sum(sa.case((request.c.status == RequestStatus.FULFILLED.value, 1), else_=0))
    for path, made_count, met_count in session.execute(
        sa.select(request.c.region_path, made, met).group_by(request.c.region_path)
    ):
        add(path, REQUESTS_MADE, int(made_count or 0))
        add(path, REQUESTS_MET, int(met_count or 0))

    # One group per (path, publication day, whole days to first pledge or NULL).
    published_day, days_to_pledge = _day_expressions(dialect)
    for path, day, days, number in session.execute(
        sa.select(
            request.c.region_path,
            published_day.label("published_day"),
            days_to_pledge.label("days_to_pledge"),
            sa.func.count(),
        )
        .where(request.c.published_at.is_not(None))
        .group_by(request.c.region_path, sa.text("published_day"), sa.text("days_to_pledge"))
    ):
        add(path, REQUESTS_PUBLISHED_BY_DAY, int(number), int(day))
        if days is not None:
            add(path, DAYS_TO_FIRST_PLEDGE, int(number), int(days))
            if int(days) < ANSWER_WINDOW_DAYS:
                add(path, REQUESTS_ANSWERED_90D_BY_DAY, int(number), int(day))

    pledge = Pledge.__table__  # type: ignore[attr-defined]
    for path, delivered in session.execute(
        sa.select(request.c.region_path, sa.func.count())
        .select_from(pledge.join(request, pledge.c.request_id == request.c.id))
        .where(pledge.c.delivered_at.is_not(None))
        .group_by(request.c.region_path)
    ):
        add(path, PLEDGES_DELIVERED, int(delivered))

    rows = [
        {"scope_id": scope, "metric": metric, "bucket": bucket, "value": value}
        for (scope, metric, bucket), value in sorted(counts.items())
        if value
    ]
    for start in range(0, len(rows), _INSERT_CHUNK):
        session.execute(sa.insert(table), rows[start : start + _INSERT_CHUNK])


def _day_expressions(dialect: str) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """SQL for `day_number(published_at)` and `whole_days_between(published_at,
    first_pledge_at)`, in exact integer arithmetic (no float rounding at day edges).

    SQLite stores UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text; PostgreSQL as
    timestamptz. Literal SQL without bind parameters, so GROUP BY matches the select."""
    published, pledged = "help_request.published_at", "help_request.first_pledge_at"
    if dialect == "postgresql":
        day = f"(({published} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
        days = f"CAST(FLOOR(EXTRACT(EPOCH FROM ({pledged} - {published})) / 86400) AS INTEGER)"
        return sa.literal_column(day), sa.literal_column(days)
    if dialect != "sqlite":
        raise NotImplementedError(f"rebuild_stats does not support {dialect}")
    day = f"CAST(julianday(substr({published}, 1, 10)) - 2440587.5 AS INTEGER)"

    def micros(column: str) -> str:
        seconds = f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"
        return f"({seconds} * 1000000 + CAST(substr({column}, 21, 6) AS INTEGER))"

    elapsed = f"({micros(pledged)} - {micros(published)})"
    # SQLite's integer division truncates toward zero; shift negatives to floor like Python.
    floor_shift = f"(CASE WHEN {elapsed} < 0 THEN {_MICROSECONDS_PER_DAY - 1} ELSE 0 END)"
    days = f"(({elapsed} - {floor_shift}) / {_MICROSECONDS_PER_DAY})"
    return sa.literal_column(day), sa.literal_column(days)


def _stat_table() -> sa.Table:
    return RegionStat.__table__  # type: ignore[attr-defined]


__all__ = [
    "StatsSnapshot",
    "answered_in_window",
    "bump",
    "day_number",
    "histogram_median",
    "read_stats",
    "rebuild_stats",
    "sa",
    "scopes_for",
    "whole_days_between",
]
