"""The public pairing ledger's period comes written by the API, in the reader's locale: a
period is made of calendar days, so no time zone moves them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from babel.dates import format_date

from api.core.db import unit_of_work
from api.pairing.models import Pairing
from tests.pairing import factories as p

LEDGER = """{ pairings(first: 5) { nodes {
  periodStart periodStartFormatted periodEnd periodEndFormatted
  longEnd: periodEndFormatted(style: LONG) } } }"""
START, END = date(2026, 3, 9), date(2027, 12, 31)


def _paired(world) -> None:
    pairing_id = p.active(world)
    with unit_of_work(world.engine) as session:
        session.execute(
            sa.update(Pairing)
            .where(Pairing.id == pairing_id)  # type: ignore[arg-type]
            .values(period_start=START, period_end=END)
        )


def test_the_period_is_written_in_the_readers_locale(api, world):
    _paired(world)
    for locale in ("fr", "ar", "zh_Hans"):
        [pairing] = api.data(LEDGER, locale=locale)["pairings"]["nodes"]
        assert pairing["periodStart"] == "2026-03-09"
        assert pairing["periodStartFormatted"] == format_date(START, "medium", locale=locale)
        assert pairing["periodEndFormatted"] == format_date(END, "medium", locale=locale)
        assert pairing["longEnd"] == format_date(END, "long", locale=locale)
    [french] = api.data(LEDGER, locale="fr")["pairings"]["nodes"]
    assert french["longEnd"] == "31 décembre 2027"


def test_a_calendar_day_stays_the_same_in_any_instance_zone(zoned_api, world):
    _paired(world)
    [pairing] = zoned_api.data(LEDGER, locale="ar")["pairings"]["nodes"]
    assert pairing["periodStartFormatted"] == format_date(START, "medium", locale="ar")
