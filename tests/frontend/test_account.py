"""The account pages in the real browser: registering and logging in by keyboard alone,
the session kept in this origin's storage (never in a URL, never sent elsewhere), logging
out, the password reset link's fragment, the histories of /account/, and axe everywhere."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import Session, col, select

from api.accounts.models import AccessToken, Account, PasswordResetToken
from api.core.db import utcnow
from api.core.roles import Role
from api.core.security import token_digest
from tests.frontend.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    open_page,
    set_locale,
    tab_to,
    wait_ready,
)

HELPER_EMAIL = "helper@demo.aidbridge.org"
TOKEN_KEY = "aidbridge.token"
LOGIN = """mutation($email: String!, $password: String!) {
  tokenCreate(input: {email: $email, password: $password}) {
    token errors { field code message }
  }
}"""
REGISTER = """mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { id } errors { field code message } }
}"""


def api(demo_site: Any, query: str, variables: dict[str, Any], locale: str = "en") -> Any:
    response = httpx.post(
        demo_site.at("/graphql"),
        json={"query": query, "variables": variables},
        headers={"x-aidbridge-locale": locale},
        timeout=30,
    )
    return response.json()["data"]


def api_login(demo_site: Any, email: str, password: str, locale: str = "en") -> Any:
    return api(demo_site, LOGIN, {"email": email, "password": password}, locale)["tokenCreate"]


def stored_token(page: Any) -> str | None:
    return page.evaluate("key => localStorage.getItem(key)", TOKEN_KEY)


def log_in_as_helper(page: Any, demo_site: Any) -> str:
    """Log the tab in as the demo helper, as the login page would have."""
    token = api_login(demo_site, HELPER_EMAIL, DEMO_PASSWORD)["token"]
    page.goto("/robots.txt")
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [TOKEN_KEY, token])
    return token


def new_email() -> str:
    return f"donor-{uuid.uuid4().hex[:12]}@example.org"


def focused_matches(page: Any, selector: str) -> bool:
    return page.evaluate(
        "s => document.activeElement && document.activeElement.matches(s)", selector
    )


def test_register_by_keyboard_keeps_the_session_and_logs_out(page: Any, demo_site: Any) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    email = new_email()
    open_page(page, "/register/")

    # Register with the keyboard alone: Tab to each field, type, Enter.
    tab_to(page, "#field-displayName")
    page.keyboard.type("Ada Keyboard")
    tab_to(page, "#field-email")
    page.keyboard.type(email)
    tab_to(page, "#field-password")
    page.keyboard.type("a-long-enough-passphrase")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # Logged in at once, on /account/ with the name; the token in storage, not in the URL.
    page.wait_for_url(demo_site.at("/account/"))
    wait_ready(page)
    assert page.locator(".account-name").inner_text() == "Ada Keyboard"
    token = stored_token(page)
    assert token
    assert token not in page.url
    with Session(demo_site.engine) as session:
        account = session.exec(select(Account).where(Account.email == email)).one()
        assert account.role == Role.HELPER
        assert account.locale == "en"
        account_id = account.id

    # A reload keeps the session.
    page.reload()
    wait_ready(page)
    assert page.locator(".account-name").inner_text() == "Ada Keyboard"
    assert page.locator("header a[href='/account/']").count() == 1

    # Log out: the token is revoked, forgotten here, and the header offers to log in.
    tab_to(page, "button.logout")
    page.keyboard.press("Enter")
    page.wait_for_url(demo_site.at("/"))
    wait_ready(page)
    assert page.locator("header a[href='/login/']").count() == 1
    assert stored_token(page) is None
    with Session(demo_site.engine) as session:
        tokens = session.exec(select(AccessToken).where(AccessToken.account_id == account_id)).all()
    assert tokens and all(row.revoked_at is not None for row in tokens)

    # Every request went to this site, and none carried the token in its URL.
    assert requests
    assert all(url.startswith(demo_site.url + "/") for url in requests), requests
    assert not any(token in url for url in requests)


def test_the_demo_helper_logs_in_and_sees_pledges_and_orders(page: Any, demo_site: Any) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    open_page(page, "/login/?next=/account/")
    tab_to(page, "#field-email")
    page.keyboard.type(HELPER_EMAIL)
    tab_to(page, "#field-password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(demo_site.at("/account/"))
    wait_ready(page)

    assert page.locator(".account-name").inner_text() == "Demo Helper"
    pledges = page.locator("#pledges .history-item")
    assert pledges.count() == 10
    assert "Delivery status:" in pledges.first.inner_text()
    assert page.locator("#orders a[href^='/order/?id=']").count() >= 1
    # No donations or backings for the demo helper: the empty states, without "Load more".
    assert page.locator("#backings .state-empty").count() == 1
    assert page.locator("#backings .load-more").count() == 0

    # "Load more" pledges, by keyboard: the next page is appended and receives focus.
    tab_to(page, "#pledges .load-more button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#pledges .history-item').length > 10")
    assert focused_matches(page, "#pledges .history-item:nth-child(11)")
    assert_accessible(page)
    assert all(url.startswith(demo_site.url + "/") for url in requests), requests


def test_a_wrong_password_shows_the_apis_message_in_a_focused_summary(
    page: Any, demo_site: Any
) -> None:
    expected = api_login(demo_site, HELPER_EMAIL, "not-the-password", "fr")["errors"][0]["message"]
    open_page(page, "/login/", locale="fr")
    tab_to(page, "#field-email")
    page.keyboard.type(HELPER_EMAIL)
    tab_to(page, "#field-password")
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert focused_matches(page, ".error-summary")
    assert expected in page.locator(".error-summary").inner_text()
    assert stored_token(page) is None
    assert_accessible(page)


def test_a_missing_field_is_linked_from_the_summary(page: Any) -> None:
    open_page(page, "/login/")
    page.locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    assert focused_matches(page, ".error-summary")
    # The summary links to each field, which then receives focus.
    summary.locator("a[href='#field-email']").click()
    assert focused_matches(page, "#field-email")
    assert page.locator("#field-email").get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize(
    "next_path, landing",
    [("/register/?from=login", "/register/?from=login"), ("//127.0.0.2/account/", "/account/")],
)
def test_login_follows_next_only_within_the_site(
    page: Any, demo_site: Any, next_path: str, landing: str
) -> None:
    open_page(page, f"/login/?next={quote(next_path, safe='')}")
    page.fill("#field-email", HELPER_EMAIL)
    page.fill("#field-password", DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(demo_site.at(landing))
    wait_ready(page)


def test_registration_errors_come_from_the_api(page: Any, demo_site: Any) -> None:
    short = {"email": new_email(), "password": "short", "displayName": "Short Password"}
    [expected] = api(demo_site, REGISTER, {"input": short}, "zh_Hans")["accountRegister"]["errors"]
    open_page(page, "/register/", locale="zh_Hans")
    page.fill("#field-displayName", "Short Password")
    page.fill("#field-email", new_email())
    page.fill("#field-password", "short")
    page.locator("button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert focused_matches(page, ".error-summary")
    link = page.locator(".error-summary a[href='#field-password']")
    assert link.count() == 1
    # The API's own message, in the visitor's language.
    assert expected["field"] == "password"
    assert link.inner_text() == expected["message"]
    assert stored_token(page) is None


def test_a_reset_request_gives_the_same_answer_for_any_email(page: Any) -> None:
    answers = []
    for email in ("nobody-here@example.org", HELPER_EMAIL):
        open_page(page, "/password-reset/")
        tab_to(page, "#field-email")
        page.keyboard.type(email)
        page.keyboard.press("Enter")
        notice = page.wait_for_selector(".notice[role=status]")
        assert focused_matches(page, ".notice")
        # The email is isolated (U+2068...U+2069) so it keeps its place in any direction.
        answers.append(notice.inner_text().replace(f"\u2068{email}\u2069", "EMAIL"))
    assert answers[0] == answers[1]
    assert "If an account exists for EMAIL" in answers[0]


def test_a_bad_reset_token_shows_the_apis_error(page: Any, demo_site: Any) -> None:
    open_page(page, "/password-reset/#token=pr_not-a-real-token")
    # The token left the address bar at once.
    assert "token" not in page.url
    assert page.url == demo_site.at("/password-reset/")
    tab_to(page, "#field-newPassword")
    page.keyboard.type("a-brand-new-passphrase")
    page.keyboard.press("Enter")
    summary = page.wait_for_selector(".error-summary")
    assert focused_matches(page, ".error-summary")
    assert "This password reset link is not valid or has expired" in summary.inner_text()
    assert page.locator(".error-summary a[href='/password-reset/']").count() == 1
    assert_accessible(page)


def test_a_reset_link_sets_a_new_password(page: Any, demo_site: Any) -> None:
    email = new_email()
    registered = api(
        demo_site,
        REGISTER,
        {"input": {"email": email, "password": "the-old-passphrase", "displayName": "Forgetful"}},
    )
    assert registered["accountRegister"]["errors"] == []
    reset_token = f"pr_{uuid.uuid4().hex}"
    with Session(demo_site.engine) as session:
        account_id = session.exec(select(Account.id).where(col(Account.email) == email)).one()
        assert account_id is not None
        session.add(
            PasswordResetToken(
                account_id=account_id,
                token_hash=token_digest(reset_token, demo_site.settings.secret_key),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        session.commit()

    # The link exactly as the notifier writes it (no trailing slash, token in the fragment).
    page.goto(f"/password-reset#token={reset_token}")
    wait_ready(page)
    assert reset_token not in page.url
    page.fill("#field-newPassword", "the-new-passphrase")
    page.locator("button[type=submit]").click()
    notice = page.wait_for_selector(".notice[role=status]")
    assert page.locator(".notice a[href='/login/']").count() == 1
    assert "Your password has been changed" in notice.inner_text()
    assert api_login(demo_site, email, "the-new-passphrase")["token"]
    assert api_login(demo_site, email, "the-old-passphrase")["token"] is None


def test_account_logged_out_links_to_login(page: Any) -> None:
    # An expired or revoked token is forgotten, and the page offers to log in again.
    page.goto("/robots.txt")
    page.evaluate("key => localStorage.setItem(key, 'ab_revoked-or-expired')", TOKEN_KEY)
    open_page(page, "/account/")
    assert page.locator("main a[href='/login/?next=/account/']").count() == 1
    assert page.locator("header a[href='/login/']").count() == 1
    assert stored_token(page) is None


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_every_account_page_is_accessible(page: Any, demo_site: Any, locale: str) -> None:
    set_locale(page, locale)
    for path in ("/register/", "/login/", "/password-reset/", "/account/"):
        open_page(page, path)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    open_page(page, "/password-reset/#token=pr_whatever")
    assert_accessible(page)
    log_in_as_helper(page, demo_site)
    open_page(page, "/account/")
    assert page.locator("#pledges .history-item").count() >= 1
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_order_days_are_the_apis_in_chinese(page: Any, demo_site: Any) -> None:
    """The day each order was placed reads as the API writes it for the visitor's locale."""
    token = log_in_as_helper(page, demo_site)
    response = httpx.post(
        demo_site.at("/graphql"),
        json={"query": "{ myOrders(first: 10) { nodes { placedAtFormatted } } }"},
        headers={"x-aidbridge-locale": "zh_Hans", "authorization": f"Bearer {token}"},
        timeout=30,
    )
    days = [order["placedAtFormatted"] for order in response.json()["data"]["myOrders"]["nodes"]]
    assert days and all("年" in day for day in days)
    open_page(page, "/account/", locale="zh_Hans")
    shown = page.locator("#orders .history-item .meta").all_inner_texts()
    assert len(shown) == len(days)
    assert all(day in text for day, text in zip(days, shown, strict=True))
