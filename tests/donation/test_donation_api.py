"""Donations over real HTTP: give, reconcile, refund, receipts in two locales, the public
wall, donor history, idempotency keys and permissions."""

from __future__ import annotations

import json
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
    donation { id status receiptNumber paymentReference donorName anonymous
               amount { amountMinor currency } target { kind id title } }
    paymentInstructions { provider reference text checkoutId }
    errors { field code message }
  }
}"""

RECONCILE = """
mutation($input: DonationReconcileInput!) {
  donationReconcile(input: $input) {
    donation { id status receiptNumber receivedAt }
    errors { field code }
  }
}"""

REFUND = """
mutation($input: DonationRefundInput!) {
  donationRefund(input: $input) { donation { id status refundedAt } errors { field code } }
}"""

RECEIPT = """
query($number: String!, $reference: String) {
  donation(receiptNumber: $number, paymentReference: $reference) {
    id status
    receipt { number issuedOn amountFormatted donorName targetTitle issuer locale html
              amount { amountMinor currency } }
  }
}"""

WALL = """
query($first: Int!, $after: String) {
  donationWall(first: $first, after: $after) {
    nodes { donorName message targetKind targetTitle receivedAt amount { amountMinor currency } }
    pageInfo { hasNextPage endCursor }
  }
}"""

MINE = "{ myDonations(first: 10) { nodes { id status amount { amountMinor } } } }"
TOTALS = "{ ledgerTotals { currency balanced debits { amountMinor } credits { amountMinor } } }"
FUND = """
query($target: DonationTargetInput!) { fundBalance(target: $target) { amountMinor currency } }
"""


def give(api, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "target": {"generalFund": True},
        "amount": {"amountMinor": 1050, "currency": "USD"},
        "provider": "offline",
        "donorName": "Ada Donor",
        "idempotencyKey": str(uuid.uuid4()),
    }
    values.update(overrides)
    payload: dict[str, Any] = api.data(CREATE, {"input": values}, token=token)["donationCreate"]
    return payload


def reconcile(api, admin_token: str, donation_id: str) -> dict[str, Any]:
    variables = {
        "input": {
            "donation": donation_id,
            "externalReference": "BANK-42",
            "idempotencyKey": str(uuid.uuid4()),
        }
    }
    payload = api.data(RECONCILE, variables, token=admin_token)["donationReconcile"]
    assert payload["errors"] == []
    return payload["donation"]


def test_an_offline_gift_to_a_request_from_pending_to_receipt(api, world):
    request_id = f.published(world)
    request_gid = f.gid("HelpRequest", request_id)

    created = give(
        api,
        world.helper.token,
        target={"helpRequest": request_gid},
        donorName=None,
        message="Good luck with school!",
    )

    assert created["errors"] == []
    donation = created["donation"]
    assert donation["status"] == "PENDING" and donation["receiptNumber"] is None
    assert donation["donorName"] == "helper"
    assert donation["target"] == {
        "kind": "HELP_REQUEST",
        "id": request_gid,
        "title": "School fees for two children",
    }
    instructions = created["paymentInstructions"]
    assert instructions["provider"] == "offline"
    assert instructions["reference"] == donation["paymentReference"]
    assert donation["paymentReference"] in instructions["text"]
    assert "$10.50" in instructions["text"]

    received = reconcile(api, world.admin.token, donation["id"])

    assert received["status"] == "RECEIVED"
    number = received["receiptNumber"]
    assert number.endswith("-000001")
    balance = api.data(FUND, {"target": {"helpRequest": request_gid}})["fundBalance"]
    assert balance == [{"amountMinor": 1050, "currency": "USD"}]
    mine = api.data(MINE, token=world.helper.token)["myDonations"]["nodes"]
    assert [m["id"] for m in mine] == [donation["id"]]
    assert api.data(MINE, token=world.other_helper.token)["myDonations"]["nodes"] == []
    # The donor and admins see it by number; others only with the payment reference.
    variables = {"number": number}
    assert (
        api.data(RECEIPT, variables, token=world.helper.token)["donation"]["id"] == donation["id"]
    )
    assert api.data(RECEIPT, variables, token=world.admin.token)["donation"]["id"] == donation["id"]
    assert api.data(RECEIPT, variables, token=world.other_helper.token)["donation"] is None
    assert api.data(RECEIPT, variables)["donation"] is None
    with_reference = {**variables, "reference": donation["paymentReference"]}
    assert api.data(RECEIPT, with_reference)["donation"]["id"] == donation["id"]
    assert api.data(RECEIPT, {**variables, "reference": "PAY-WRONG"})["donation"] is None


def test_receipts_are_localized(api, world):
    created = give(api, world.helper.token, amount={"amountMinor": 123456789, "currency": "USD"})
    number = reconcile(api, world.admin.token, created["donation"]["id"])["receiptNumber"]
    receipts = {
        locale: api.data(RECEIPT, {"number": number}, token=world.helper.token, locale=locale)[
            "donation"
        ]["receipt"]
        for locale in ("en", "zh_Hans")
    }
    en, zh = receipts["en"], receipts["zh_Hans"]
    assert en["number"] == zh["number"] == number
    assert en["amount"] == zh["amount"] == {"amountMinor": 123456789, "currency": "USD"}
    assert en["amountFormatted"] == "$1,234,567.89"
    assert zh["amountFormatted"] == "US$1,234,567.89"
    assert en["issuedOn"] != zh["issuedOn"]
    assert "年" in zh["issuedOn"] and "月" in zh["issuedOn"]
    assert (en["locale"], zh["locale"]) == ("en", "zh_Hans")
    assert 'lang="zh-Hans"' in zh["html"] and "US$1,234,567.89" in zh["html"]
    assert en["targetTitle"] == "General fund"


def test_the_html_receipt_escapes_what_donors_type(api, world):
    created = give(api, world.helper.token, donorName='<script>alert("x")</script> & Co')
    number = reconcile(api, world.admin.token, created["donation"]["id"])["receiptNumber"]
    receipt = api.data(RECEIPT, {"number": number}, token=world.helper.token)["donation"]["receipt"]
    assert receipt["donorName"] == '<script>alert("x")</script> & Co'
    assert "<script>" not in receipt["html"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in receipt["html"]


def test_the_wall_shows_nothing_about_anonymous_donors(api, world):
    anonymous = give(
        api,
        world.other_helper.token,
        anonymous=True,
        donorName="Secret Person",
        message="Call me on +86 139 0000 0000",
    )
    named = give(api, world.helper.token, donorName="Open Donor", message="Hello")
    pending = give(api, None, donorName="Not Yet Paid")
    for created in (anonymous, named):
        reconcile(api, world.admin.token, created["donation"]["id"])
    assert pending["donation"]["status"] == "PENDING"

    body = api.post(WALL, {"first": 10})
    wall = body["data"]["donationWall"]["nodes"]

    assert [(e["donorName"], e["message"]) for e in wall] == [
        ("Open Donor", "Hello"),
        ("Anonymous", None),
    ]
    text = json.dumps(body)
    for secret in ("Secret Person", "+86 139", "other", "Not Yet Paid"):
        assert secret not in text
    assert all(e["targetKind"] == "GENERAL_FUND" for e in wall)
    first_page = api.data(WALL, {"first": 1})["donationWall"]
    assert first_page["pageInfo"]["hasNextPage"]
    rest = api.data(WALL, {"first": 1, "after": first_page["pageInfo"]["endCursor"]})
    assert rest["donationWall"]["nodes"][0]["donorName"] == "Anonymous"


def test_idempotency_keys_over_http(api, world, engine):
    key = str(uuid.uuid4())
    first = give(api, world.helper.token, idempotencyKey=key)
    again = give(api, world.helper.token, idempotencyKey=key)
    assert again["donation"]["id"] == first["donation"]["id"]
    assert again["paymentInstructions"] == first["paymentInstructions"]
    assert d.count(engine, Donation) == d.count(engine, Payment) == 1

    changed = give(
        api, world.helper.token, idempotencyKey=key, amount={"amountMinor": 2000, "currency": "USD"}
    )
    assert changed["donation"] is None
    assert [(e["field"], e["code"]) for e in changed["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]
    assert d.count(engine, Donation) == 1


def test_refunds_reverse_the_ledger_and_keep_it_balanced(api, world):
    created = give(api, world.helper.token)
    donation_id = created["donation"]["id"]
    reconcile(api, world.admin.token, donation_id)
    variables = {
        "input": {"donation": donation_id, "reason": "Sent twice", "idempotencyKey": "r-1"}
    }

    refunded = api.data(REFUND, variables, token=world.admin.token)["donationRefund"]
    replayed = api.data(REFUND, variables, token=world.admin.token)["donationRefund"]

    assert refunded["errors"] == [] and refunded["donation"]["status"] == "REFUNDED"
    assert replayed["donation"] == refunded["donation"]
    assert api.data(FUND, {"target": {"generalFund": True}})["fundBalance"] == []
    totals = api.data(TOTALS, token=world.admin.token)["ledgerTotals"]
    assert totals == [
        {
            "currency": "USD",
            "balanced": True,
            "debits": {"amountMinor": 2100},
            "credits": {"amountMinor": 2100},
        }
    ]


@pytest.mark.parametrize("who", ["anonymous", "helper", "caseworker"])
def test_only_admins_reconcile_refund_and_read_the_ledger(api, world, who):
    created = give(api, world.helper.token)
    token = {"anonymous": None, "helper": world.helper.token, "caseworker": world.caseworker.token}[
        who
    ]
    expected = "UNAUTHENTICATED" if token is None else "FORBIDDEN"
    variables = {
        "input": {
            "donation": created["donation"]["id"],
            "externalReference": "X",
            "idempotencyKey": "k",
        }
    }
    for document, values in ((RECONCILE, variables), (TOTALS, None)):
        body = api.post(document, values, token=token)
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"target": {"generalFund": True, "helpRequest": "SGVscFJlcXVlc3Q6MQ=="}},
            [("target", "INVALID")],
        ),
        ({"target": {}}, [("target", "INVALID")]),
        ({"target": {"helpRequest": "UGxlZGdlOjE="}}, [("target", "INVALID")]),  # a Pledge id
        ({"target": {"project": "UHJvamVjdDox"}}, [("target", "NOT_FOUND")]),
        (
            {"amount": {"amountMinor": -5, "currency": "USD"}},
            [("amount.amountMinor", "OUT_OF_RANGE")],
        ),
        ({"provider": "cheque"}, [("provider", "INVALID")]),
        ({"donorName": None}, [("donorName", "REQUIRED")]),
        ({"idempotencyKey": ""}, [("idempotencyKey", "REQUIRED")]),
    ],
)
def test_bad_input_gets_typed_errors_and_writes_nothing(api, world, engine, overrides, expected):
    payload = give(api, None, **overrides)
    assert payload["donation"] is None and payload["paymentInstructions"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    assert d.count(engine, Donation) == d.count(engine, Payment) == 0


def test_amounts_must_be_whole_minor_units(api, world):
    body = api.post(
        CREATE,
        {
            "input": {
                "target": {"generalFund": True},
                "amount": {"amountMinor": 10.5, "currency": "USD"},
                "provider": "offline",
                "donorName": "A",
                "idempotencyKey": "k",
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_payment_providers_lists_what_is_configured(api, world, monkeypatch):
    query = "{ paymentProviders { name confirmedByCallback } }"
    monkeypatch.delenv("AIDBRIDGE_WEBHOOK_SECRET", raising=False)
    assert api.data(query)["paymentProviders"] == [
        {"name": "offline", "confirmedByCallback": False}
    ]
    monkeypatch.setenv("AIDBRIDGE_WEBHOOK_SECRET", "s" * 40)
    names = [p["name"] for p in api.data(query)["paymentProviders"]]
    assert names == ["offline", "webhook"]


BY_REFERENCE = """
query($id: ID!, $reference: String!) {
  donationByPaymentReference(id: $id, paymentReference: $reference) {
    id status receiptNumber receipt { number }
  }
}"""


def test_a_guest_follows_a_donation_by_its_id_and_payment_reference(api, world):
    created = give(api)  # no account: what the guest keeps is the ID and the reference
    donation = created["donation"]
    both = {"id": donation["id"], "reference": donation["paymentReference"]}

    pending = api.data(BY_REFERENCE, both)["donationByPaymentReference"]
    assert pending == {
        "id": donation["id"],
        "status": "PENDING",
        "receiptNumber": None,
        "receipt": None,
    }

    number = reconcile(api, world.admin.token, donation["id"])["receiptNumber"]
    received = api.data(BY_REFERENCE, both)["donationByPaymentReference"]
    assert received["status"] == "RECEIVED"
    assert received["receiptNumber"] == received["receipt"]["number"] == number

    # Either secret alone, or another donation's reference, finds nothing.
    other = give(api)["donation"]
    mismatched = {"id": donation["id"], "reference": other["paymentReference"]}
    assert api.data(BY_REFERENCE, mismatched)["donationByPaymentReference"] is None
    wrong = {"id": donation["id"], "reference": "PAY-WRONG"}
    assert api.data(BY_REFERENCE, wrong)["donationByPaymentReference"] is None
