"""The crowdfunding pages in the real browser: the campaigns list and its filters, one
campaign, and backing one as a guest by keyboard alone, checked in the database."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.crowdfunding.models import (
    Backing,
    BackingStatus,
    Campaign,
    CampaignPost,
    CampaignStatus,
)
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
from tests.help_requests.factories import gid

PUBLIC_STATUSES = ["ACTIVE", "SUCCEEDED", "FAILED", "DISBURSED", "REFUNDED", "CANCELLED"]
KINDS = ["PROJECT", "VILLAGE", "HOUSEHOLD"]


def active_campaign(site: DemoSite) -> Campaign:
    with Session(site.engine) as session:
        campaign = session.exec(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.ACTIVE)
            .where(Campaign.deadline > utcnow() + timedelta(days=1))
            .order_by(col(Campaign.id))
        ).first()
    assert campaign is not None, "the demo has an active campaign"
    return campaign


def backing_paid_with(session: Session, reference: str) -> Backing:
    query = select(Backing).join(Payment, col(Backing.payment_id) == col(Payment.id))
    return session.exec(query.where(Payment.reference == reference)).one()


def test_campaigns_list_and_a_filter_without_results(page: Any, demo_site: DemoSite) -> None:
    open_page(page, "/campaigns/")
    assert page.locator(".campaign-card").count() >= 1
    assert page.locator(".campaign-card progress").count() >= 1
    assert "Ends" in page.locator(".campaign-card").first.inner_text()
    with Session(demo_site.engine) as session:
        used = set(session.exec(select(Campaign.status, Campaign.target_kind)).all())
    status, kind = next((s, k) for s in PUBLIC_STATUSES for k in KINDS if (s, k) not in used)
    page.select_option("#filter-status", status)
    page.select_option("#filter-kind", kind)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/campaigns/?status={status}&kind={kind}**")
    wait_ready(page)
    assert page.locator(".campaign-card").count() == 0
    assert "No campaign matches these filters" in page.locator(".state-empty").inner_text()
    assert page.locator("#filter-status").input_value() == status


def test_campaigns_sorted_and_filtered_by_status(page: Any) -> None:
    open_page(page, "/campaigns/?status=ACTIVE&order=ENDING_SOONEST")
    cards = page.locator(".campaign-card")
    assert cards.count() >= 1
    assert page.locator("#filter-order").input_value() == "ENDING_SOONEST"
    assert page.evaluate("document.activeElement.id") == "results-title"


def test_campaign_page(page: Any, demo_site: DemoSite) -> None:
    campaign = active_campaign(demo_site)
    open_page(page, f"/campaign/?id={gid('Campaign', campaign.id)}")
    assert page.locator("h1").inner_text() == campaign.title
    assert page.locator("h1").count() == 1
    sentence = page.locator(".funding-model").inner_text()
    if campaign.funding_model == "ALL_OR_NOTHING":
        assert "every backer gets their money back" in sentence
    else:
        assert "even if the goal is not reached" in sentence
    assert page.locator("progress").count() == 1
    back = page.locator("a", has_text="Back this campaign")
    encoded = gid("Campaign", campaign.id).replace("=", "%3D")
    assert back.get_attribute("href") == f"/back/?campaign={encoded}"
    if campaign.backers_count:
        assert page.locator(".backers li").count() >= 1
    assert page.title().startswith(campaign.title)


def test_unknown_campaign_shows_the_error_state(page: Any) -> None:
    open_page(page, f"/campaign/?id={gid('Campaign', 999999)}", locale="fr")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "NOT_FOUND"
    assert "Cette campagne" in error.inner_text()
    assert_accessible(page)


def test_an_error_met_before_the_catalog_arrived_is_shown_translated(page: Any) -> None:
    """The page's data and its language's catalog load side by side; when the API answers
    first (here the catalog is held back), the error's message still shows in French."""

    def held_back(route: Any) -> None:
        time.sleep(0.5)
        route.continue_()

    page.route("**/i18n/fr*.json", held_back)
    open_page(page, f"/campaign/?id={gid('Campaign', 999998)}", locale="fr")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "NOT_FOUND"
    assert "Cette campagne" in error.inner_text()


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_crowdfunding_pages_are_accessible(page: Any, demo_site: DemoSite, locale: str) -> None:
    campaign = gid("Campaign", active_campaign(demo_site).id)
    for path in ["/campaigns/", f"/campaign/?id={campaign}", f"/back/?campaign={campaign}"]:
        open_page(page, path, locale=locale if path == "/campaigns/" else None)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        assert_accessible(page)


def test_guest_backs_a_campaign_by_keyboard_with_the_offline_provider(
    page: Any, demo_site: DemoSite
) -> None:
    campaign = active_campaign(demo_site)
    open_page(page, f"/back/?campaign={gid('Campaign', campaign.id)}")
    assert page.locator("#provider-offline").is_checked()
    tab_to(page, "#field-amount")
    page.keyboard.type("12.50")
    assert page.locator("#preset-other").is_checked()
    tab_to(page, "#field-backerName")
    page.keyboard.type("Keyboard Backer")
    tab_to(page, "#field-message")
    page.keyboard.type("Good luck!")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    result = page.locator(".backing-result")
    result.wait_for()
    assert page.evaluate("document.activeElement.id") == "result-title"
    reference = page.locator(".payment-reference").inner_text()
    assert reference.startswith("PAY")
    assert page.locator(".backing-status").inner_text() == "Pending"
    assert page.locator(".receipt-number").inner_text() == "Issued as soon as your payment arrives."
    assert "12.50" in page.locator(".backing-facts .money").inner_text()
    assert OFFLINE_DETAILS in page.locator(".payment-instructions").inner_text()
    # The reference stays out of the address, in this tab's storage only.
    assert reference not in page.url
    key = f"aidbridge.backing.{gid('Campaign', campaign.id)}"
    stored = page.evaluate("k => sessionStorage.getItem(k)", key)
    assert reference in stored
    with Session(demo_site.engine) as session:
        backing = backing_paid_with(session, reference)
    assert backing.campaign_id == campaign.id
    assert backing.status == BackingStatus.PENDING
    assert (backing.amount_minor, backing.currency) == (1250, campaign.currency)
    assert backing.backer_account_id is None
    assert (backing.backer_name, backing.message) == ("Keyboard Backer", "Good luck!")
    assert not backing.anonymous
    assert backing.provider == "offline"
    # Reloading the page in the same tab shows the backing again.
    page.reload()
    wait_ready(page)
    assert page.locator(".payment-reference").inner_text() == reference
    # Once staff reconcile the transfer, the same tab shows the receipt number.
    token = httpx.post(
        demo_site.at("/graphql"),
        json={
            "query": "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { token } }",
            "variables": {"i": {"email": "admin@demo.aidbridge.org", "password": DEMO_PASSWORD}},
        },
    ).json()["data"]["tokenCreate"]["token"]
    reconciled = httpx.post(
        demo_site.at("/graphql"),
        json={
            "query": "mutation($i: CampaignBackingReconcileInput!) { campaignBackingReconcile("
            "input: $i) { backing { receiptNumber } errors { code } } }",
            "variables": {
                "i": {
                    "backing": gid("Backing", backing.id),
                    "externalReference": "BANK-9",
                    "idempotencyKey": str(uuid.uuid4()),
                }
            },
        },
        headers={"authorization": f"Bearer {token}"},
    ).json()["data"]["campaignBackingReconcile"]
    assert reconciled["errors"] == []
    page.reload()
    wait_ready(page)
    assert page.locator(".receipt-number").inner_text() == reconciled["backing"]["receiptNumber"]
    assert page.locator(".backing-status").inner_text() == "Received"


def test_backing_validation_shows_an_error_summary(page: Any, demo_site: DemoSite) -> None:
    campaign = active_campaign(demo_site)
    open_page(page, f"/back/?campaign={gid('Campaign', campaign.id)}")
    page.click("button[type=submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    link = summary.locator("a")
    assert link.get_attribute("href") == "#field-amount"
    assert "Choose an amount" in link.inner_text()
    link.click()
    assert page.evaluate("document.activeElement.id") == "field-amount"
    assert page.locator("#field-amount").get_attribute("aria-invalid") == "true"
    page.fill("#field-amount", "12.345")
    page.click("button[type=submit]")
    summary_text = page.locator(".error-summary").inner_text()
    assert "Enter the amount as a number, for example 12.50." in summary_text
    # The API's own check: a named backing without an account needs a name.
    assert page.locator("label[for=preset-1000]").inner_text() == "$10.00"  # as the API writes it
    page.check("#preset-1000")
    page.click("button[type=submit]")
    page.locator(".error-summary a[href='#field-backerName']").wait_for()
    assert page.locator("[data-field=backerName] .error-message").count() == 1
    # Correcting it goes through (the refused attempt did not use up the idempotency key).
    page.fill("#field-backerName", "Corrected Backer")
    page.click("button[type=submit]")
    page.locator(".backing-result").wait_for()
    reference = page.locator(".payment-reference").inner_text()
    with Session(demo_site.engine) as session:
        backing = backing_paid_with(session, reference)
    assert (backing.amount_minor, backing.backer_name) == (10 * 100, "Corrected Backer")


CAMPAIGN_TEXTS = """query($id: ID!) { node(id: $id) { ... on Campaign {
  backersCountFormatted
  updates(first: 5) { createdAtFormatted }
  backers(first: 20) { nodes { receivedAtFormatted } } } } }"""


def test_campaign_page_shows_the_apis_days_and_count_in_chinese(
    page: Any, demo_site: DemoSite
) -> None:
    """Update days, backer days and the backers count are the API's text, never the
    browser's formatting of raw values."""
    with Session(demo_site.engine) as session:
        campaign_id = session.exec(
            select(Campaign.id)
            .join(CampaignPost, col(CampaignPost.campaign_id) == col(Campaign.id))
            .where(Campaign.status == CampaignStatus.ACTIVE)
            .where(Campaign.backers_count > 0)
            .order_by(col(Campaign.id))
        ).first()
    assert campaign_id is not None, "the demo has an active campaign with updates and backers"
    response = httpx.post(
        demo_site.at("/graphql"),
        json={"query": CAMPAIGN_TEXTS, "variables": {"id": gid("Campaign", campaign_id)}},
        headers={"x-aidbridge-locale": "zh_Hans"},
    )
    expected = response.json()["data"]["node"]
    open_page(page, f"/campaign/?id={gid('Campaign', campaign_id)}", locale="zh_Hans")
    updates = page.locator(".updates li .meta time").all_inner_texts()
    assert updates == [update["createdAtFormatted"] for update in expected["updates"]]
    assert all("年" in day for day in updates)
    backers = page.locator(".backers li time").all_inner_texts()
    assert backers == [backer["receivedAtFormatted"] for backer in expected["backers"]["nodes"]]
    progress = page.locator(".campaign-progress").inner_text()
    assert expected["backersCountFormatted"] in progress
    assert_accessible(page)
