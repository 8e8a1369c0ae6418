"""The donate and receipt pages in the real browser: a guest's keyboard-only donation with
the offline provider ending on its receipt page (checked in the database), the webhook
provider's checkout link, validation with the error summary, error states, a received
donation's printable receipt, and axe in English, Chinese and Arabic."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
from sqlmodel import Session, col, select

from api.donation.models import Donation
from api.payments.models import Payment
from tests.frontend.conftest import (
    DEMO_PASSWORD,
    OFFLINE_DETAILS,
    DemoSite,
    assert_accessible,
    open_page,
    tab_to,
    wait_ready,
)


def gql(
    site: DemoSite, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(site.at("/graphql"), data=body, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req) as response:  # noqa: S310 - the local test server
        answer = json.load(response)
    assert not answer.get("errors"), answer
    return answer["data"]


def open_money_request(site: DemoSite) -> dict[str, Any]:
    """A public request still needing more than 100 of its currency."""
    data = gql(
        site,
        "{ helpRequests(first: 50, filter: { status: [OPEN] }) {"
        " nodes { id remaining { amountMinor currency } } } }",
    )
    for node in data["helpRequests"]["nodes"]:
        if node["remaining"] and node["remaining"]["amountMinor"] > 20000:
            return dict(node)
    pytest.fail("the demo has no open money request")


def local_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def donation_by_reference(site: DemoSite, reference: str) -> Donation:
    with Session(site.engine) as session:
        row = session.exec(
            select(Donation)
            .join(Payment, col(Payment.id) == Donation.payment_id)
            .where(Payment.reference == reference)
        ).one()
        session.expunge(row)
        return row


def shown(page: Any, item: str) -> str:
    return str(page.locator(f'[data-item="{item}"] dd').inner_text()).strip()


def test_keyboard_only_anonymous_offline_donation_to_a_request(
    page: Any, demo_site: DemoSite
) -> None:
    target = open_money_request(demo_site)
    open_page(page, f"/donate/?request={target['id']}")
    assert page.locator(".donate-target h2").inner_text()
    # First choice: all that is still needed; the arrow key moves to the first preset, 10.
    tab_to(page, "input[name=amountChoice]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "1000"
    tab_to(page, "input[name=provider]:checked")
    assert page.evaluate("document.activeElement.value") == "offline"
    tab_to(page, "#field-anonymous")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/receipt/?donation=*")
    wait_ready(page)

    reference = shown(page, "reference")
    assert reference.startswith("PAY-")
    assert "?" not in page.url.split("?donation=")[1] and reference not in page.url
    row = donation_by_reference(demo_site, reference)
    assert row.status == "PENDING"
    assert row.anonymous is True
    assert (row.amount_minor, row.currency) == (1000, target["remaining"]["currency"])
    assert (row.target_kind, row.target_id) == ("HELP_REQUEST", local_id(target["id"]))
    assert row.receipt_number is None  # issued when the money arrives
    assert "$10.00" in shown(page, "amount")
    assert OFFLINE_DETAILS in page.locator(".pay-now").inner_text()
    assert reference in page.locator(".pay-now").inner_text()
    assert page.locator(".print-button").is_visible()
    assert_accessible(page)

    page.emulate_media(media="print")
    assert (
        page.evaluate("getComputedStyle(document.getElementById('site-header')).display") == "none"
    )
    assert not page.locator(".print-button").is_visible()
    assert page.locator(".receipt").is_visible()
    page.emulate_media(media="screen")

    # The money arrives (staff reconcile the transfer); the guest's tab, which kept the
    # payment reference, now shows the receipt number, and prints the receipt.
    admin = gql(
        demo_site,
        "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { token } }",
        {"i": {"email": "admin@demo.aidbridge.org", "password": DEMO_PASSWORD}},
    )["tokenCreate"]["token"]
    reconciled = gql(
        demo_site,
        "mutation($i: DonationReconcileInput!) { donationReconcile(input: $i) {"
        " donation { receiptNumber } errors { code } } }",
        {
            "i": {
                "donation": unquote(page.url.split("?donation=")[1]),
                "externalReference": "BANK-7",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
        token=admin,
    )["donationReconcile"]
    number = reconciled["donation"]["receiptNumber"]
    assert number and reconciled["errors"] == []
    page.reload()
    wait_ready(page)
    assert shown(page, "number") == number
    page.evaluate("window.print = () => { window.printed = true; }")
    tab_to(page, ".print-button")
    page.keyboard.press("Enter")
    assert page.evaluate("window.printed === true")
    assert_accessible(page)


def test_webhook_provider_offers_the_checkout_link(page: Any, demo_site: DemoSite) -> None:
    open_page(page, "/donate/")
    page.fill("#field-otherAmount", "12,50")
    page.check("input[name=provider][value=webhook]")
    page.fill("#field-donorName", "Ada Lovelace")
    page.fill("#field-message", "For the school fees")
    page.click("button[type=submit]")
    page.wait_for_url("**/receipt/?donation=*")
    wait_ready(page)
    reference = shown(page, "reference")
    link = page.locator("a.checkout-link")
    assert link.get_attribute("href") == f"http://127.0.0.1:9/checkout/{reference}"
    row = donation_by_reference(demo_site, reference)
    assert (row.status, row.provider, row.target_kind) == ("PENDING", "webhook", "GENERAL_FUND")
    assert (row.amount_minor, row.donor_name, row.anonymous) == (1250, "Ada Lovelace", False)


def summary_links(page: Any) -> list[str]:
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    return [
        str(href)
        for href in page.locator(".error-summary a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]


def test_validation_errors_go_to_the_summary_and_link_their_field(
    page: Any, demo_site: DemoSite
) -> None:
    open_page(page, "/donate/")
    page.click("button[type=submit]")
    links = summary_links(page)
    assert len(links) == 1
    assert page.evaluate(
        "id => !!document.querySelector(`[data-field='amount.amountMinor'] ${id}`)", links[0]
    )
    assert "Choose an amount" in page.locator(".error-summary").inner_text()
    assert page.locator("[data-field='amount.amountMinor'] .error-message").count() == 1

    for typed in ("12.345", "abc", "0"):
        page.fill("#field-otherAmount", typed)
        page.click("button[type=submit]")
        assert summary_links(page) == ["#field-otherAmount"]
        assert page.get_attribute("#field-otherAmount", "aria-invalid") == "true"
    assert "greater than zero" in page.locator(".error-summary").inner_text()
    # Following the link by keyboard reaches the field.
    page.fill("#field-otherAmount", "abc")
    page.click("button[type=submit]")
    summary_links(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#field-otherAmount'")

    # The API's own error: a named gift without a name and without an account.
    page.fill("#field-otherAmount", "5")
    page.click("button[type=submit]")
    assert summary_links(page) == ["#field-donorName"]
    assert_accessible(page)


def test_unknown_request_shows_the_api_not_found_message(page: Any, demo_site: DemoSite) -> None:
    unknown = base64.b64encode(b"HelpRequest:987654").decode()
    open_page(page, f"/donate/?request={unknown}", locale="fr")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "NOT_FOUND"
    assert "Introuvable." in error.inner_text()
    assert page.locator("form").count() == 0
    assert_accessible(page)


def test_campaign_is_sent_to_its_backing_page(page: Any, demo_site: DemoSite) -> None:
    open_page(page, "/donate/?campaign=Q2FtcGFpZ246MQ==")
    assert page.locator("a[href='/back/?campaign=Q2FtcGFpZ246MQ%3D%3D']").count() == 1


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_donate_page_is_accessible(page: Any, demo_site: DemoSite, locale: str) -> None:
    target = open_money_request(demo_site)
    open_page(page, f"/donate/?request={target['id']}", locale=locale)
    assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def received_donation(site: DemoSite) -> dict[str, str]:
    """A guest's offline donation to the general fund, reconciled by an admin."""
    created = gql(
        site,
        "mutation($input: DonationCreateInput!) { donationCreate(input: $input) {"
        " donation { id paymentReference } errors { message } } }",
        {
            "input": {
                "target": {"generalFund": True},
                "amount": {"amountMinor": 4200, "currency": "USD"},
                "provider": "offline",
                "donorName": "Grace Hopper",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
    )["donationCreate"]
    token = gql(
        site,
        "mutation($email: String!, $password: String!) {"
        " tokenCreate(input: { email: $email, password: $password }) { token } }",
        {"email": "admin@demo.aidbridge.org", "password": DEMO_PASSWORD},
    )["tokenCreate"]["token"]
    reconciled = gql(
        site,
        "mutation($id: ID!, $key: String!) { donationReconcile(input: { donation: $id,"
        ' externalReference: "BANK-1", idempotencyKey: $key }) {'
        " donation { receiptNumber } errors { message } } }",
        {"id": created["donation"]["id"], "key": str(uuid.uuid4())},
        token=token,
    )["donationReconcile"]
    assert not reconciled["errors"], reconciled
    return {
        "number": reconciled["donation"]["receiptNumber"],
        "reference": created["donation"]["paymentReference"],
    }


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_received_donation_receipt_by_number(page: Any, demo_site: DemoSite, locale: str) -> None:
    donation = received_donation(demo_site)
    # The reference the tab kept when giving, under the receipt number: never in the URL.
    page.goto("/robots.txt")
    page.evaluate(
        "([number, reference, locale]) => {"
        " sessionStorage.setItem('aidbridge.receipt.' + number, reference);"
        " localStorage.setItem('aidbridge.locale', locale); }",
        [donation["number"], donation["reference"], locale],
    )
    open_page(page, f"/receipt/?number={donation['number']}")
    assert shown(page, "number") == donation["number"]
    assert "Grace Hopper" in page.locator(".receipt").inner_text()
    assert page.locator(".pay-now").count() == 0
    assert page.locator(".print-button").count() == 1
    assert_accessible(page)


def test_receipt_without_the_reference_is_not_found(page: Any, demo_site: DemoSite) -> None:
    donation = received_donation(demo_site)
    open_page(page, f"/receipt/?number={donation['number']}")
    assert page.locator(".state-error").get_attribute("data-code") == "NOT_FOUND"
    assert donation["reference"] not in page.content()
    assert_accessible(page)


def test_a_donor_finds_a_project_from_the_general_fund_and_gives_to_it(
    page: Any, demo_site: DemoSite
) -> None:
    open_page(page, "/donate/")
    tab_to(page, ".donate-projects summary")
    page.keyboard.press("Enter")
    first = page.locator(".donate-projects a").first
    name = first.inner_text()
    tab_to(page, ".donate-projects a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    wait_ready(page)
    assert "?project=" in page.url
    assert page.locator(".donate-target h2").inner_text() == name
    page.fill("#field-otherAmount", "15")
    page.fill("#field-donorName", "Project Donor")
    page.click("form button[type=submit]")
    page.wait_for_url("**/receipt/?donation=*")
    wait_ready(page)
    row = donation_by_reference(demo_site, shown(page, "reference"))
    assert (row.target_kind, row.amount_minor, row.status) == ("PROJECT", 1500, "PENDING")
