"""Mall quantities come written by the API in the reader's locale: an order line's, and the
quantities of a cart that only the browser knows (`numbersFormatted`)."""

from __future__ import annotations

from babel.numbers import format_decimal

from tests.help_requests.factories import gid
from tests.mall import factories as m

ORDER = """query($id: ID!) { node(id: $id) { ... on Order {
  lines { quantity quantityFormatted } } } }"""
NUMBERS = "query($numbers: [Int!]!) { numbersFormatted(numbers: $numbers) }"


def test_an_order_lines_quantity_is_written_in_the_readers_locale(api, world):
    seller_id = m.seller(world)
    product = m.product(world, seller_id, stock=5_000, price_minor=10)
    order = m.place(world, {product: 1_250})
    for locale in ("fr", "ar", "zh_Hans"):
        node = api.data(ORDER, {"id": gid("Order", order)}, token=world.helper.token, locale=locale)
        assert node["node"]["lines"] == [
            {"quantity": 1_250, "quantityFormatted": format_decimal(1_250, locale=locale)}
        ]
    french = api.data(ORDER, {"id": gid("Order", order)}, token=world.helper.token, locale="fr")
    assert french["node"]["lines"][0]["quantityFormatted"] == "1\u202f250"


def test_a_carts_quantities_are_written_in_order(api, world):
    numbers = [3, 1_250, 10_000, 3]
    for locale in ("fr", "ar", "zh_Hans", "en"):
        written = api.data(NUMBERS, {"numbers": numbers}, locale=locale)["numbersFormatted"]
        assert written == [format_decimal(n, locale=locale) for n in numbers]
    assert api.data(NUMBERS, {"numbers": [10_000]}, locale="fr")["numbersFormatted"] == [
        "10\u202f000"
    ]
    assert api.data(NUMBERS, {"numbers": []})["numbersFormatted"] == []


def test_more_than_a_hundred_numbers_are_refused(api, world):
    body = api.post(NUMBERS, {"numbers": list(range(101))}, locale="fr")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"] is None
    assert api.data(NUMBERS, {"numbers": list(range(100))})["numbersFormatted"][99] == "99"
