"""Disbursements over real HTTP: a fund pays a household, a project or a campaign's
beneficiary; the target's figures move; the household confirms; donors see their gift
reach its target; who may do what; typed errors; idempotency keys."""

from __future__ import annotations

from typing import Any

import pytest

from api.core.money import format_money
from api.disbursements.models import (
    Disbursement,
    DisbursementReceipt,
    DisbursementSource,
    DisbursementTargetKind,
    DonationDisbursement,
)
from api.donation.models import TargetKind
from api.help_requests.service import Item
from api.ledger.models import LedgerEntry, LedgerTransaction
from api.stats.metrics import REQUESTS_MET
from tests import factories
from tests.crowdfunding import factories as c
from tests.disbursements import factories as x
from tests.donation import factories as d
from tests.help_requests import factories as f

REFUND = """
mutation($input: DonationRefundInput!) {
  donationRefund(input: $input) { donation { id status } errors { field code message } }
}"""
PROJECT = """
query($id: ID!) {
  node(id: $id) {
    ... on Project {
      received { amountMinor currency } held { amountMinor } disbursed { amountMinor }
    }
  }
}"""


def create(api, actor, variables: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = api.data(x.CREATE, variables, token=x.token(actor))[
        "disbursementCreate"
    ]
    return payload


def confirm(api, actor, disbursement_id: str) -> dict[str, Any]:
    variables = {"input": {"disbursement": disbursement_id}}
    payload: dict[str, Any] = api.data(x.CONFIRM, variables, token=x.token(actor))[
        "disbursementConfirmReceipt"
    ]
    return payload


def figures(api, request_id: int, actor=None) -> dict[str, Any]:
    node = api.data(x.REQUEST, {"id": x.gid("HelpRequest", request_id)}, token=x.token(actor))[
        "node"
    ]
    return {
        key: (value["amountMinor"] if isinstance(value, dict) else value)
        for key, value in node.items()
    }


def errors(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_a_request_fund_pays_its_household_and_every_figure_moves(api, world):
    # Given a request for 1,000.00 with a pledge of 100.00 and two donations received,
    # the older one first.
    request_id = f.published(world)
    f.pledge(world, request_id, amount=10_000)
    older = x.donated(
        world, 30_000, donor=world.helper, kind=TargetKind.HELP_REQUEST, target_id=request_id
    )
    younger = x.donated(
        world, 20_000, donor=world.other_helper, kind=TargetKind.HELP_REQUEST, target_id=request_id
    )
    # Received donations count as money received for the request and lower what remains.
    assert figures(api, request_id) == {
        "status": "OPEN",
        "target": 100_000,
        "pledged": 10_000,
        "received": 50_000,
        "remaining": 40_000,
        "held": 50_000,
        "disbursed": 0,
    }

    # When the caseworker covering the household pays out 400.00 of it by mobile money,
    paid = create(
        api,
        world.caseworker,
        x.create_input({"helpRequest": x.gid("HelpRequest", request_id)}, 40_000, note="First"),
    )

    # then the money left the fund for the household, and the request shows it,
    assert paid["errors"] == []
    disbursement = paid["disbursement"]
    assert disbursement["source"] == "TARGET_FUND"
    assert disbursement["amount"] == {"amountMinor": 40_000, "currency": "USD"}
    assert disbursement["target"] == {
        "kind": "HELP_REQUEST",
        "id": x.gid("HelpRequest", request_id),
        "household": {"publicCode": world.household_code},
    }
    assert (disbursement["confirmable"], disbursement["confirmedAt"]) == (True, None)
    assert figures(api, request_id) | {"held": None} == {
        "status": "OPEN",
        "target": 100_000,
        "pledged": 10_000,
        "received": 50_000,  # money moved, none arrived
        "remaining": 40_000,
        "held": None,
        "disbursed": 40_000,
    }
    assert figures(api, request_id)["held"] == 10_000
    assert d.balance(world.engine, f"request:{request_id}") == 10_000
    assert d.balance(world.engine, "cash:payouts") == -40_000
    # and the donors see it: the older gift reached its target, the younger half of it.
    mine = api.data(x.MINE, token=world.helper.token)["myDonations"]["nodes"][0]
    assert mine["disbursed"] == {"amountMinor": 30_000, "currency": "USD"}
    assert mine["reachedTargetAt"] is not None
    theirs = api.data(x.MINE, token=world.other_helper.token)["myDonations"]["nodes"][0]
    assert theirs["disbursed"]["amountMinor"] == 10_000 and theirs["reachedTargetAt"] is None
    assert x.count(world, DonationDisbursement) == 2
    assert d.row(world.engine, older).disbursed_minor == 30_000
    assert d.row(world.engine, younger).disbursed_minor == 10_000

    # When the household's representative confirms receiving it,
    confirmed = confirm(api, world.rep, disbursement["id"])

    # then it is confirmed once, and counts as received by the household.
    assert confirmed["errors"] == [] and confirmed["disbursement"]["confirmedAt"] is not None
    assert f.request_row(world.engine, request_id).received_amount_minor == 40_000
    assert figures(api, request_id)["received"] == 50_000
    assert errors(confirm(api, world.caseworker, disbursement["id"])) == [
        ("disbursement", "INVALID_STATE")
    ]
    assert x.count(world, DisbursementReceipt) == 1


def test_the_general_fund_completes_a_request_once_the_household_confirms(api, world, engine):
    # Given a request for 1,000.00 whose own donations cover 300.00, and a general fund,
    request_id = f.published(world)
    x.donated(world, 30_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    x.donated(world, 90_000)
    target = {"helpRequest": x.gid("HelpRequest", request_id)}
    own = create(api, world.admin, x.create_input(target, 30_000))["disbursement"]

    # when an admin pays the household the rest from the general fund,
    rest = create(api, world.admin, x.create_input(target, 70_000, source="GENERAL_FUND"))

    # then nothing remains to be given, the general fund paid its share,
    assert rest["errors"] == [] and rest["disbursement"]["source"] == "GENERAL_FUND"
    after = figures(api, request_id)
    assert (after["received"], after["remaining"], after["disbursed"]) == (100_000, 0, 100_000)
    assert d.balance(world.engine, "fund:general") == 20_000
    # and once the household confirmed both, the request is met.
    confirm(api, world.caseworker, own["id"])
    assert figures(api, request_id)["status"] == "OPEN"
    confirm(api, world.rep, rest["disbursement"]["id"])
    assert figures(api, request_id)["status"] == "FULFILLED"
    assert f.stat(engine, REQUESTS_MET) == 1


@pytest.mark.parametrize(
    ("who", "source", "expected"),
    [
        ("anonymous", "TARGET_FUND", "UNAUTHENTICATED"),
        ("helper", "TARGET_FUND", "FORBIDDEN"),
        ("rep", "TARGET_FUND", "FORBIDDEN"),
        ("far_caseworker", "TARGET_FUND", [("target", "FORBIDDEN")]),
        ("caseworker", "GENERAL_FUND", [("source", "FORBIDDEN")]),
        ("caseworker", "TARGET_FUND", []),
        ("admin", "TARGET_FUND", []),
        ("admin", "GENERAL_FUND", []),
    ],
)
def test_who_may_pay_out_what(api, world, who, source, expected):
    request_id = f.published(world)
    x.donated(world, 5_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    x.donated(world, 5_000)
    actor = world.people()[who]
    variables = x.create_input(
        {"helpRequest": x.gid("HelpRequest", request_id)}, 1_000, source=source
    )

    body = api.post(x.CREATE, variables, token=x.token(actor))

    if isinstance(expected, str):  # refused at the door
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
        assert x.count(world) == 0
        return
    payload = body["data"]["disbursementCreate"]
    assert errors(payload) == expected
    assert x.count(world) == (0 if expected else 1)


def test_a_request_the_caseworker_cannot_see_is_not_found(api, world):
    draft = f.draft(world)
    body = create(
        api, world.far_caseworker, x.create_input({"helpRequest": x.gid("HelpRequest", draft)})
    )
    assert errors(body) == [("target", "NOT_FOUND")]


def test_a_payout_is_never_larger_than_the_fund_and_says_what_it_holds(api, world):
    request_id = f.published(world)
    x.donated(world, 1_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    variables = x.create_input({"helpRequest": x.gid("HelpRequest", request_id)}, 1_500)

    for locale in ("en", "fr", "ar"):
        body = api.data(x.CREATE, variables, token=world.admin.token, locale=locale)
        payload = body["disbursementCreate"]
        assert errors(payload) == [("amount.amountMinor", "OUT_OF_RANGE")]
        assert format_money(1_000, "USD", locale) in payload["errors"][0]["message"]
        if locale != "en":
            assert "disbursement cannot be larger" not in payload["errors"][0]["message"]

    assert x.count(world) == 0 and d.balance(world.engine, f"request:{request_id}") == 1_000
    assert x.count(world, LedgerTransaction) == 1  # the donation only


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"amount": {"amountMinor": 100, "currency": "CNY"}},
            [("amount.currency", "CURRENCY_MISMATCH")],
        ),
        (
            {"amount": {"amountMinor": 100, "currency": "EUR"}},
            [("amount.currency", "CURRENCY_MISMATCH")],
        ),
        ({"amount": {"amountMinor": 100, "currency": "XXX"}}, [("amount.currency", "INVALID")]),
        (
            {"amount": {"amountMinor": 10**15, "currency": "USD"}},
            [("amount.amountMinor", "OUT_OF_RANGE")],
        ),
        (
            {"amount": {"amountMinor": 0, "currency": "USD"}},
            [("amount.amountMinor", "OUT_OF_RANGE")],
        ),
        ({"evidenceReference": "  "}, [("evidenceReference", "REQUIRED")]),
        ({"evidenceReference": "x" * 201}, [("evidenceReference", "TOO_LONG")]),
        ({"note": "x" * 501}, [("note", "TOO_LONG")]),
        ({"idempotencyKey": ""}, [("idempotencyKey", "REQUIRED")]),
        ({"target": {}}, [("target", "INVALID")]),
        (
            {"target": {"project": "UHJvamVjdDox", "campaign": "Q2FtcGFpZ246MQ=="}},
            [("target", "INVALID")],
        ),
        ({"target": {"helpRequest": "UGxlZGdlOjE="}}, [("target", "INVALID")]),  # a Pledge id
        ({"target": {"household": "SG91c2Vob2xkOkhILU5PTkU="}}, [("target", "NOT_FOUND")]),
        ({"target": {"project": "UHJvamVjdDo5OTk="}}, [("target", "NOT_FOUND")]),
    ],
)
def test_bad_input_gets_typed_errors_and_writes_nothing(api, world, overrides, expected):
    request_id = f.published(world)
    x.donated(world, 5_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    variables = x.create_input({"helpRequest": x.gid("HelpRequest", request_id)}, 1_000)
    variables["input"].update(overrides)

    payload = create(api, world.admin, variables)

    assert payload["disbursement"] is None
    assert errors(payload) == expected
    if expected[0][1] == "CURRENCY_MISMATCH" and "CNY" in str(overrides):
        assert "USD" in payload["errors"][0]["message"]  # names the request's currency
    assert x.count(world) == 0 and x.count(world, LedgerTransaction) == 1


def test_funds_and_targets_must_fit_together(api, world):
    in_kind = f.published(world, items=[Item("Rice", 2, "bags")])
    x.donated(world, 5_000)
    household = {"household": x.gid("Household", world.household_code)}
    cases = [
        (
            {"helpRequest": x.gid("HelpRequest", in_kind)},
            "TARGET_FUND",
            ("target", "INVALID_STATE"),
        ),
        (household, "TARGET_FUND", ("source", "INVALID")),
        ({"campaign": x.gid("Campaign", c.active(world))}, "GENERAL_FUND", ("source", "INVALID")),
        (
            {"campaign": x.gid("Campaign", c.active(world))},
            "TARGET_FUND",
            ("target", "INVALID_STATE"),
        ),
        (
            {"project": x.gid("Project", x.project(world, status="CANCELLED"))},
            "TARGET_FUND",
            ("target", "INVALID_STATE"),
        ),
    ]
    for target, source, expected in cases:
        payload = create(api, world.admin, x.create_input(target, 1_000, source=source))
        assert errors(payload) == [expected], target
    assert x.count(world) == 0


def test_the_same_key_replays_and_another_input_is_refused(api, world):
    x.donated(world, 5_000)
    variables = x.create_input(
        {"household": x.gid("Household", world.household_code)}, 1_000, source="GENERAL_FUND"
    )
    first = create(api, world.admin, variables)
    again = create(api, world.admin, variables)
    assert again["disbursement"] == first["disbursement"] and first["errors"] == []
    assert x.count(world) == 1 and d.balance(world.engine, "fund:general") == 4_000

    variables["input"]["amount"] = {"amountMinor": 2_000, "currency": "USD"}
    changed = create(api, world.admin, variables)
    assert errors(changed) == [("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")]
    assert x.count(world) == 1


def test_the_general_fund_pays_a_household_directly_and_only_a_verified_one(api, world):
    x.donated(world, 5_000, donor=world.helper)
    target = {"household": x.gid("Household", world.household_code)}

    paid = create(api, world.admin, x.create_input(target, 2_000, source="GENERAL_FUND"))

    assert paid["errors"] == []
    assert paid["disbursement"]["target"] == {
        "kind": "HOUSEHOLD",
        "id": x.gid("Household", world.household_code),
        "household": {"publicCode": world.household_code},
    }
    mine = api.data(x.MINE, token=world.helper.token)["myDonations"]["nodes"][0]
    assert mine["disbursed"]["amountMinor"] == 2_000 and mine["reachedTargetAt"] is None
    # The caseworker covering the household confirms on its behalf.
    assert confirm(api, world.caseworker, paid["disbursement"]["id"])["errors"] == []

    _, code = factories.household(
        world.engine, world.settings, world.regions["P1-A-C1-T-V"], verified=False
    )
    refused = create(
        api,
        world.admin,
        x.create_input({"household": x.gid("Household", code)}, 1_000, source="GENERAL_FUND"),
    )
    assert errors(refused) == [("target", "INVALID_STATE")]


def test_a_project_fund_pays_the_project(api, world):
    project_id = x.project(world)
    project = x.gid("Project", project_id)
    x.donated(world, 8_000, kind=TargetKind.PROJECT, target_id=project_id)

    paid = create(api, world.caseworker, x.create_input({"project": project}, 5_000))

    assert paid["errors"] == []
    assert paid["disbursement"]["target"] == {"kind": "PROJECT", "id": project, "household": None}
    assert paid["disbursement"]["confirmable"] is False
    node = api.data(PROJECT, {"id": project})["node"]
    assert node == {
        "received": {"amountMinor": 8_000, "currency": "USD"},
        "held": {"amountMinor": 3_000},
        "disbursed": {"amountMinor": 5_000},
    }
    # Nobody confirms a project's payout; caseworkers elsewhere may not pay it.
    assert errors(confirm(api, world.admin, paid["disbursement"]["id"])) == [
        ("disbursement", "INVALID_STATE")
    ]
    far = create(api, world.far_caseworker, x.create_input({"project": project}, 1_000))
    assert errors(far) == [("target", "FORBIDDEN")]


def test_a_disbursed_campaign_pays_its_beneficiary_from_what_it_released(api, world):
    campaign_id = c.active(world, goal_minor=10_000)
    c.received(world, campaign_id, 12_000)
    c.make_due(world, campaign_id)
    c.close(world)
    campaign = {"campaign": x.gid("Campaign", campaign_id)}

    too_much = create(api, world.caseworker, x.create_input(campaign, 12_001))
    paid = create(api, world.caseworker, x.create_input(campaign, 12_000))

    assert errors(too_much) == [("amount.amountMinor", "OUT_OF_RANGE")]
    assert paid["errors"] == []
    assert paid["disbursement"]["target"]["kind"] == "CAMPAIGN"
    assert paid["disbursement"]["confirmable"] is False  # a village campaign
    assert c.balance(world, f"payout:campaign:{campaign_id}") == 0


def test_refunds_stop_once_a_gift_was_paid_out(api, world):
    paid_out = x.donated(world, 3_000)
    untouched = x.donated(world, 3_000)
    x.disburse(
        world,
        DisbursementTargetKind.HOUSEHOLD,
        world.household,
        2_000,
        source=DisbursementSource.GENERAL_FUND,
    )

    def refund(donation_id: int) -> dict[str, Any]:
        variables = {
            "input": {"donation": x.gid("Donation", donation_id), "idempotencyKey": x.key()}
        }
        return api.data(REFUND, variables, token=world.admin.token)["donationRefund"]

    refused = refund(paid_out)
    assert errors(refused) == [("donation", "INVALID_STATE")]
    assert "paid out" in refused["errors"][0]["message"]
    assert refund(untouched)["donation"]["status"] == "REFUNDED"
    assert d.balance(world.engine, "fund:general") == 1_000


def test_a_payout_only_appends_to_the_ledger(api, world):
    x.donated(world, 5_000)
    entries = x.count(world, LedgerEntry)
    paid = create(
        api,
        world.admin,
        x.create_input(
            {"household": x.gid("Household", world.household_code)}, 1_000, source="GENERAL_FUND"
        ),
    )
    confirm(api, world.rep, paid["disbursement"]["id"])
    assert x.count(world, LedgerEntry) == entries + 2
    assert x.count(world, LedgerTransaction) == 2
    assert x.count(world, Disbursement) == 1
