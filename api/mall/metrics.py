"""Counters of the mall kept in `region_stat` (api/stats), bumped when an order completes.

Amounts are per currency, never converted: "mall_sales:CNY" is the value of completed
sales in CNY minor units, for the product's origin region, its ancestors and the
instance; "mall_sales_month:CNY" the same per month (bucket = year * 12 + month of the
completion). "mall_orders_completed" counts completed orders in the seller's region.
"mall_ebiz_households" counts producing households with at least one completed sale, in
the household's region: it is bumped on a household's first completed sale only."""

from __future__ import annotations

from datetime import datetime

SALES = "mall_sales:"
SALES_BY_MONTH = "mall_sales_month:"
ORDERS_COMPLETED = "mall_orders_completed"
EBIZ_HOUSEHOLDS = "mall_ebiz_households"
PREFIX = "mall_"


def sales_metric(currency: str) -> str:
    return SALES + currency


def sales_by_month_metric(currency: str) -> str:
    return SALES_BY_MONTH + currency


def month_bucket(moment: datetime) -> int:
    return moment.year * 12 + moment.month
