"""The campaign page's dates and counts come written by the API: an update's day, a backer's
day, the backers count, and a backing's days, in the reader's locale and the instance's
time zone, so no client formats them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from babel.dates import format_date
from babel.numbers import format_decimal

from api.core.db import unit_of_work
from api.crowdfunding import service
from api.crowdfunding.models import Backing, Campaign, CampaignPost
from tests.crowdfunding import factories as c
from tests.help_requests.factories import gid

# 20:30 UTC on 9 March is already 10 March in the instance's zone (Asia/Shanghai).
EVENING = datetime(2026, 3, 9, 20, 30, tzinfo=UTC)
UTC_DAY, LOCAL_DAY = date(2026, 3, 9), date(2026, 3, 10)

CAMPAIGN = """query($id: ID!) { node(id: $id) { ... on Campaign {
  backersCount backersCountFormatted
  updates(first: 5) { createdAt createdAtFormatted long: createdAtFormatted(style: LONG) }
  backers(first: 5) { nodes { receivedAt receivedAtFormatted } }
} } }"""
BACKING = """query($id: ID!) { node(id: $id) { ... on Backing {
  createdAtFormatted receivedAtFormatted long: receivedAtFormatted(style: LONG)
} } }"""


def _campaign_with_an_update_and_a_backer(world) -> tuple[int, int, int]:
    campaign_id = c.active(world)
    with unit_of_work(world.engine) as session:
        post = service.post_update(
            session,
            actor=world.principal(world.caseworker),
            campaign_id=campaign_id,
            title="Digging started",
            body="The foundations are in.",
        )
    backing_id = c.received(world, campaign_id)
    pending_id = c.back(world, campaign_id, backer_name="Later Backer")
    with unit_of_work(world.engine) as session:
        session.execute(
            sa.update(CampaignPost)
            .where(CampaignPost.id == post.id)  # type: ignore[arg-type]
            .values(created_at=EVENING)
        )
        session.execute(
            sa.update(Backing)
            .where(Backing.id.in_([backing_id, pending_id]))  # type: ignore[union-attr]
            .values(created_at=EVENING)
        )
        session.execute(
            sa.update(Backing)
            .where(Backing.id == backing_id)  # type: ignore[arg-type]
            .values(received_at=EVENING)
        )
        # Enough backers to show the locale's grouping.
        session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            .values(backers_count=12_345)
        )
    return campaign_id, backing_id, pending_id


def test_the_campaign_page_reads_its_days_and_count_in_the_readers_locale(api, world):
    campaign_id, _backing, _pending = _campaign_with_an_update_and_a_backer(world)
    for locale in ("fr", "ar", "zh_Hans"):
        node = api.data(CAMPAIGN, {"id": gid("Campaign", campaign_id)}, locale=locale)["node"]
        assert node["backersCount"] == 12_345
        assert node["backersCountFormatted"] == format_decimal(12_345, locale=locale)
        [update] = node["updates"]
        assert update["createdAtFormatted"] == format_date(UTC_DAY, "medium", locale=locale)
        assert update["long"] == format_date(UTC_DAY, "long", locale=locale)
        [backer] = node["backers"]["nodes"]
        assert backer["receivedAtFormatted"] == format_date(UTC_DAY, "medium", locale=locale)
    french = api.data(CAMPAIGN, {"id": gid("Campaign", campaign_id)}, locale="fr")["node"]
    assert french["backersCountFormatted"] == "12\u202f345"
    assert french["updates"][0]["long"] == "9 mars 2026"


def test_the_days_are_the_instances_local_days(zoned_api, world):
    campaign_id, backing_id, _pending = _campaign_with_an_update_and_a_backer(world)
    node = zoned_api.data(CAMPAIGN, {"id": gid("Campaign", campaign_id)}, locale="ar")["node"]
    assert node["updates"][0]["createdAt"].startswith("2026-03-09T20:30")
    assert node["updates"][0]["createdAtFormatted"] == format_date(LOCAL_DAY, "medium", locale="ar")
    assert node["backers"]["nodes"][0]["receivedAtFormatted"] == format_date(
        LOCAL_DAY, "medium", locale="ar"
    )
    backing = zoned_api.data(
        BACKING, {"id": gid("Backing", backing_id)}, token=world.admin.token, locale="fr"
    )["node"]
    assert backing == {
        "createdAtFormatted": format_date(LOCAL_DAY, "medium", locale="fr"),
        "receivedAtFormatted": format_date(LOCAL_DAY, "medium", locale="fr"),
        "long": "10 mars 2026",
    }


def test_a_pending_backing_has_no_received_day(api, world):
    _campaign, _backing, pending_id = _campaign_with_an_update_and_a_backer(world)
    backing = api.data(
        BACKING, {"id": gid("Backing", pending_id)}, token=world.admin.token, locale="ar"
    )["node"]
    assert backing == {
        "createdAtFormatted": format_date(UTC_DAY, "medium", locale="ar"),
        "receivedAtFormatted": None,
        "long": None,
    }
