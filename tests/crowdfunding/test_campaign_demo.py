"""The demo campaigns: every status, consistent money (the autouse check balances the
books), raised equal to the received backings."""

from __future__ import annotations

import random

import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work, utcnow
from api.crowdfunding import demo
from api.crowdfunding.models import Backing, BackingStatus, Campaign, CampaignStatus


def test_demo_campaigns_cover_every_lasting_status(world):
    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(1), instance=world.settings.instance, today=utcnow().date()
        )
    with Session(world.engine) as session:
        campaigns = session.exec(sa.select(Campaign)).scalars().all()  # type: ignore[call-overload]
        assert len(campaigns) == len(demo.PLAN)
        assert {c.status for c in campaigns} == {
            s.value
            for s in CampaignStatus
            if s not in (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED)
        }
        for campaign in campaigns:
            received = session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(Backing.amount_minor), 0)).where(
                    Backing.campaign_id == campaign.id,
                    Backing.status.in_([BackingStatus.RECEIVED, BackingStatus.REFUNDED]),  # type: ignore[attr-defined]
                )
            ).scalar_one()
            assert campaign.raised_minor == received


def test_rebuilt_counters_equal_the_incremental_ones(world):
    from api.crowdfunding import metrics
    from tests.help_requests.factories import stat

    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(2), instance=world.settings.instance, today=utcnow().date()
        )
    with Session(world.engine) as session:
        facts = list(metrics.rebuild_facts(session))
    totals: dict[tuple[str, int], int] = {}
    for _path, metric, value, bucket in facts:
        totals[(metric, bucket)] = totals.get((metric, bucket), 0) + value
    assert totals[(metrics.CAMPAIGNS_FUNDED, 0)] == 3
    for (metric, bucket), value in totals.items():
        assert stat(world.engine, metric, bucket=bucket) == value
