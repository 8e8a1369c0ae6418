"""The fuzzers' leak check is not vacuous: hand-written documents reach every guarded
personal field (rules.PERSONAL_FIELDS) on every path the fuzz world has data for, as
anonymous and as every role, and are judged by the same `check_answer` as the fuzzed
ones. Those who may read a field are shown it (so the rule had something to judge), the
others are not, and the same answers judged as if an outsider had received them fail
(so the rule fires)."""

from __future__ import annotations

import uuid
from dataclasses import replace
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
    households = [i for i in fuzz.ids if i.startswith("SG91c2Vob2xk")]  # "Household"
    listed = ", ".join(f'"{i}"' for i in fuzz.personal_ids + households)
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


def _answers(api: Any, fuzz: FuzzWorld, callers: dict[str, Caller]) -> dict[str, list[Any]]:
    """Every caller's answers to the reading documents, then to reconciling the pending
    anonymous gift and backing (which the organisation's admin and platform admins may):
    each judged by check_answer as it comes."""
    reads = _reads(fuzz)
    found: dict[str, list[Any]] = {}
    # The platform admin last: the organisation's admin reconciles the pending ones first.
    for who, caller in sorted(callers.items(), key=lambda item: item[0] == "admin"):
        found[who] = [_send(api, caller, text, {}) for text in reads]
        reconcile = {
            "gift": fuzz.named["pending_gift"],
            "backing": fuzz.named["pending_backing"],
            "key": str(uuid.uuid4()),
            "otherKey": str(uuid.uuid4()),
        }
        found[who].append(_send(api, caller, RECONCILE, reconcile))
    return found


def test_every_guarded_field_reaches_its_readers_only_and_the_check_fires(api, fuzz_world, callers):
    """One world per backend for the three halves (its setup is most of the cost)."""
    answers = _answers(api, fuzz_world, callers)
    _each_caller_is_shown_what_it_may_read(answers)
    _every_secret_reaches_someone_who_may_read_it(answers, fuzz_world)
    _the_same_answers_fail_the_check_for_others(answers, callers)
    _a_guest_reads_what_it_just_gave(api, callers["anonymous"])


def _each_caller_is_shown_what_it_may_read(answers: dict[str, list[Any]]) -> None:
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


def _every_secret_reaches_someone_who_may_read_it(
    answers: dict[str, list[Any]], fuzz: FuzzWorld
) -> None:
    texts = {who: " ".join(r.text for _, r in sent) for who, sent in answers.items()}
    for secret, readers in fuzz.secrets.items():
        if secret == fuzz.world.other_helper.email:  # nobody fuzzes as that helper
            continue
        assert any(secret in texts[who] for who in readers), secret


def _the_same_answers_fail_the_check_for_others(
    answers: dict[str, list[Any]], callers: dict[str, Caller]
) -> None:
    """What the admin and the helper were shown, had anyone else been shown it, is a leak
    to both halves of the check: the fields by object, and the secrets by value; the
    admin's households, shown to the caseworker, are a leak for the other county's."""
    anonymous = callers["anonymous"]
    for who in ("admin", "helper"):
        for document, response in answers[who]:
            readings = personal_values(document, response.json().get("data"))
            assert {r.type_name for r in leaks(anonymous, readings)} == {
                r.type_name for r in readings
            }
            if readings:
                with pytest.raises(AssertionError, match="anonymous"):
                    check_answer(response, anonymous, document)
    caseworker = callers["caseworker"]
    households = [
        reading
        for document, response in answers["admin"]
        for reading in personal_values(document, response.json().get("data"))
        if reading.type_name == "Household"
    ]
    covered = {r.key for r in households} - {r.key for r in leaks(caseworker, households)}
    assert len(covered) == 1 and len({r.key for r in households}) == 2


GIVE = """
mutation($key: String!) {
  donationCreate(input: {
    target: {generalFund: true}, amount: {amountMinor: 500, currency: "USD"},
    provider: "offline", anonymous: true, donorName: "Fresh Guest", message: "Hi",
    idempotencyKey: $key
  }) { donation { donorName message } errors { code } }
}"""


def _a_guest_reads_what_it_just_gave(api: Any, anonymous: Caller) -> None:
    """The creator exemption (rules.CREATED_FOR_CALLER): a guest's own anonymous gift, in
    the answer that made it, is theirs to read; anywhere else it would be a leak."""
    document, response = _send(api, anonymous, GIVE, {"key": str(uuid.uuid4())})
    readings = personal_values(document, response.json()["data"])
    assert {(r.field, r.created) for r in readings} == {("donorName", True), ("message", True)}
    uncreated = [replace(r, created=False) for r in readings]
    assert leaks(anonymous, uncreated) == uncreated
