"""Money into the mall over real HTTP: a price follows the instance's one money rule, and
an order's payment instructions speak of the order, in the caller's language."""

from __future__ import annotations

import uuid

import pytest

from api.mall.models import Product
from tests.help_requests.factories import count, gid
from tests.mall import factories as m

CREATE = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { product { id } errors { field code message } }
}"""
UPDATE = """
mutation($input: ProductUpdateInput!) {
  productUpdate(input: $input) { product { price { amountMinor currency } } errors { field code } }
}"""
PLACE = """
mutation($input: OrderPlaceInput!) {
  orderPlace(input: $input) {
    order { paymentReference } paymentInstructions { text } errors { field code }
  }
}"""

REFUSED = [
    ({"amountMinor": 100, "currency": "XXX"}, "INVALID"),
    ({"amountMinor": 100, "currency": "EUR"}, "CURRENCY_MISMATCH"),
    ({"amountMinor": 10**15, "currency": "CNY"}, "OUT_OF_RANGE"),
]


@pytest.mark.parametrize(("price", "code"), REFUSED)
def test_a_price_follows_the_instances_money_rule(api, world, price, code):
    seller = m.seller(world)
    payload = api.data(
        CREATE,
        {
            "input": {
                "seller": gid("Seller", seller),
                "name": "Honey",
                "sourceLanguage": "en",
                "price": price,
                "unit": "jar",
                "originRegion": gid("Region", world.regions["P1-A-C1-T-V"].id),
            }
        },
        token=world.rep.token,
    )["productCreate"]
    assert payload["product"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("price", code)]
    if code == "CURRENCY_MISMATCH":
        assert "USD" in payload["errors"][0]["message"]
    assert count(world.engine, Product) == 0


@pytest.mark.parametrize(("price", "code"), REFUSED)
def test_a_changed_price_follows_it_too(api, world, price, code):
    product_id = m.product(world, m.seller(world))
    payload = api.data(
        UPDATE,
        {"input": {"product": gid("Product", product_id), "price": price}},
        token=world.rep.token,
    )["productUpdate"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("price", code)]


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "Your order is confirmed once the payment is matched."), ("fr", "commande")],
)
def test_an_orders_payment_instructions_speak_of_the_order(api, world, locale, words):
    product = gid("Product", m.product(world, m.seller(world)))
    payload = api.data(
        PLACE,
        {
            "input": {
                "lines": [{"product": product, "quantity": 1}],
                "shippingAddress": "1 Market Street",
                "provider": "offline",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
        token=world.helper.token,
        locale=locale,
    )["orderPlace"]
    text = payload["paymentInstructions"]["text"]
    assert words in text and payload["order"]["paymentReference"] in text
    assert "donation" not in text.lower() and "don " not in text
