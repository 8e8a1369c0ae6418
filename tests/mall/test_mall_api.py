"""The mall over real HTTP: sellers, the public catalogue in two languages, an order's
whole life, seller and buyer views, statistics, idempotency keys and concurrent buyers."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api.mall.models import Order
from tests.help_requests.factories import gid
from tests.mall import factories as m

REGISTER = """
mutation($input: SellerRegisterInput!) {
  sellerRegister(input: $input) { seller { id status kind displayName } errors { field code } }
}"""
VERIFY = """
mutation($input: SellerVerifyInput!) {
  sellerVerify(input: $input) { seller { id status } errors { field code } }
}"""
CREATE = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { product { id status stock } errors { field code } }
}"""
TRANSLATE = """
mutation($input: ProductTranslationSetInput!) {
  productTranslationSet(input: $input) {
    product { name { text language isTranslation } translations { locale name } }
    errors { field code }
  }
}"""
PRODUCTS = """
query($filter: ProductFilter, $orderBy: ProductOrder, $first: Int!, $after: String) {
  products(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    nodes {
      id name { text language isTranslation } description { text language isTranslation }
      price { amountMinor currency formatted } unit stock inStock imageUrls producerShareBps
      originRegion { name } seller { displayName kind region { name } }
      producerHousehold { publicCode } producerVillage { name }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
PLACE = """
mutation($input: OrderPlaceInput!) {
  orderPlace(input: $input) {
    order { id status total { amountMinor currency } paymentReference
            lines { quantity product { name { text } } unitPrice { amountMinor }
                    producerShare { amountMinor } platformFee { amountMinor }
                    sellerAmount { amountMinor } } }
    paymentInstructions { provider reference text }
    errors { field code }
  }
}"""
STEP = """
mutation($order: ID!, $key: String!) {
  orderReconcile(input: {order: $order, externalReference: "BANK-9", idempotencyKey: $key}) {
    order { status } errors { field code } }
}"""
SHIP = "mutation($o: ID!) { orderShip(input: {order: $o}) { order { status } errors { code } } }"
DELIVER = """
mutation($o: ID!) { orderDeliver(input: {order: $o}) { order { status } errors { code } } }"""
COMPLETE = """
mutation($o: ID!, $key: String!) {
  orderComplete(input: {order: $o, idempotencyKey: $key}) { order { status } errors { code } }
}"""
CANCEL = """
mutation($o: ID!, $key: String!) {
  orderCancel(input: {order: $o, idempotencyKey: $key}) { order { status } errors { code } }
}"""
SELLER_ORDERS = """
query($seller: ID!) { sellerOrders(seller: $seller, first: 10) {
  nodes { id status shippingAddress } } }"""
MY_ORDERS = "{ myOrders(first: 10) { nodes { id status seller { displayName } } } }"
STATS = """
query($region: ID) { mallStats(region: $region) {
  sales { amountMinor currency } monthlySales { month amount { amountMinor } }
  ordersCompleted householdsWithEbusinessIncome region { name } } }"""


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["errors"] == [], payload["errors"]
    return payload


def place(api, token: str, lines: list[tuple[str, int]], key: str | None = None) -> dict[str, Any]:
    variables = {
        "input": {
            "lines": [{"product": p, "quantity": q} for p, q in lines],
            "shippingAddress": "1 Market Street, Beijing",
            "provider": "offline",
            "idempotencyKey": key or str(uuid.uuid4()),
        }
    }
    payload: dict[str, Any] = api.data(PLACE, variables, token=token)["orderPlace"]
    return payload


def test_a_household_sells_honey_to_a_buyer_end_to_end(api, world):
    village = world.regions["P1-A-C1-T-V"]
    registered = ok(
        api.data(
            REGISTER,
            {
                "input": {
                    "kind": "HOUSEHOLD",
                    "displayName": "Wang family",
                    "household": gid("Household", world.household_code),
                    "producerShareBps": 9000,
                }
            },
            token=world.rep.token,
        )["sellerRegister"]
    )["seller"]
    assert registered["status"] == "PENDING"
    seller = registered["id"]
    verified = api.data(
        VERIFY, {"input": {"seller": seller, "approve": True}}, token=world.caseworker.token
    )["sellerVerify"]
    assert ok(verified)["seller"]["status"] == "VERIFIED"
    product = ok(
        api.data(
            CREATE,
            {
                "input": {
                    "seller": seller,
                    "name": "山蜜",
                    "description": "野生山蜜。",
                    "sourceLanguage": "zh_Hans",
                    "price": {"amountMinor": 4_800, "currency": "CNY"},
                    "unit": "500 g",
                    "stock": 5,
                    "originRegion": gid("Region", village.id),
                    "imageUrls": ["https://img.example.org/honey.jpg"],
                }
            },
            token=world.rep.token,
        )["productCreate"]
    )["product"]["id"]
    translated = api.data(
        TRANSLATE,
        {"input": {"product": product, "locale": "en", "name": "Hill honey"}},
        token=world.rep.token,
    )["productTranslationSet"]
    assert ok(translated)["product"]["translations"] == [{"locale": "en", "name": "Hill honey"}]

    english = api.data(PRODUCTS, {"first": 10}, locale="en")["products"]["nodes"]
    chinese = api.data(PRODUCTS, {"first": 10}, locale="zh_Hans")["products"]["nodes"]
    assert english[0]["name"] == {"text": "Hill honey", "language": "en", "isTranslation": True}
    # No English description: the original, marked with its language.
    assert english[0]["description"] == {
        "text": "野生山蜜。",
        "language": "zh_Hans",
        "isTranslation": False,
    }
    assert chinese[0]["name"] == {"text": "山蜜", "language": "zh_Hans", "isTranslation": False}
    assert english[0]["price"]["formatted"] == "CN¥48.00"
    assert english[0]["producerHousehold"] == {"publicCode": world.household_code}
    # A household seller is located by its household: the public sees its county.
    assert english[0]["seller"] == {
        "displayName": "Wang family",
        "kind": "HOUSEHOLD",
        "region": {"name": world.regions["P1-A-C1"].name},
    }
    assert english[0]["originRegion"] == {"name": world.regions["P1-A-C1"].name}
    assert english[0]["producerShareBps"] == 9000

    placed = ok(place(api, world.helper.token, [(product, 2)]))
    order = placed["order"]
    assert order["status"] == "PLACED" and order["total"] == {
        "amountMinor": 9_600,
        "currency": "CNY",
    }
    assert order["lines"][0]["producerShare"] == {"amountMinor": 8_640}
    assert placed["paymentInstructions"]["reference"] == order["paymentReference"]
    assert api.data(PRODUCTS, {"first": 10})["products"]["nodes"][0]["stock"] == 3

    reconciled = api.data(STEP, {"order": order["id"], "key": "pay-1"}, token=world.rep.token)
    assert ok(reconciled["orderReconcile"])["order"]["status"] == "PAID"
    assert ok(api.data(SHIP, {"o": order["id"]}, token=world.rep.token)["orderShip"])
    assert ok(api.data(DELIVER, {"o": order["id"]}, token=world.helper.token)["orderDeliver"])
    done = api.data(COMPLETE, {"o": order["id"], "key": "done-1"}, token=world.helper.token)
    assert ok(done["orderComplete"])["order"]["status"] == "COMPLETED"

    seen = api.data(SELLER_ORDERS, {"seller": seller}, token=world.rep.token)["sellerOrders"]
    assert seen["nodes"] == [
        {"id": order["id"], "status": "COMPLETED", "shippingAddress": "1 Market Street, Beijing"}
    ]
    refused = api.post(SELLER_ORDERS, {"seller": seller}, token=world.helper.token)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = api.data(MY_ORDERS, token=world.helper.token)["myOrders"]["nodes"]
    assert [(o["id"], o["seller"]["displayName"]) for o in mine] == [(order["id"], "Wang family")]
    assert api.data(MY_ORDERS, token=world.other_helper.token)["myOrders"]["nodes"] == []

    # The figures, exactly for staff covering the area; the public sees counts this small
    # withheld (money of a public area is shown)
    province = {"region": gid("Region", world.regions["P1"].id)}
    public = api.data(STATS, province)["mallStats"]
    assert public["sales"] == [{"amountMinor": 9_600, "currency": "CNY"}]
    assert public["ordersCompleted"] is None and public["householdsWithEbusinessIncome"] is None
    stats = api.data(STATS, province, token=world.admin.token)["mallStats"]
    assert stats["sales"] == [{"amountMinor": 9_600, "currency": "CNY"}]
    assert stats["ordersCompleted"] == 1 and stats["householdsWithEbusinessIncome"] == 1
    # The shape of every monthly series: "YYYY-MM".
    from api.core.db import utcnow

    assert stats["monthlySales"] == [
        {"month": utcnow().strftime("%Y-%m"), "amount": {"amountMinor": 9_600}}
    ]
    elsewhere = api.data(
        STATS, {"region": gid("Region", world.regions["P2"].id)}, token=world.admin.token
    )["mallStats"]
    assert elsewhere["sales"] == [] and elsewhere["householdsWithEbusinessIncome"] == 0


def test_the_catalogue_is_public_filtered_and_ordered(api, world):
    seller_id = m.seller(world)
    pending = m.seller(
        world,
        verified=False,
        manager=world.helper,
        kind="COOPERATIVE",
        household_id=None,
        region_id=world.regions["P1"].id,
    )
    m.product(world, seller_id, name="Millet", price_minor=500, stock=0)
    dear = m.product(
        world,
        seller_id,
        name="Tea",
        description="Spring green tea",
        price_minor=9_000,
        origin_region_id=world.regions["P1-A-C2-T-V"].id,
    )
    m.product(
        world, pending, manager=world.helper, name="Hidden", producer_household_id=world.household
    )
    with_translation = {
        "input": {
            "product": gid("Product", dear),
            "locale": "zh_Hans",
            "name": "春茶",
            "description": "绿茶",
        }
    }
    api.data(TRANSLATE, with_translation, token=world.rep.token)

    def names(**variables: Any) -> list[str]:
        nodes = api.data(PRODUCTS, {"first": 10, **variables})["products"]["nodes"]
        return [n["name"]["text"] for n in nodes]

    assert names() == ["Tea", "Millet"]
    assert names(orderBy={"field": "PRICE", "direction": "ASC"}) == ["Millet", "Tea"]
    assert names(filter={"inStock": True}) == ["Tea"]
    assert names(filter={"text": "GREEN"}) == ["Tea"]
    assert names(filter={"text": "绿茶"}) == ["Tea"]
    assert names(filter={"region": gid("Region", world.regions["P1-A-C1"].id)}) == ["Millet"]
    assert names(filter={"seller": gid("Seller", pending)}) == []
    page = api.data(PRODUCTS, {"first": 1})["products"]
    rest = api.data(PRODUCTS, {"first": 1, "after": page["pageInfo"]["endCursor"]})
    assert [n["name"]["text"] for n in rest["products"]["nodes"]] == ["Millet"]


def test_listing_products_costs_the_same_for_5_and_40(api, world, sql_counter):
    seller_id = m.seller(world)
    other = m.seller(
        world,
        manager=world.helper,
        kind="VILLAGE",
        household_id=None,
        region_id=world.regions["P1-A-C2-T-V"].id,
    )

    def count_for(total: int) -> int:
        for index in range(total - len(existing)):
            owner = seller_id if index % 2 else other
            created = m.product(
                world,
                owner,
                manager=world.rep if index % 2 else world.helper,
                name=f"Product {index}",
            )
            existing.append(created)
            if index % 3 == 0:
                api.data(
                    TRANSLATE,
                    {
                        "input": {
                            "product": gid("Product", created),
                            "locale": "zh_Hans",
                            "name": f"产品 {index}",
                        }
                    },
                    token=world.rep.token if index % 2 else world.helper.token,
                )
        sql_counter.reset()
        nodes = api.data(PRODUCTS, {"first": total}, locale="zh_Hans")["products"]["nodes"]
        assert len(nodes) == total
        return sql_counter.count

    existing: list[int] = []
    assert count_for(5) == count_for(40)


def test_idempotent_orders_over_http(api, world):
    product_id = m.product(world, m.seller(world))
    product = gid("Product", product_id)
    first = ok(place(api, world.helper.token, [(product, 1)], key="same"))
    again = ok(place(api, world.helper.token, [(product, 1)], key="same"))
    assert again["order"]["id"] == first["order"]["id"]
    assert again["paymentInstructions"] == first["paymentInstructions"]
    changed = place(api, world.helper.token, [(product, 2)], key="same")
    assert changed["order"] is None
    assert changed["errors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_KEY_REUSED"}]
    assert m.count(world, Order) == 1
    cancelled = api.data(CANCEL, {"o": first["order"]["id"], "key": "c"}, token=world.helper.token)[
        "orderCancel"
    ]
    replay = api.data(CANCEL, {"o": first["order"]["id"], "key": "c"}, token=world.helper.token)[
        "orderCancel"
    ]
    assert ok(cancelled)["order"]["status"] == ok(replay)["order"]["status"] == "CANCELLED"
    assert m.stock(world, product_id) == 10


def test_twenty_concurrent_buyers_over_http_share_seven_units(api, world):
    product_id = m.product(world, m.seller(world), stock=7)
    product = gid("Product", product_id)
    barrier = threading.Barrier(20)

    def buy(_: int) -> str:
        barrier.wait()
        payload = place(api, world.helper.token, [(product, 1)])
        return payload["errors"][0]["code"] if payload["errors"] else "OK"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(buy, range(20)))

    assert results.count("OK") == 7 and results.count("OUT_OF_STOCK") == 13
    assert m.stock(world, product_id) == 0
    assert m.count(world, Order) == 7


def test_only_logged_in_people_order_and_only_staff_verify(api, world):
    product = gid("Product", m.product(world, m.seller(world)))
    body = api.post(
        PLACE,
        {
            "input": {
                "lines": [{"product": product, "quantity": 1}],
                "shippingAddress": "x",
                "provider": "offline",
                "idempotencyKey": "k",
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    seller = gid(
        "Seller",
        m.seller(
            world,
            verified=False,
            manager=world.helper,
            kind="ENTERPRISE",
            household_id=None,
            region_id=world.regions["P2"].id,
        ),
    )
    body = api.post(
        VERIFY, {"input": {"seller": seller, "approve": True}}, token=world.helper.token
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_producer_share_and_order_day_come_formatted_for_the_reader(api, world):
    """Clients show the share and the day as the API writes them, never formatting them."""
    seller_id = m.seller(world)
    product = m.product(world, seller_id, price_minor=1_999, producer_share_bps=8_250)
    query = """query($id: ID!) { node(id: $id) { ... on Product {
      producerShareFormatted producerSharePerUnit { amountMinor currency formatted } } } }"""
    variables = {"id": gid("Product", product)}
    english = api.data(query, variables, locale="en")["node"]
    assert english == {
        "producerShareFormatted": "82.5%",
        # floor(1999 * 8250 / 10000), as an order line splits it
        "producerSharePerUnit": {"amountMinor": 1_649, "currency": "CNY", "formatted": "CN¥16.49"},
    }
    french = api.data(query, variables, locale="fr")["node"]
    assert french["producerShareFormatted"] == "82,5\u00a0%"

    order = m.place(world, {product: 1})
    day = """query($id: ID!) { node(id: $id) { ... on Order {
      placedAt placedAtFormatted(style: LONG) } } }"""
    seen = api.data(day, {"id": gid("Order", order)}, token=world.helper.token)["node"]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    zone = ZoneInfo(world.settings.instance.timezone)
    placed = datetime.fromisoformat(seen["placedAt"]).astimezone(zone)
    assert seen["placedAtFormatted"] == format_date(placed.date(), format="long", locale="en")
