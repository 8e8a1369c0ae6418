"""Reading the participation sections' counters: money by currency, counts, and monthly
series. The sections keep these counters in `region_stat` through their services; this
module only names them and reads them, a constant number of statements at any size.

Money counters are named `<prefix><CURRENCY>` and hold minor units; monthly series use
bucket = year * 12 + month. Currencies are never converted or summed together."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Session

from api.stats.models import RegionStat

# Totals (bucket 0) of money by currency, or summed over monthly buckets.
MONEY_DONATED = "donated:"
MALL_SALES = "mall_sales:"
CAMPAIGN_RAISED = "campaign_raised:"  # monthly buckets only; the total is their sum
MONEY_TOTALS = (MONEY_DONATED, MALL_SALES, CAMPAIGN_RAISED)

# Plain counters (bucket 0).
MALL_ORDERS_COMPLETED = "mall_orders_completed"
HOUSEHOLDS_WITH_EBUSINESS_INCOME = "mall_ebiz_households"
CAMPAIGNS_FUNDED = "campaigns_funded"
PAIRINGS_ACTIVE = "pairings_active"
ENTERPRISES_PAIRED = "enterprises_paired"
VILLAGES_PAIRED = "villages_paired"
COUNTERS = (
    MALL_ORDERS_COMPLETED,
    HOUSEHOLDS_WITH_EBUSINESS_INCOME,
    CAMPAIGNS_FUNDED,
    PAIRINGS_ACTIVE,
    ENTERPRISES_PAIRED,
    VILLAGES_PAIRED,
)

# Monthly flows kept by the registry itself (api/households/service.py).
HOUSEHOLDS_LIFTED_OUT_BY_MONTH = "households_lifted_out_month"


class Series(Enum):
    """A monthly series: the metric (or money prefix) and whether it is money."""

    MONEY_DONATED = ("donated_month:", True)
    MALL_SALES = ("mall_sales_month:", True)
    CAMPAIGN_MONEY_RAISED = (CAMPAIGN_RAISED, True)
    PAIRINGS_STARTED = ("pairings_started_month", False)
    HOUSEHOLDS_LIFTED_OUT = (HOUSEHOLDS_LIFTED_OUT_BY_MONTH, False)

    @property
    def metric(self) -> str:
        return str(self.value[0])

    @property
    def is_money(self) -> bool:
        return bool(self.value[1])


def month_bucket(day: date) -> int:
    return day.year * 12 + day.month


def bucket_label(bucket: int) -> str:
    year, month = divmod(bucket - 1, 12)
    return f"{year:04d}-{month + 1:02d}"


@dataclass(frozen=True)
class SectionTotals:
    money: dict[str, dict[str, int]]  # prefix -> currency -> minor units
    counters: dict[str, int]


def _table() -> sa.Table:
    return RegionStat.__table__  # type: ignore[attr-defined]


def read_section_totals(session: Session, *, scope_id: int) -> SectionTotals:
    """Every section total of one scope in one statement."""
    table = _table()
    prefixes = sa.or_(
        *(table.c.metric.startswith(prefix, autoescape=True) for prefix in MONEY_TOTALS)
    )
    rows = session.execute(
        sa.select(table.c.metric, sa.func.sum(table.c.value))
        .where(table.c.scope_id == scope_id)
        .where(sa.or_(prefixes, sa.and_(table.c.metric.in_(COUNTERS), table.c.bucket == 0)))
        .group_by(table.c.metric)
    ).all()
    money: dict[str, dict[str, int]] = {prefix: {} for prefix in MONEY_TOTALS}
    counters = dict.fromkeys(COUNTERS, 0)
    for metric, total in rows:
        value = int(total or 0)
        if metric in counters:
            counters[metric] = value
            continue
        for prefix in MONEY_TOTALS:
            if metric.startswith(prefix) and value:
                money[prefix][metric.removeprefix(prefix)] = value
    return SectionTotals(money=money, counters=counters)


@dataclass(frozen=True)
class MonthValue:
    bucket: int
    count: int
    amounts: dict[str, int]  # currency -> minor units (money series only)


def read_monthly(
    session: Session, *, scope_id: int, series: Series, first: date, last: date
) -> list[MonthValue]:
    """One row per month from `first` to `last` inclusive (zeros included), one statement."""
    table = _table()
    low, high = month_bucket(first), month_bucket(last)
    metric_condition = (
        table.c.metric.startswith(series.metric, autoescape=True)
        if series.is_money
        else table.c.metric == series.metric
    )
    rows = session.execute(
        sa.select(table.c.metric, table.c.bucket, sa.func.sum(table.c.value))
        .where(table.c.scope_id == scope_id, metric_condition)
        .where(table.c.bucket.between(low, high))
        .group_by(table.c.metric, table.c.bucket)
    ).all()
    counts: dict[int, int] = defaultdict(int)
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    for metric, bucket, total in rows:
        if series.is_money:
            currency = metric.removeprefix(series.metric)
            if total:
                amounts[bucket][currency] = int(total)
        else:
            counts[bucket] += int(total or 0)
    return [
        MonthValue(bucket=b, count=counts.get(b, 0), amounts=dict(sorted(amounts[b].items())))
        for b in range(low, high + 1)
    ]
