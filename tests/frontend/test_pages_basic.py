"""The home page in the real browser: data drawn, shell, locales, accessibility."""

from __future__ import annotations

from typing import Any

from tests.frontend.conftest import assert_accessible, open_page


def test_home_shows_the_headline_figures(page: Any) -> None:
    open_page(page, "/")
    figures = page.locator(".figures")
    assert "Families registered" in figures.inner_text()
    assert page.locator(".request-card").count() >= 1
    assert_accessible(page)


def test_home_in_arabic_is_right_to_left(page: Any) -> None:
    open_page(page, "/", locale="ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert_accessible(page)
