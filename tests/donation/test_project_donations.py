"""Donations to projects over real HTTP, end to end: give (offline and through the
webhook gateway), reconcile, receipt, the project's figures, donor history, the wall and
the fund totals. Before, every project was NOT_FOUND on `target`."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest

from api.donation.models import Donation
from api.payments.webhook import sign
from tests.donation import factories as d
from tests.help_requests import factories as f

SECRET = "whsec_" + "p" * 32
CREATE = """
mutation($input: DonationCreateInput!) {
  donationCreate(input: $input) {
    donation { id status paymentReference target { kind id title } amount { amountMinor currency } }
    paymentInstructions { provider reference text }
    errors { field code message }
  }
}"""
RECONCILE = """
mutation($input: DonationReconcileInput!) {
  donationReconcile(input: $input) { donation { id status receiptNumber } errors { field code } }
}"""
RECEIPT = """
query($number: String!) {
  donation(receiptNumber: $number) { receipt { targetTitle amountFormatted html } }
}"""
PROJECT = """
query($id: ID!) {
  node(id: $id) {
    ... on Project {
      received { amountMinor currency } held { amountMinor } disbursed { amountMinor }
    }
  }
}"""
WALL = "{ donationWall(first: 5) { nodes { targetKind targetTitle amount { amountMinor } } } }"
MINE = "{ myDonations(first: 5) { nodes { status target { kind id title } } } }"
FUND = """
query($target: DonationTargetInput!) {
  fundBalance(target: $target) { amountMinor currency }
  fundTotals(target: $target) { currency received { amountMinor } held { amountMinor } }
}"""
UPDATE = """
mutation($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { budget { currency } } errors { field code } }
}"""


@pytest.fixture
def project(world) -> str:
    project_id = d.project(world.engine, world.settings, world.regions["P1-A-C1"])
    return f.gid("Project", project_id)


def give(api, project: str, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "target": {"project": project},
        "amount": {"amountMinor": 50_000, "currency": "CNY"},
        "provider": "offline",
        "donorName": "Ada Donor",
        "idempotencyKey": str(uuid.uuid4()),
    }
    values.update(overrides)
    payload: dict[str, Any] = api.data(CREATE, {"input": values}, token=token)["donationCreate"]
    return payload


def reconcile(api, token: str, donation_id: str) -> dict[str, Any]:
    variables = {
        "input": {
            "donation": donation_id,
            "externalReference": "BANK-7",
            "idempotencyKey": str(uuid.uuid4()),
        }
    }
    payload: dict[str, Any] = api.data(RECONCILE, variables, token=token)["donationReconcile"]
    return payload


def test_an_offline_gift_to_a_project_from_pending_to_receipt(api, world, project):
    # Given an ACTIVE project, when a helper gives to it,
    created = give(api, project, world.helper.token, donorName=None)

    # then the donation waits for its money, named after the project,
    assert created["errors"] == []
    donation = created["donation"]
    assert donation["status"] == "PENDING"
    assert donation["target"] == {"kind": "PROJECT", "id": project, "title": "Kiwi orchards"}
    assert donation["paymentReference"] in created["paymentInstructions"]["text"]
    assert api.data(PROJECT, {"id": project})["node"]["received"]["amountMinor"] == 0
    # a caseworker may not reconcile it; an admin does,
    refused = api.post(
        RECONCILE,
        {"input": {"donation": donation["id"], "externalReference": "X", "idempotencyKey": "k"}},
        token=world.caseworker.token,
    )
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    received = reconcile(api, world.admin.token, donation["id"])["donation"]
    assert received["status"] == "RECEIVED"

    # and the receipt, the project, the donor's history, the wall and the fund show it.
    receipt = api.data(RECEIPT, {"number": received["receiptNumber"]}, token=world.helper.token)
    assert receipt["donation"]["receipt"]["targetTitle"] == "Kiwi orchards"
    assert api.data(PROJECT, {"id": project})["node"] == {
        "received": {"amountMinor": 50_000, "currency": "CNY"},
        "held": {"amountMinor": 50_000},
        "disbursed": {"amountMinor": 0},
    }
    mine = api.data(MINE, token=world.helper.token)["myDonations"]["nodes"]
    assert mine == [
        {
            "status": "RECEIVED",
            "target": {"kind": "PROJECT", "id": project, "title": "Kiwi orchards"},
        }
    ]
    wall = api.data(WALL)["donationWall"]["nodes"]
    assert wall == [
        {"targetKind": "PROJECT", "targetTitle": "Kiwi orchards", "amount": {"amountMinor": 50_000}}
    ]
    fund = api.data(FUND, {"target": {"project": project}})
    assert fund["fundBalance"] == [{"amountMinor": 50_000, "currency": "CNY"}]
    assert fund["fundTotals"] == [
        {"currency": "CNY", "received": {"amountMinor": 50_000}, "held": {"amountMinor": 50_000}}
    ]
    assert d.balance(world.engine, f"project:{_pk(project)}", "CNY") == 50_000


def test_a_gateway_confirms_a_gift_to_a_project(api, world, project, monkeypatch):
    monkeypatch.setenv("AIDBRIDGE_WEBHOOK_SECRET", SECRET)
    created = give(api, project, None, provider="webhook")
    assert created["errors"] == []
    reference = created["paymentInstructions"]["reference"]
    body = json.dumps(
        {
            "id": "evt_project_1",
            "type": "payment.succeeded",
            "data": {
                "reference": reference,
                "amount_minor": 50_000,
                "currency": "CNY",
                "external_reference": "ch_9",
            },
        }
    ).encode()
    header = sign(SECRET, body, int(time.time()))

    response = api.http.post(
        "/payments/webhook/webhook", content=body, headers={"Aidbridge-Signature": header}
    )

    assert response.status_code == 200, response.text
    held = api.data(PROJECT, {"id": project})["node"]["held"]
    assert held == {"amountMinor": 50_000}
    assert d.count(world.engine, Donation) == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [("PLANNED", "NOT_FOUND"), ("COMPLETED", "INVALID_STATE"), ("CANCELLED", "NOT_FOUND")],
)
def test_only_running_projects_take_gifts(api, world, status, expected):
    other = d.project(world.engine, world.settings, world.regions["P1-A-C1"], status=status)
    payload = give(api, f.gid("Project", other), world.helper.token)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("target", expected)]
    assert d.count(world.engine, Donation) == 0


def test_a_project_with_gifts_keeps_its_currency_and_budgets_follow_the_money_rule(
    api, world, project
):
    def update(budget: dict[str, Any]) -> list[tuple[str, str]]:
        variables = {"input": {"id": project, "budget": budget}}
        payload = api.data(UPDATE, variables, token=world.caseworker.token)["projectUpdate"]
        return [(e["field"], e["code"]) for e in payload["errors"]]

    assert update({"amountMinor": 100, "currency": "EUR"}) == [
        ("budget.currency", "CURRENCY_MISMATCH")
    ]
    assert update({"amountMinor": 10**15, "currency": "CNY"}) == [
        ("budget.amountMinor", "OUT_OF_RANGE")
    ]
    assert update({"amountMinor": 100, "currency": "USD"}) == []  # no gifts yet
    assert update({"amountMinor": 100, "currency": "CNY"}) == []
    give(api, project, world.helper.token)
    assert update({"amountMinor": 100, "currency": "USD"}) == [("budget.currency", "INVALID_STATE")]
    assert update({"amountMinor": 200, "currency": "CNY"}) == []


def _pk(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[1]
