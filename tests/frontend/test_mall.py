"""The mall pages in the real browser: browse and filter, a product's producer share, the
cart kept in the browser, an order placed by keyboard alone and checked in the database,
the error states, and axe in three locales (Arabic right to left)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from api.mall.models import Order, OrderLine
from tests.frontend.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    open_page,
    set_locale,
    tab_to,
    wait_ready,
)

HELPER = "helper@demo.aidbridge.org"
PRODUCTS = """query($first: Int!) { products(first: $first, filter: {inStock: true}) {
  nodes { id name { text } stock price { formatted } producerShareFormatted
          producerSharePerUnit { formatted } } } }"""


def gql(
    site: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    locale: str = "en",
) -> dict[str, Any]:
    headers = {"x-aidbridge-locale": locale}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = httpx.post(
        site.at("/graphql"), json={"query": query, "variables": variables or {}}, headers=headers
    ).json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def helper_token(site: Any) -> str:
    mutation = """mutation($e: String!, $p: String!) {
      tokenCreate(input: {email: $e, password: $p}) { token } }"""
    token: str = gql(site, mutation, {"e": HELPER, "p": DEMO_PASSWORD})["tokenCreate"]["token"]
    return token


def log_in(page: Any, token: str) -> None:
    page.goto("/robots.txt")
    page.evaluate("token => localStorage.setItem('aidbridge.token', token)", token)


def stocked_product(site: Any) -> dict[str, Any]:
    """The product with the most units in stock (other tests buy some too)."""
    nodes = gql(site, PRODUCTS, {"first": 100})["products"]["nodes"]
    product: dict[str, Any] = max(nodes, key=lambda node: node["stock"])
    return product


def database_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def put_in_cart(page: Any, lines: list[tuple[str, int]]) -> None:
    stored = json.dumps([{"product": product, "quantity": quantity} for product, quantity in lines])
    page.evaluate("cart => localStorage.setItem('aidbridge.cart', cart)", stored)


def place_order(site: Any, token: str, product: str, quantity: int) -> dict[str, Any]:
    """An order of one product by the API, with the offline provider."""
    placed: dict[str, Any] = gql(
        site,
        """mutation($input: OrderPlaceInput!) {
          orderPlace(input: $input) { order { id } errors { code } } }""",
        {
            "input": {
                "lines": [{"product": product, "quantity": quantity}],
                "shippingAddress": "7 Orchard Road, Nairobi",
                "provider": "offline",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
        token=token,
    )["orderPlace"]
    assert placed["errors"] == []
    return placed


def line_total(page: Any) -> str:
    """A cart line's "price \u00d7 quantity", without the marks that isolate the price."""
    text: str = page.locator(".line-total").inner_text()
    return text.replace("\u2068", "").replace("\u2069", "")


def test_the_mall_lists_products_and_a_filter_without_results_says_so(page: Any) -> None:
    open_page(page, "/mall/")
    assert page.locator("h1").inner_text() == "Mall"
    cards = page.locator(".product-card")
    assert cards.count() >= 6
    assert "to the producer" in cards.first.inner_text()
    # The "Load more" button brings the next page.
    before = cards.count()
    page.get_by_role("button", name="Load more products").click()
    page.wait_for_function(f"() => document.querySelectorAll('.product-card').length > {before}")

    page.fill("#field-text", "no product is called this")
    page.get_by_role("button", name="Show products").click()
    page.wait_for_selector(".mall-results .state-empty")
    assert "No products match your search" in page.locator(".state-empty").inner_text()
    assert "q=no+product" in page.url
    assert_accessible(page)

    # Sorted by price, lowest first, as the API orders them.
    page.fill("#field-text", "")
    page.select_option("#field-sort", "price-asc")
    page.get_by_role("button", name="Show products").click()
    page.wait_for_selector(".mall-results .product-card")
    assert "sort=price-asc" in page.url


def test_the_product_page_shows_the_producer_share(page: Any, demo_site: Any) -> None:
    product = stocked_product(demo_site)
    open_page(page, f"/product/?id={product['id']}")
    assert page.locator("h1").inner_text() == product["name"]["text"]
    share = page.locator(".producer-share").inner_text()
    assert product["producerShareFormatted"] in share
    assert product["producerSharePerUnit"]["formatted"] in share
    assert product["price"]["formatted"] in share
    assert page.locator("#field-quantity").get_attribute("max") == str(min(product["stock"], 10000))


PICTURES = """() => [...document.querySelectorAll('main img')].map(img => ({
  src: img.currentSrc, srcset: img.getAttribute('srcset'), sizes: img.getAttribute('sizes'),
  width: img.getAttribute('width'), height: img.getAttribute('height'), loading: img.loading,
  complete: img.complete, natural: img.naturalWidth }))"""


def test_product_pictures_come_from_the_instance_in_responsive_widths(
    page: Any, demo_site: Any
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, "/mall/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('main img')].some(i => i.complete && i.naturalWidth)"
    )
    cards = page.evaluate(PICTURES)
    assert len(cards) == page.locator(".product-card").count() >= 6
    for picture in cards:
        widths = [part.rsplit(" ", 1)[1] for part in picture["srcset"].split(", ")]
        assert widths == ["320w", "640w", "1024w", "1200w"]
        assert picture["sizes"] and picture["loading"] == "lazy"
        assert (picture["width"], picture["height"]) == ("1200", "900")
    # A phone 390 px wide fetches the 640 px width, never the largest.
    shown = [p for p in cards if p["complete"] and p["natural"]]
    assert shown and all(p["src"].endswith("/640.webp") for p in shown), shown
    pictures = [url for url in requested if "/media/" in url]
    assert pictures and all(url.startswith(demo_site.url + "/media/") for url in pictures)
    assert not any(url.endswith("/1200.webp") for url in pictures)

    product = stocked_product(demo_site)
    open_page(page, f"/product/?id={product['id']}")
    page.wait_for_function(
        "() => { const i = document.querySelector('.product-photo');"
        " return i && i.complete && i.naturalWidth; }"
    )
    [photo] = page.evaluate(PICTURES)
    assert photo["loading"] == "eager"  # what the visitor looks at first is not held back
    assert (
        page.locator(".product-photo").get_attribute("alt")
        == f"Picture of {product['name']['text']}"
    )


def test_an_unknown_product_shows_the_not_found_state_in_the_visitors_language(page: Any) -> None:
    unknown = base64.b64encode(b"Product:987654").decode()
    open_page(page, f"/product/?id={unknown}", locale="zh_Hans")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "NOT_FOUND"
    text = error.inner_text()
    assert text and "This product is not in the mall" not in text
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_every_mall_page_is_accessible(page: Any, demo_site: Any, locale: str) -> None:
    product = stocked_product(demo_site)
    token = helper_token(demo_site)
    placed = place_order(demo_site, token, product["id"], 1)
    set_locale(page, locale)
    put_in_cart(page, [(product["id"], 2)])
    for path in ("/mall/", f"/product/?id={product['id']}", "/cart/"):
        open_page(page, path)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    # Not logged in: the cart sends the visitor to log in and come back.
    assert page.locator('a[href="/login/?next=%2Fcart%2F"]').count() == 1
    log_in(page, token)
    open_page(page, "/cart/")
    assert page.locator("#field-shippingAddress").count() == 1
    assert_accessible(page)
    open_page(page, f"/order/?id={placed['order']['id']}")
    assert page.locator(".order-status").get_attribute("data-status") == "PLACED"
    assert_accessible(page)


def test_a_helper_orders_by_keyboard_alone(page: Any, demo_site: Any) -> None:
    product = stocked_product(demo_site)
    log_in(page, helper_token(demo_site))
    open_page(page, f"/product/?id={product['id']}")

    tab_to(page, "#field-quantity")
    page.keyboard.press("Backspace")
    page.keyboard.type("2")
    tab_to(page, ".add-to-cart button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".cart-result .notice")
    tab_to(page, '.cart-result a[href="/cart/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/cart/")
    wait_ready(page)
    quantity = page.locator(".cart-table input.quantity-input")
    assert quantity.input_value() == "2"
    assert f"{product['price']['formatted']} \u00d7 2" in line_total(page)

    tab_to(page, ".cart-table input.quantity-input")
    page.keyboard.press("Backspace")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    # The API writes the new quantity (the cart lives in the browser): wait for its answer.
    page.wait_for_function(
        "() => document.querySelector('.line-total').textContent.includes('\u00d7 3')"
    )
    assert f"{product['price']['formatted']} \u00d7 3" in line_total(page)
    assert json.loads(page.evaluate("localStorage.getItem('aidbridge.cart')")) == [
        {"product": product["id"], "quantity": 3}
    ]

    # No address: the error summary takes the focus and links to the field.
    tab_to(page, ".checkout button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.locator('.error-summary a[href="#field-shippingAddress"]').count() == 1

    tab_to(page, "#field-shippingAddress")
    page.keyboard.type("12 Mango Lane, Kisumu")
    tab_to(page, ".checkout button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/order/?id=*")
    wait_ready(page)
    assert page.locator(".order-status").get_attribute("data-status") == "PLACED"
    assert "Bank of the Demo" in page.locator(".payment-instructions").inner_text()
    assert page.evaluate("localStorage.getItem('aidbridge.cart')") == "[]"

    order_id = database_id(page.url.split("id=")[1].replace("%3D", "="))
    with Session(demo_site.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        assert order.status == "PLACED" and order.shipping_address == "12 Mango Lane, Kisumu"
        lines = session.exec(select(OrderLine).where(OrderLine.order_id == order_id)).all()
        assert [(line.product_id, line.quantity) for line in lines] == [
            (database_id(product["id"]), 3)
        ]
    assert (
        page.locator(".order-total").inner_text()
        == gql(
            demo_site,
            "query($id: ID!) { node(id: $id) { ... on Order { total { formatted } } } }",
            {"id": base64.b64encode(f"Order:{order_id}".encode()).decode()},
            token=helper_token(demo_site),
        )["node"]["total"]["formatted"]
    )


def test_cart_and_order_quantities_are_the_apis_in_chinese(page: Any, demo_site: Any) -> None:
    """The quantities of the cart (kept in the browser) and of an order line read as the API
    writes them for the visitor's locale."""
    product = stocked_product(demo_site)
    token = helper_token(demo_site)
    placed = place_order(demo_site, token, product["id"], 2)
    order = gql(
        demo_site,
        """query($id: ID!) { node(id: $id) { ... on Order {
          lines { quantityFormatted unitPrice { formatted } } } } }""",
        {"id": placed["order"]["id"]},
        token=token,
        locale="zh_Hans",
    )["node"]
    [line] = order["lines"]
    log_in(page, token)
    open_page(page, f"/order/?id={placed['order']['id']}", locale="zh_Hans")
    shown = page.locator(".line-quantity").inner_text().replace("\u2068", "").replace("\u2069", "")
    assert shown.endswith(f"\u00d7 {line['quantityFormatted']}")
    assert line["unitPrice"]["formatted"] in shown

    # The order set 2 units aside: the cart holds what is left (more would be cut to it).
    left = gql(
        demo_site,
        "query($id: ID!) { node(id: $id) { ... on Product { stock } } }",
        {"id": product["id"]},
    )["node"]["stock"]
    quantities = [min(left, 10000), 1]
    written = gql(
        demo_site,
        "query($n: [Int!]!) { numbersFormatted(numbers: $n) }",
        {"n": quantities},
        locale="zh_Hans",
    )["numbersFormatted"]
    put_in_cart(page, [(product["id"], quantities[0])])
    open_page(page, "/cart/", locale="zh_Hans")
    assert line_total(page).endswith(f"\u00d7 {written[0]}")
    quantity = page.locator(".cart-table input.quantity-input")
    quantity.fill("1")
    quantity.press("Tab")
    page.wait_for_function(
        "text => document.querySelector('.line-total').textContent.endsWith(text)",
        arg=f"\u00d7 {written[1]}",
    )
    assert_accessible(page)
