"""Counters of crowdfunding kept in `region_stat` (api/stats), for the campaign's region,
its ancestors and the instance.

"campaigns_funded" counts campaigns that reached their outcome SUCCEEDED (bucket 0).
"campaign_raised:<CUR>" is money received for campaigns in that currency's minor units,
bucket = year * 12 + month of receipt; a refund subtracts from the month it was received,
so the figure is money kept by campaigns. Currencies are never converted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

CAMPAIGNS_FUNDED = "campaigns_funded"
CAMPAIGN_RAISED_BY_MONTH = "campaign_raised:"


def raised_metric(currency: str) -> str:
    return CAMPAIGN_RAISED_BY_MONTH + currency


def month_bucket(moment: datetime) -> int:
    return moment.year * 12 + moment.month


def rebuild_facts(session: Any) -> Iterator[tuple[str | None, str, int, int]]:
    """The counters above recomputed from the tables, as (region_path, metric, value,
    bucket) for `api.stats.service.rebuild_stats` to add to every scope (it wipes
    `region_stat` first, so without this the crowdfunding counters would be lost)."""
    from collections import Counter

    import sqlalchemy as sa

    from api.crowdfunding.models import Backing, BackingStatus, Campaign, CampaignStatus

    campaign, backing = Campaign.__table__, Backing.__table__  # type: ignore[attr-defined]
    for path, funded in session.execute(
        sa.select(campaign.c.region_path, sa.func.count())
        .where(campaign.c.status == CampaignStatus.DISBURSED.value)
        .group_by(campaign.c.region_path)
    ):
        yield path, CAMPAIGNS_FUNDED, int(funded), 0
    raised: Counter[tuple[str, str, int]] = Counter()
    for path, currency, amount, received_at in session.execute(
        sa.select(
            campaign.c.region_path,
            backing.c.currency,
            backing.c.amount_minor,
            backing.c.received_at,
        )
        .join(campaign, campaign.c.id == backing.c.campaign_id)
        .where(backing.c.status == BackingStatus.RECEIVED.value)
    ):
        raised[(path, currency, month_bucket(received_at))] += int(amount)
    for (path, currency, bucket), total in sorted(raised.items()):
        yield path, raised_metric(currency), total, bucket
