"""The demo campaigns: every status, consistent money (the autouse check balances the
books), raised equal to the backings received and kept, refunded to those given back,
and no household's village in a title."""

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
            kept, given_back = (
                session.execute(
                    sa.select(
                        sa.func.coalesce(sa.func.sum(Backing.amount_minor), 0), sa.func.count()
                    ).where(Backing.campaign_id == campaign.id, Backing.status == status)
                ).one()
                for status in (BackingStatus.RECEIVED, BackingStatus.REFUNDED)
            )
            assert (campaign.raised_minor, campaign.backers_count) == tuple(kept)
            assert (campaign.refunded_minor, campaign.refunded_count) == tuple(given_back)
            if campaign.status in (CampaignStatus.REFUNDED, CampaignStatus.CANCELLED):
                assert campaign.raised_minor == 0


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


def test_demo_household_campaigns_name_no_village(world):
    """A title is public: a household's campaign names its county, never its village."""
    from api.households.models import Household
    from api.regions.models import Region

    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(3), instance=world.settings.instance, today=utcnow().date()
        )
    with Session(world.engine) as session:
        rows = session.execute(
            sa.select(Campaign.title, Region.name)
            .join(Household, Household.id == Campaign.household_id)  # type: ignore[arg-type]
            .join(Region, Region.id == Household.region_id)  # type: ignore[arg-type]
        ).all()
    assert rows, "the demo has household campaigns"
    for title, village in rows:
        assert village not in title
        assert title.endswith(world.regions["P1-A-C1"].name) or title.endswith(
            world.regions["P1-A-C2"].name
        )
