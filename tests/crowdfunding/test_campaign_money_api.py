"""Money into crowdfunding over real HTTP follows the instance's one money rule (its
currencies, whole minor units up to its maximum), a backing stays in its campaign's own
currency, and the payment instructions speak of a backing, in the caller's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.core.db import utcnow
from api.crowdfunding.models import Backing, Campaign
from tests.crowdfunding import factories as c
from tests.help_requests.factories import count, gid

CREATE = """
mutation($input: CampaignCreateInput!) {
  campaignCreate(input: $input) { campaign { id goal { currency } } errors { field code message } }
}"""
UPDATE = """
mutation($input: CampaignUpdateInput!) {
  campaignUpdate(input: $input) { campaign { goal { amountMinor currency } } errors { field code } }
}"""
BACK = """
mutation($input: CampaignBackInput!) {
  campaignBack(input: $input) {
    backing { id }
    paymentInstructions { text reference }
    errors { field code message }
  }
}"""


def create_input(world, goal: dict) -> dict:
    return {
        "input": {
            "target": {"village": gid("Region", world.regions["P1-A-C1-T-V"].id)},
            "title": "A water tank",
            "description": "Clean water.",
            "goal": goal,
            "fundingModel": "ALL_OR_NOTHING",
            "deadline": (utcnow() + timedelta(days=30)).isoformat(),
        }
    }


def back_input(campaign_id: int, amount: dict) -> dict:
    return {
        "input": {
            "campaign": gid("Campaign", campaign_id),
            "amount": amount,
            "provider": "offline",
            "backerName": "Ada",
            "idempotencyKey": c.key(),
        }
    }


MONEY_REFUSED = [
    ({"amountMinor": 100, "currency": "XXX"}, "INVALID"),
    ({"amountMinor": 100, "currency": "EUR"}, "CURRENCY_MISMATCH"),
    ({"amountMinor": 10**15, "currency": "USD"}, "OUT_OF_RANGE"),
]


@pytest.mark.parametrize(("goal", "code"), MONEY_REFUSED)
def test_a_goal_follows_the_instances_money_rule(api, world, goal, code):
    body = api.data(CREATE, create_input(world, goal), token=world.caseworker.token)
    payload = body["campaignCreate"]
    assert payload["campaign"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("goal", code)]
    if code == "CURRENCY_MISMATCH":
        assert "USD" in payload["errors"][0]["message"]
    assert count(world.engine, Campaign) == 0


def test_a_goal_in_another_instance_currency_is_taken(api, world):
    goal = {"amountMinor": 50_000, "currency": "CNY"}
    payload = api.data(CREATE, create_input(world, goal), token=world.caseworker.token)
    assert payload["campaignCreate"]["errors"] == []
    assert payload["campaignCreate"]["campaign"]["goal"] == {"currency": "CNY"}


@pytest.mark.parametrize(("goal", "code"), MONEY_REFUSED)
def test_a_changed_goal_follows_the_rule_too(api, world, goal, code):
    campaign_id = c.draft(world)
    payload = api.data(
        UPDATE,
        {"input": {"campaign": gid("Campaign", campaign_id), "goal": goal}},
        token=world.caseworker.token,
    )["campaignUpdate"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("goal", code)]
    assert c.campaign(world, campaign_id).goal_minor == 100_000


@pytest.mark.parametrize(
    ("amount", "code", "named"),
    [
        *[(amount, code, "USD") for amount, code in MONEY_REFUSED],
        # Money the instance takes, but not this campaign's currency.
        ({"amountMinor": 100, "currency": "CNY"}, "CURRENCY_MISMATCH", "USD"),
    ],
)
def test_a_backing_follows_the_rule_and_the_campaigns_currency(api, world, amount, code, named):
    campaign_id = c.active(world)
    payload = api.data(BACK, back_input(campaign_id, amount))["campaignBack"]
    assert payload["backing"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("amount", code)]
    if code == "CURRENCY_MISMATCH":
        assert named in payload["errors"][0]["message"]
    assert count(world.engine, Backing) == 0


def test_a_cny_campaign_takes_cny_backings(api, world):
    campaign_id = c.active(world, currency="CNY")
    payload = api.data(BACK, back_input(campaign_id, {"amountMinor": 100, "currency": "CNY"}))
    assert payload["campaignBack"]["errors"] == []


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "Your backing counts toward the campaign once the payment is matched."),
        ("fr", "campagne"),
    ],
)
def test_the_payment_instructions_speak_of_a_backing(api, world, locale, words):
    campaign_id = c.active(world)
    payload = api.data(
        BACK, back_input(campaign_id, {"amountMinor": 1_000, "currency": "USD"}), locale=locale
    )["campaignBack"]
    text = payload["paymentInstructions"]["text"]
    assert words in text and payload["paymentInstructions"]["reference"] in text
    assert "donation" not in text.lower() and "don " not in text
