"""Every donation follows the instance's money rule over real HTTP, whatever it goes to
(before, the general fund took any ISO code and 10^15 minor units); a target's own
currency still gives CURRENCY_MISMATCH naming it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from api.donation.models import Donation
from api.payments.models import Payment
from tests.donation import factories as d
from tests.help_requests import factories as f

CREATE = """
mutation($input: DonationCreateInput!) {
  donationCreate(input: $input) {
    donation { id amount { amountMinor currency } }
    errors { field code message }
  }
}"""


def target(world, name: str) -> dict[str, Any]:
    """The donation target called `name`, created for the test (the request is in USD,
    the project in CNY)."""
    if name == "general fund":
        return {"generalFund": True}
    if name == "request":
        return {"helpRequest": f.gid("HelpRequest", f.published(world))}
    project_id = d.project(world.engine, world.settings, world.regions["P1-A-C1"])
    return {"project": f.gid("Project", project_id)}


def give(api, target: dict[str, Any], amount: dict[str, Any], token: str | None = None):
    variables = {
        "input": {
            "target": target,
            "amount": amount,
            "provider": "offline",
            "donorName": "Ada Donor",
            "idempotencyKey": str(uuid.uuid4()),
        }
    }
    return api.data(CREATE, variables, token=token)["donationCreate"]


@pytest.mark.parametrize("name", ["general fund", "request", "project"])
@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ({"amountMinor": 100, "currency": "XXX"}, [("amount.currency", "INVALID")]),
        ({"amountMinor": 100, "currency": "EUR"}, [("amount.currency", "CURRENCY_MISMATCH")]),
        ({"amountMinor": 10**15, "currency": "USD"}, [("amount.amountMinor", "OUT_OF_RANGE")]),
        ({"amountMinor": 0, "currency": "USD"}, [("amount.amountMinor", "OUT_OF_RANGE")]),
    ],
)
def test_every_target_refuses_money_the_instance_does_not_take(
    api, world, engine, name, amount, expected
):
    payload = give(api, target(world, name), amount)

    assert payload["donation"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    if expected[0][1] == "CURRENCY_MISMATCH":
        assert "USD" in payload["errors"][0]["message"]  # the instance's default currency
    assert d.count(engine, Donation) == d.count(engine, Payment) == 0


@pytest.mark.parametrize("who", ["anonymous", "helper"])
def test_a_target_takes_its_own_currency_only(api, world, engine, who):
    token = None if who == "anonymous" else world.helper.token
    for_request = give(
        api, target(world, "request"), {"amountMinor": 100, "currency": "CNY"}, token
    )
    for_project = give(
        api, target(world, "project"), {"amountMinor": 100, "currency": "USD"}, token
    )

    for payload, currency in ((for_request, "USD"), (for_project, "CNY")):
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [
            ("amount.currency", "CURRENCY_MISMATCH")
        ]
        assert currency in payload["errors"][0]["message"]
    assert d.count(engine, Donation) == 0
    # Any currency of the instance is good for the general fund, the most it takes too.
    most = world.settings.instance.max_amount_minor
    for amount in (
        {"amountMinor": 100, "currency": "CNY"},
        {"amountMinor": most, "currency": "USD"},
    ):
        assert give(api, target(world, "general fund"), amount, token)["errors"] == []
    assert d.count(engine, Donation) == 2
