"""The donation wall's days come written by the API: the day the money arrived, in the
reader's locale and the instance's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from babel.dates import format_date

from api.core.db import unit_of_work
from api.donation.models import Donation
from tests.donation import factories as d

# 20:30 UTC on 9 March is already 10 March in the instance's zone (Asia/Shanghai).
EVENING = datetime(2026, 3, 9, 20, 30, tzinfo=UTC)
WALL = """{ donationWall(first: 5) { nodes {
  receivedAt receivedAtFormatted full: receivedAtFormatted(style: FULL) } } }"""


def _received_in_the_evening(world) -> None:
    donation_id, _reference = d.donate(world.engine, world.settings)
    d.reconcile(world.engine, world.principal(world.admin), donation_id)
    with unit_of_work(world.engine) as session:
        session.execute(
            sa.update(Donation)
            .where(Donation.id == donation_id)  # type: ignore[arg-type]
            .values(received_at=EVENING)
        )


def test_the_wall_writes_the_day_in_the_readers_locale(api, world):
    _received_in_the_evening(world)
    for locale in ("fr", "ar", "zh_Hans"):
        [entry] = api.data(WALL, locale=locale)["donationWall"]["nodes"]
        assert entry["receivedAtFormatted"] == format_date(
            date(2026, 3, 9), "medium", locale=locale
        )
        assert entry["full"] == format_date(date(2026, 3, 9), "full", locale=locale)
    [french] = api.data(WALL, locale="fr")["donationWall"]["nodes"]
    assert french["full"] == "lundi 9 mars 2026"


def test_the_wall_day_is_the_instances_local_day(zoned_api, world):
    _received_in_the_evening(world)
    [entry] = zoned_api.data(WALL, locale="ar")["donationWall"]["nodes"]
    assert entry["receivedAt"].startswith("2026-03-09T20:30")
    assert entry["receivedAtFormatted"] == format_date(date(2026, 3, 10), "medium", locale="ar")
