"""A request's counts come written by the API in the reader's locale: how many units of a
need in kind, and how many people live in the household (also where the household shows
elsewhere, e.g. a product's producer)."""

from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import format_decimal

from api.core.db import unit_of_work
from api.help_requests.service import Item
from api.households.models import Household
from tests.help_requests import factories as hr

QUERY = """query($id: ID!) { node(id: $id) { ... on HelpRequest {
  items { quantity quantityFormatted unit }
  household { membersCount membersCountFormatted }
} } }"""


def test_quantities_and_household_size_are_written_in_the_readers_locale(api, world):
    request_id = hr.published(world, items=[Item(name="Bricks", quantity=12_500, unit="pieces")])
    with unit_of_work(world.engine) as session:
        # A large (extended) household, so the locale's grouping shows.
        session.execute(
            sa.update(Household)
            .where(Household.id == world.household)  # type: ignore[arg-type]
            .values(members_count=1_024)
        )
    for locale in ("fr", "ar", "zh_Hans"):
        node = api.data(QUERY, {"id": hr.gid("HelpRequest", request_id)}, locale=locale)["node"]
        assert node["items"] == [
            {
                "quantity": 12_500,
                "quantityFormatted": format_decimal(12_500, locale=locale),
                "unit": "pieces",
            }
        ]
        assert node["household"] == {
            "membersCount": 1_024,
            "membersCountFormatted": format_decimal(1_024, locale=locale),
        }
    french = api.data(QUERY, {"id": hr.gid("HelpRequest", request_id)}, locale="fr")["node"]
    assert french["items"][0]["quantityFormatted"] == "12\u202f500"
    assert french["household"]["membersCountFormatted"] == "1\u202f024"
