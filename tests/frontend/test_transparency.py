"""The transparency page in the real browser: fund totals from the ledger in captioned
tables (withheld figures say so), the donation wall and the pairing ledger with "Load
more", the empty and error states, and axe in English, Chinese and Arabic."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.frontend.conftest import DemoSite, assert_accessible, open_page, tab_to


def test_totals_wall_and_pairings_are_shown(page: Any, demo_site: DemoSite) -> None:
    open_page(page, "/transparency/")
    for table in ("#general-fund", "#money-totals", "#pairings"):
        assert page.locator(f"{table} caption").inner_text()
        assert page.locator(f"{table} thead th[scope=col]").count() >= 4
        assert page.locator(f"{table} tbody th[scope=row]").count() >= 1
    assert "USD" in page.locator("#general-fund tbody").inner_text()
    totals = page.locator("#money-totals tbody").inner_text()
    assert "$" in totals or "Withheld" in totals
    assert page.locator(".wall-entry").count() == 10


def test_load_more_by_keyboard_appends_and_focuses_the_next_page(
    page: Any, demo_site: DemoSite
) -> None:
    open_page(page, "/transparency/")
    tab_to(page, ".load-more button")
    assert "donations" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.wall-entry').length > 10")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.wall-entry')[10]")
    rows = page.locator("#pairings tbody tr").count()
    page.locator("#pairings-title ~ .load-more button").click()
    page.wait_for_function(f"() => document.querySelectorAll('#pairings tbody tr').length > {rows}")


def _rewrite(page: Any, change: Any) -> None:
    """Let the API answer PageTransparency, then change its answer before the page reads it."""

    def handle(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        response = route.fetch()
        answer = response.json()
        if body.get("operationName") == "PageTransparency":
            answer = change(answer)
        route.fulfill(response=response, json=answer)

    page.route("**/graphql", handle)


def test_empty_lists_show_their_empty_state(page: Any, demo_site: DemoSite) -> None:
    def empty(answer: Any) -> Any:
        data = answer["data"]
        data["generalFund"] = []
        data["donationWall"] = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
        data["pairings"] = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
        return answer

    _rewrite(page, empty)
    open_page(page, "/transparency/")
    assert page.locator(".state-empty").count() == 3
    assert page.locator(".load-more button").count() == 0
    assert_accessible(page)


def test_an_api_error_shows_the_error_state_in_the_visitors_language(
    page: Any, demo_site: DemoSite
) -> None:
    _rewrite(
        page,
        lambda answer: {
            "data": None,
            "errors": [{"message": "Service indisponible.", "extensions": {"code": "UNAVAILABLE"}}],
        },
    )
    open_page(page, "/transparency/", locale="fr")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "UNAVAILABLE"
    assert "Service indisponible." in error.inner_text()
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_transparency_is_accessible(page: Any, demo_site: DemoSite, locale: str) -> None:
    open_page(page, "/transparency/", locale=locale)
    assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
    assert page.locator("h1").count() == 1
    assert_accessible(page)


TEXTS = """{ donationWall(first: 10) { nodes { receivedAtFormatted } }
  pairings(first: 10) { nodes { periodStartFormatted periodEndFormatted } } }"""


def test_wall_and_pairing_days_are_the_apis_in_arabic(page: Any, demo_site: DemoSite) -> None:
    """The day each gift arrived and each pairing's period read as the API writes them for
    an Arabic reader, never the raw ISO dates."""
    expected = httpx.post(
        demo_site.at("/graphql"), json={"query": TEXTS}, headers={"x-aidbridge-locale": "ar"}
    ).json()["data"]
    open_page(page, "/transparency/", locale="ar")
    wall = page.locator(".wall-entry time").all_inner_texts()
    assert wall == [entry["receivedAtFormatted"] for entry in expected["donationWall"]["nodes"]]
    periods = page.locator("#pairings tbody tr td.nowrap").all_inner_texts()
    assert periods == [
        f"{pairing['periodStartFormatted']} \u2013 {pairing['periodEndFormatted']}"
        for pairing in expected["pairings"]["nodes"]
    ]
    assert not any(period[:4].isdigit() and period[4] == "-" for period in periods)
    assert_accessible(page)
