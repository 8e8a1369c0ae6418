"""The fuzzers' leak check is not vacuous: hand-written documents reach every guarded
personal field (rules.PERSONAL_FIELDS) on every path the fuzz world has data for, as
anonymous and as every role, and are judged by the same `check_answer` as the fuzzed
ones. Those who may read a field are shown it (so the rule had something to judge), the
others are not, and the same answers judged as if an outsider had received them fail
(so the rule fires)."""

from __future__ import annotations

import uuid
from typing import Any

import graphql
import pytest

from tests.fuzz.conftest import FuzzWorld
from tests.fuzz.rules import (
    PERSONAL_FIELDS,
    Caller,
    check_answer,
    leaks,
    personal_values,
    with_typenames,
)

DONATION = "donorName message receipt { donorName html }"
BACKING = "backerName message receipt { backerName html }"
HOUSEHOLD = "headName phone"


def _reads(fuzz: FuzzWorld) -> list[str]:
    """One document per root field (a refused one does not hide the others' data)."""
    named = fuzz.named
    ids = [value for key, value in named.items() if key.endswith(("gift", "backing", "order"))]
    viewers = [i for i in fuzz.ids if i.startswith("Vmlld2Vy")]  # base64 of "Viewer"
    households = [i for i in fuzz.ids if i.startswith("SG91c2Vob2xk")]  # "Household"
    listed = ", ".join(f'"{i}"' for i in ids + viewers + households)
    return [
        f"{{ me {{ email household {{ {HOUSEHOLD} }} }} }}",
        f"""{{ nodes(ids: [{listed}]) {{
          ... on Donation {{ {DONATION} }}
          ... on Backing {{ {BACKING} }}
          ... on Order {{ shippingAddress }}
          ... on Viewer {{ email }}
          ... on Household {{ {HOUSEHOLD} }}
        }} }}""",
        f"{{ myDonations {{ nodes {{ {DONATION} }} }} }}",
        f"{{ myBackings {{ nodes {{ {BACKING} }} }} }}",
        "{ myOrders { nodes { shippingAddress } } }",
        "{ donationWall { nodes { donorName message } } }",
        f"{{ donations {{ nodes {{ {DONATION} }} }} }}",
        f'{{ sellerOrders(seller: "{named["seller"]}") {{ nodes {{ shippingAddress }} }} }}',
        f"""{{ node(id: "{named["org_campaign"]}") {{
          ... on Campaign {{
            backers {{ nodes {{ name message }} }}
            backings {{ nodes {{ {BACKING} }} }}
          }}
        }} }}""",
    ]


RECONCILE = """
mutation($gift: ID!, $backing: ID!, $key: String!, $otherKey: String!) {
  donationReconcile(input: {donation: $gift, externalReference: "BANK-9", idempotencyKey: $key}) {
    donation { donorName message } errors { code }
  }
  campaignBackingReconcile(
    input: {backing: $backing, externalReference: "BANK-9", idempotencyKey: $otherKey}
  ) { backing { backerName message } errors { code } }
}"""

# What each caller is shown of the world, by guarded type and field.
SHOWN: dict[str, set[tuple[str, str]]] = {
    "anonymous": set(),
    "helper": {
        ("Viewer", "email"),
        ("Order", "shippingAddress"),
        ("Donation", "donorName"),
        ("Donation", "message"),
        ("DonationReceipt", "donorName"),
        ("DonationReceipt", "html"),
        ("Backing", "backerName"),
        ("Backing", "message"),
        ("BackingReceipt", "backerName"),
        ("BackingReceipt", "html"),
    },
    "rep": {("Viewer", "email"), ("Order", "shippingAddress")},
    "caseworker": {("Viewer", "email"), ("Household", "headName"), ("Household", "phone")},
    "far_caseworker": {("Viewer", "email")},
    "org_admin": {("Viewer", "email")},
}
SHOWN["admin"] = set().union(*SHOWN.values())


def _send(api: Any, caller: Caller, text: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    document = with_typenames(graphql.parse(text))
    response = api.http.post(
        "/graphql",
        json={"query": graphql.print_ast(document), "variables": variables},
        headers=caller.headers,
    )
    check_answer(response, caller, document)
    return document, response


@pytest.fixture
def answers(api, fuzz_world: FuzzWorld, callers: dict[str, Caller]) -> dict[str, list[Any]]:
    """Every caller's answers to the reading documents, then to reconciling the pending
    anonymous gift and backing (which the organisation's admin and platform admins may)."""
    reads = _reads(fuzz_world)
    found: dict[str, list[Any]] = {}
    # The platform admin last: the organisation's admin reconciles the pending ones first.
    for who, caller in sorted(callers.items(), key=lambda item: item[0] == "admin"):
        found[who] = [_send(api, caller, text, {}) for text in reads]
        reconcile = {
            "gift": fuzz_world.named["pending_gift"],
            "backing": fuzz_world.named["pending_backing"],
            "key": str(uuid.uuid4()),
            "otherKey": str(uuid.uuid4()),
        }
        found[who].append(_send(api, caller, RECONCILE, reconcile))
    return found


def test_every_guarded_field_is_shown_to_its_readers_only(answers, callers):
    for who, sent in answers.items():
        shown = {
            (reading.type_name, reading.field)
            for document, response in sent
            for reading in personal_values(document, response.json().get("data"))
        }
        assert shown == SHOWN[who], who
    every = {(name, field) for name, guard in PERSONAL_FIELDS.items() for field in guard.fields}
    reached = set().union(*SHOWN.values())
    # Household fields beyond the two asked are covered by the household tests.
    assert every - reached == {
        ("Household", name) for name in PERSONAL_FIELDS["Household"].fields
    } - {("Household", "headName"), ("Household", "phone")}


def test_every_secret_of_the_world_reaches_someone_who_may_read_it(answers, fuzz_world):
    texts = {who: " ".join(r.text for _, r in sent) for who, sent in answers.items()}
    for secret, readers in fuzz_world.secrets.items():
        if secret == fuzz_world.world.other_helper.email:  # nobody fuzzes as that helper
            continue
        assert any(secret in texts[who] for who in readers), secret


def test_the_same_answers_fail_the_check_for_an_outsider(answers, callers):
    """What the admin and the helper were shown, had anyone else been shown it, is a leak
    to both halves of the check: the fields by object, and the secrets by value."""
    anonymous = callers["anonymous"]
    for who in ("admin", "helper"):
        for document, response in answers[who]:
            readings = personal_values(document, response.json().get("data"))
            assert {r.type_name for r in leaks(anonymous, readings)} == {
                r.type_name for r in readings if not r.created
            }
            if readings:
                with pytest.raises(AssertionError, match="anonymous"):
                    check_answer(response, anonymous, document)
