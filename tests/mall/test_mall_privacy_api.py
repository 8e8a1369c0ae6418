"""Privacy of the mall over real HTTP, for every kind of caller: a household that sells
is never located finer than the public level (its seller's region, its produce's origin
and producer village, the region filter, the mall's figures), on every path; and what it
earned from its sales is its income, for it and the staff covering it only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.help_requests.factories import World, audit_actions, gid
from tests.mall import factories as m

VILLAGE, COUNTY = "P1-A-C1-T-V", "P1-A-C1"
OUTSIDERS = ("anonymous", "helper", "rep", "far_caseworker")
COVERING = ("caseworker", "admin")

REGION = "{ name }"
PRODUCT_FIELDS = f"""
id originRegion {REGION} producerVillage {REGION}
seller {{ id kind region {REGION} }}"""
PRODUCTS = f"""
query($filter: ProductFilter) {{
  products(filter: $filter, first: 50) {{ nodes {{ {PRODUCT_FIELDS} }} }}
}}"""
NODE = f"""
query($id: ID!) {{
  node(id: $id) {{
    ... on Product {{ {PRODUCT_FIELDS} }}
    ... on Seller {{ id region {REGION} }}
  }}
}}"""
ORDER_FIELDS = f"""
seller {{ region {REGION} }}
lines {{ product {{ originRegion {REGION} seller {{ region {REGION} }} }} }}"""
MY_ORDERS = f"{{ myOrders(first: 10) {{ nodes {{ {ORDER_FIELDS} }} }} }}"
SELLER_ORDERS = f"""
query($seller: ID!) {{
  sellerOrders(seller: $seller, first: 10) {{ nodes {{ {ORDER_FIELDS} }} }}
}}"""
MY_SELLERS = f"{{ mySellers {{ id region {REGION} }} }}"
STATS = """
query($region: ID) {
  mallStats(region: $region) { ordersCompleted sales { amountMinor } region { name }
                               suppressed { figure reason } }
}"""
EARNINGS = """
query($household: ID, $first: Int! = 20, $after: String) {
  producerEarnings(household: $household) {
    household { publicCode }
    earned { amountMinor currency }
    sales(first: $first, after: $after) {
      nodes { quantity total { amountMinor } producerShare { amountMinor } completedAt
              product { id name { text } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


def _token(world: World, who: str) -> str | None:
    actor = world.people()[who]
    return actor.token if actor else None


def _name(world: World, code: str) -> str:
    return world.regions[code].name


def _mall(world: World) -> dict[str, int]:
    """A household seller's honey; an enterprise's tea made by the same household; an
    enterprise's millet whose producer share goes to the village. All from the village."""
    village = world.regions[VILLAGE].id
    household_seller = m.seller(world)
    enterprise = m.seller(
        world, manager=world.other_helper, kind="ENTERPRISE", household_id=None, region_id=village
    )
    honey = m.product(world, household_seller, name="Honey", stock=100)
    tea = m.product(
        world,
        enterprise,
        manager=world.other_helper,
        name="Tea",
        producer_household_id=world.household,
    )
    millet = m.product(
        world, enterprise, manager=world.other_helper, name="Millet", producer_region_id=village
    )
    return {
        "household_seller": household_seller,
        "enterprise": enterprise,
        "honey": honey,
        "tea": tea,
        "millet": millet,
    }


def _expected(world: World, who: str, by_household: bool) -> dict[str, str]:
    exact = not by_household or who in COVERING
    return {"name": _name(world, VILLAGE if exact else COUNTY)}


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_the_catalogue_and_nodes_show_a_household_no_finer_than_allowed(api, world, who):
    # Given produce of a household (sold by it, or by an enterprise) and an enterprise's own
    mall = _mall(world)
    token = _token(world, who)

    # When the caller reads the catalogue and each product and seller by ID
    listed = {n["id"]: n for n in api.data(PRODUCTS, token=token)["products"]["nodes"]}

    # Then household produce and the household's seller show the county to outsiders, the
    # village to staff covering it; the enterprise's own produce shows its village to all
    household_region = _expected(world, who, by_household=True)
    for product, by_household in (("honey", True), ("tea", True), ("millet", False)):
        node = api.data(NODE, {"id": gid("Product", mall[product])}, token=token)["node"]
        assert listed[node["id"]] == node
        assert node["originRegion"] == _expected(world, who, by_household), product
    honey = listed[gid("Product", mall["honey"])]
    assert honey["seller"]["region"] == household_region
    assert honey["producerVillage"] is None
    millet = listed[gid("Product", mall["millet"])]
    assert millet["seller"]["region"] == {"name": _name(world, VILLAGE)}
    assert millet["producerVillage"] == {"name": _name(world, VILLAGE)}
    seller = api.data(NODE, {"id": gid("Seller", mall["household_seller"])}, token=token)["node"]
    assert seller["region"] == household_region


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_a_village_filter_never_locates_household_produce(api, world, who):
    mall = _mall(world)
    token = _token(world, who)

    def found(code: str) -> set[str]:
        filter_ = {"region": gid("Region", world.regions[code].id)}
        nodes = api.data(PRODUCTS, {"filter": filter_}, token=token)["products"]["nodes"]
        return {n["id"] for n in nodes}

    everything = {gid("Product", mall[p]) for p in ("honey", "tea", "millet")}
    in_village = {gid("Product", mall["millet"])} if who in OUTSIDERS else everything
    assert found(VILLAGE) == in_village
    assert found(COUNTY) == everything


def test_orders_and_managed_sellers_follow_the_same_rule(api, world):
    # Given an order of the household's honey and of the enterprise's millet
    mall = _mall(world)
    for product in ("honey", "millet"):
        m.place(world, {mall[product]: 1})
    county, village = {"name": _name(world, COUNTY)}, {"name": _name(world, VILLAGE)}

    # Then the buyer sees the household's seller and honey at the county level
    orders = api.data(MY_ORDERS, token=world.helper.token)["myOrders"]["nodes"]
    regions = sorted(
        (o["seller"]["region"]["name"], o["lines"][0]["product"]["originRegion"]["name"])
        for o in orders
    )
    assert regions == sorted([(county["name"], county["name"]), (village["name"], village["name"])])
    # And so does the household's own representative, managing its seller (the household
    # knows its village; the rule is the one of `Household.region`)
    assert api.data(MY_SELLERS, token=world.rep.token)["mySellers"] == [
        {"id": gid("Seller", mall["household_seller"]), "region": county}
    ]
    seen = api.data(
        SELLER_ORDERS, {"seller": gid("Seller", mall["household_seller"])}, token=world.rep.token
    )["sellerOrders"]["nodes"]
    assert seen[0]["lines"][0]["product"]["originRegion"] == county
    # While an admin reading the same orders sees the village
    as_admin = api.data(
        SELLER_ORDERS, {"seller": gid("Seller", mall["household_seller"])}, token=world.admin.token
    )["sellerOrders"]["nodes"]
    assert as_admin[0]["seller"]["region"] == village


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_mall_figures_below_the_public_level_are_for_staff_covering_them(api, world, who):
    token = _token(world, who)
    village = api.post(STATS, {"region": gid("Region", world.regions[VILLAGE].id)}, token=token)
    county = api.data(STATS, {"region": gid("Region", world.regions[COUNTY].id)}, token=token)
    assert county["mallStats"]["region"] == {"name": _name(world, COUNTY)}
    assert not village.get("errors")
    figures = village["data"]["mallStats"]
    assert figures["region"] == {"name": _name(world, VILLAGE)}
    if who in COVERING:
        assert figures["suppressed"] == [] and figures["sales"] == []
        assert figures["ordersCompleted"] == 0
    else:
        # Withheld like every statistic of an area below the public level: null, with why.
        assert (figures["sales"], figures["ordersCompleted"]) == (None, None)
        assert {(s["figure"], s["reason"]) for s in figures["suppressed"]} == {
            (figure, "REGION_BELOW_PUBLIC_LEVEL")
            for figure in (
                "MALL_SALES",
                "MALL_ORDERS_COMPLETED",
                "HOUSEHOLDS_WITH_EBUSINESS_INCOME",
            )
        }


# --- A producing household's earnings ----------------------------------------------------


def _sold(world: World, mall: dict[str, int]) -> None:
    """Two completed orders with household produce (honey twice, tea once), one of the
    enterprise's millet, and one honey order still only paid (it earned nothing yet)."""
    for lines, complete in (
        ({mall["honey"]: 2}, True),
        ({mall["tea"]: 1, mall["millet"]: 3}, True),
        ({mall["honey"]: 1}, False),
    ):
        order_id = m.place(world, lines)
        m.pay(world, order_id)
        if complete:
            shipper = world.rep if mall["honey"] in lines else world.other_helper
            m.complete(world, order_id, shipper=shipper)


# Every product of `_mall` costs 1 999 and gives 80 % to its producer: 1 599 per unit.
SHARE = 1_999 * 8_000 // 10_000


@pytest.mark.parametrize(
    ("who", "ask_for", "code"),
    [
        ("rep", None, None),
        ("rep", "household", None),
        ("caseworker", "household", None),
        ("admin", "household", None),
        ("anonymous", "household", "UNAUTHENTICATED"),
        ("helper", "household", "FORBIDDEN"),
        ("far_caseworker", "household", "FORBIDDEN"),
        # Covering another household's area is not covering this one.
        ("caseworker", "other_household", "FORBIDDEN"),
        ("rep", "other_household", "FORBIDDEN"),
        ("helper", None, "REQUIRED"),
    ],
)
def test_a_household_sees_what_its_sales_earned(api, world, who, ask_for, code):
    # Given completed sales of the household's produce
    mall = _mall(world)
    _sold(world, mall)
    households = {"household": world.household_code, "other_household": world.other_household_code}
    variables: dict[str, Any] = {}
    if ask_for is not None:
        variables["household"] = gid("Household", households[ask_for])

    # When the caller asks what it earned
    body = api.post(EARNINGS, variables, token=_token(world, who))

    # Then its representative and the staff covering it read the producer share of its
    # completed orders with the sales behind it; nobody else learns that income
    if code is not None:
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
        assert body["data"]["producerEarnings"] is None
        return
    assert not body.get("errors"), body["errors"]
    earnings = body["data"]["producerEarnings"]
    assert earnings["household"] == {"publicCode": world.household_code}
    assert earnings["earned"] == [{"amountMinor": 3 * SHARE, "currency": "CNY"}]
    sales = earnings["sales"]["nodes"]
    assert sorted((s["product"]["name"]["text"], s["quantity"]) for s in sales) == [
        ("Honey", 2),
        ("Tea", 1),
    ]
    assert all(s["producerShare"]["amountMinor"] == s["quantity"] * SHARE for s in sales)
    assert sales[0]["completedAt"] >= sales[1]["completedAt"]
    assert "household.read_sensitive" in audit_actions(world.engine, "Household", world.household)


def test_earnings_are_kept_per_currency(api, world):
    mall = _mall(world)
    usd = m.product(world, m.seller(world), name="Basket", currency="USD", price_minor=1_000)
    _sold(world, mall)
    order_id = m.place(world, {usd: 1})
    m.pay(world, order_id)
    m.complete(world, order_id)
    earned = api.data(EARNINGS, token=world.rep.token)["producerEarnings"]["earned"]
    assert earned == [
        {"amountMinor": 3 * SHARE, "currency": "CNY"},
        {"amountMinor": 800, "currency": "USD"},
    ]


@pytest.mark.parametrize("sales", [3, 24])
def test_the_sales_list_costs_the_same_for_3_and_24(api, world, sql_counter, sales):
    mall = _mall(world)
    for _ in range(sales):
        order_id = m.place(world, {mall["honey"]: 1})
        m.pay(world, order_id)
        m.complete(world, order_id)
    sql_counter.reset()
    page = api.data(EARNINGS, {"first": 50}, token=world.rep.token)["producerEarnings"]
    assert len(page["sales"]["nodes"]) == sales
    # Token, the household, the totals, the page, its products and their translations, the
    # audit entry: never one per sale.
    assert sql_counter.count <= 7, sql_counter.statements


def test_the_sales_list_pages(api, world):
    mall = _mall(world)
    for _ in range(3):
        order_id = m.place(world, {mall["honey"]: 1})
        m.pay(world, order_id)
        m.complete(world, order_id)
    first = api.data(EARNINGS, {"first": 2}, token=world.rep.token)["producerEarnings"]["sales"]
    assert len(first["nodes"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    rest = api.data(
        EARNINGS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=world.rep.token
    )["producerEarnings"]["sales"]
    assert len(rest["nodes"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
