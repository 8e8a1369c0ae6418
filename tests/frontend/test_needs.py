"""The needs pages in the real browser: browsing with facets, one request, pledging."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from tests.frontend.conftest import (
    DEMO_PASSWORD,
    DemoSite,
    assert_accessible,
    open_page,
    tab_to,
    wait_ready,
)
from tests.frontend.pages import sample_ids


def graphql(
    site: DemoSite, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        site.at("/graphql"),
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    ).json()
    assert "errors" not in body, body
    return body["data"]


def log_in(page: Any, site: DemoSite, email: str) -> str:
    data = graphql(
        site,
        "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { token errors { code } } }",
        {"i": {"email": email, "password": DEMO_PASSWORD}},
    )
    token = data["tokenCreate"]["token"]
    assert token, data
    page.goto("/robots.txt")
    page.evaluate("t => localStorage.setItem('aidbridge.token', t)", token)
    return str(token)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_needs_page_is_accessible_in_every_test_locale(page: Any, locale: str) -> None:
    open_page(page, "/needs/", locale=locale)
    assert page.locator(".request-card").count() > 0
    assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
    assert_accessible(page)


def test_filtering_by_cause_with_the_keyboard(page: Any, demo_site: DemoSite) -> None:
    open_page(page, "/needs/")
    status_before = page.locator("#results-status").inner_text()
    option = page.locator("#filter-cause option").nth(1)
    label, value = option.inner_text(), option.get_attribute("value")
    expected = int(label.rsplit("(", 1)[1].rstrip(")"))

    tab_to(page, "#filter-cause")
    page.keyboard.press("ArrowDown")  # a closed <select> changes value with the arrow keys
    page.wait_for_function(
        "v => new URLSearchParams(location.search).get('cause') === v", arg=value
    )
    wait_ready(page)
    page.wait_for_function(
        "b => document.getElementById('results-status').innerText !== b", arg=status_before
    )

    assert parse_qs(urlsplit(page.url).query)["cause"] == [value]
    assert page.locator("#results-status").inner_text().startswith(str(expected))
    assert page.evaluate("document.activeElement.id") == "filter-cause"
    # The count shown is what the API lists with that filter.
    listed = graphql(
        demo_site,
        "query($f: HelpRequestFilter) { helpRequestFacets(filter: $f) { total } }",
        {"f": {"cause": value, "status": ["OPEN", "PLEDGED"]}},
    )
    assert listed["helpRequestFacets"]["total"] == expected


def test_a_search_without_results_shows_the_empty_state(page: Any) -> None:
    open_page(page, "/needs/?q=no-such-need-anywhere")
    assert page.locator("#results .state-empty").count() == 1
    assert page.locator("#results-status").inner_text().startswith("0")
    assert_accessible(page)


def test_the_filters_survive_a_reload_and_load_more_appends(page: Any) -> None:
    open_page(page, "/needs/?sort=urgent")
    assert page.locator("#filter-sort").input_value() == "urgent"
    before = page.locator(".request-card").count()
    page.get_by_role("button", name="Show more requests").click()
    page.wait_for_function("n => document.querySelectorAll('.request-card').length > n", arg=before)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_request_page(page: Any, demo_site: DemoSite, locale: str) -> None:
    ids = sample_ids(demo_site.url)
    open_page(page, f"/request/?id={ids['request']}", locale=locale)
    assert page.locator("h1").count() == 1
    assert page.locator(f'a[href="/donate/?request={quote(ids["request"], safe="")}"]').count() == 1
    assert page.locator("progress").count() == 1
    assert_accessible(page)


def test_an_unknown_request_shows_the_error_state(page: Any) -> None:
    open_page(page, "/request/?id=bm90LWEtcmVhbC1pZA")
    assert page.locator("[role=alert]").count() == 1
    assert_accessible(page)


def test_a_helper_pledges_money_by_keyboard(page: Any, demo_site: DemoSite) -> None:
    ids = sample_ids(demo_site.url)
    log_in(page, demo_site, "helper@demo.aidbridge.org")
    open_page(page, f"/request/?id={ids['request']}")
    assert "My account" in page.locator("#site-header").inner_text()

    tab_to(page, "input[name='amount.amountMinor']")
    page.keyboard.type("abc")
    tab_to(page, ".pledge-form button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert summary.locator("a[href='#field-amount.amountMinor']").count() == 1

    page.locator("input[name='amount.amountMinor']").fill("")
    tab_to(page, "input[name='amount.amountMinor']")
    page.keyboard.type("1.25")
    tab_to(page, ".pledge-form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#pledge-result .notice").wait_for()

    with demo_site.engine.connect() as connection:
        amount = connection.execute(
            sa.text("SELECT amount_minor FROM pledge ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert amount == 125
