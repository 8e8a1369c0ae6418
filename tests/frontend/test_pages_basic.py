"""What every page shares, in the real browser: the home page's figures, the language
switcher (by keyboard, persisting, Arabic right to left), the layout at 320 px (WCAG 1.4.10
reflow: what 200% zoom of a 640 px window shows) and the security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from api.frontend.serve import content_security_policy
from tests.frontend.conftest import DemoSite, assert_accessible, open_page, tab_to, wait_ready
from tests.frontend.pages import page_paths


@pytest.mark.rendering
def test_home_shows_the_headline_figures(page: Any) -> None:
    open_page(page, "/")
    figures = page.locator(".figures")
    assert "Families registered" in figures.inner_text()
    assert page.locator(".figure dd").count() == 6
    assert page.locator(".request-card").count() >= 1
    assert_accessible(page)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["zh_Hans", "ar"])
def test_home_in_other_locales(page: Any, locale: str) -> None:
    open_page(page, "/", locale=locale)
    assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
    assert page.evaluate("document.documentElement.lang") == locale.replace("_", "-")
    assert_accessible(page)


def test_switching_to_arabic_by_keyboard_persists(page: Any) -> None:
    open_page(page, "/needs/")
    options = page.locator("#language option")
    assert options.count() == 8  # every locale Query.locales offers
    tab_to(page, "#language")
    # Arrowing through the options changes nothing yet (no context change on input)...
    while page.evaluate("document.getElementById('language').value") != "ar":
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    # ...the button does.
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    wait_ready(page)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("h1").inner_text() == "الاحتياجات"
    assert page.locator("nav[aria-label] a[href='/']").inner_text() == "الرئيسية"
    # The choice persists: another page opens in Arabic, and the API answers in Arabic.
    open_page(page, "/")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert "الأسر المسجّلة" in page.locator(".figures").inner_text()


@pytest.mark.rendering
def test_every_page_reflows_at_320_px(browser: Any, demo_site: DemoSite) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=demo_site.url)
    tab = context.new_page()
    too_wide = []
    for locale in ("en", "ar"):
        tab.goto("/robots.txt")
        tab.evaluate("l => localStorage.setItem('aidbridge.locale', l)", locale)
        for path in page_paths(demo_site.url):
            tab.goto(path)
            wait_ready(tab)
            width = tab.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide.append(f"{locale} {path}: {width}px")
    context.close()
    assert not too_wide, "pages scroll sideways at 320 px:\n" + "\n".join(too_wide)


@pytest.mark.rendering
def test_pages_carry_the_security_headers(demo_site: DemoSite) -> None:
    for path in ["/", "/needs/", "/assets/icon.svg", "/no-such-page"]:
        response = httpx.get(demo_site.at(path))
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(demo_site.at("/no-such-page")).status_code == 404


def test_the_policy_allows_pictures_only_from_the_instance_and_its_media_address() -> None:
    policy = content_security_policy("https://api.example.org/graphql", "https://cdn.example.org/m")
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["img-src"] == "'self' data: https://api.example.org https://cdn.example.org"
    assert directives["connect-src"] == "'self' https://api.example.org"
    assert content_security_policy(None).count("img-src 'self' data:;") == 1
    # The policy docs/frontend.md gives static hosts is the one the app sends.
    documented = (Path(__file__).parents[2] / "docs" / "frontend.md").read_text(encoding="utf-8")
    assert content_security_policy("https://api.example.org/graphql") in documented
