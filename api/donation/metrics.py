"""Counters of donations kept in `region_stat` (api/stats), for the target's region, its
ancestors and the instance (general-fund donations: the instance only).

Amounts are per currency, never converted: "donated:USD" is the total received in USD
minor units (bucket 0); "donated_month:USD" the same per month, bucket = year * 12 +
month of the receipt (a number that orders months). A refund subtracts from the
month the money was received."""

from __future__ import annotations

from datetime import datetime

DONATED = "donated:"
DONATED_BY_MONTH = "donated_month:"
DONATIONS_RECEIVED = "donations_received"  # count, bucket 0


def donated_metric(currency: str) -> str:
    return DONATED + currency


def donated_by_month_metric(currency: str) -> str:
    return DONATED_BY_MONTH + currency


def month_bucket(moment: datetime) -> int:
    return moment.year * 12 + moment.month
