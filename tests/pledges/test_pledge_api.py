"""Pledge mutations and queries over HTTP: typed errors, nothing half-written, who sees
which pledge, and what the public sees of a household's requests and thanks."""

from __future__ import annotations

from uuid import uuid4

import pytest

from api.help_requests import service as request_service
from api.pledges.models import Pledge, PledgeStatus
from tests.help_requests import factories as f

PAYLOAD = """
  pledge {
    id kind status dueOn description thankYouMessage deliveredAt confirmedAt
    amount { amountMinor currency }
    helper { displayName }
    request { id status pledged { amountMinor } received { amountMinor } pledgeCount }
  }
  errors { field code message }
"""
CREATE = "mutation($input: PledgeCreateInput!) { pledgeCreate(input: $input) {" + PAYLOAD + "} }"
CANCEL = "mutation($input: PledgeCancelInput!) { pledgeCancel(input: $input) {" + PAYLOAD + "} }"
DELIVER = (
    "mutation($input: PledgeMarkDeliveredInput!) { pledgeMarkDelivered(input: $input) {"
    + PAYLOAD
    + "} }"
)
CONFIRM = (
    "mutation($input: PledgeConfirmReceiptInput!) { pledgeConfirmReceipt(input: $input) {"
    + PAYLOAD
    + "} }"
)
PLEDGE_NODE = "query($id: ID!) { node(id: $id) { ... on Pledge { id status } } }"
REQUEST_PLEDGES = """
query($id: ID!) {
  node(id: $id) { ... on HelpRequest { pledgeCount pledges { id helper { displayName } } } }
}"""
MY_PLEDGES = """
query($after: String) {
  myPledges(first: 2, after: $after) {
    nodes { id amount { amountMinor } request { title { text } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
HOUSEHOLD = """
query($id: ID!) {
  node(id: $id) {
    ... on Household {
      publicCode
      openRequests { title { text } status pledgeCount household { publicCode } }
      thanks { message helperName confirmedOn }
    }
  }
}"""


def create_input(request_id: int, **overrides):
    values = {
        "request": f.gid("HelpRequest", request_id),
        "kind": "MONEY",
        "amount": {"amountMinor": 10_000, "currency": "USD"},
        "dueOn": f.tomorrow().isoformat(),
        "idempotencyKey": uuid4().hex,
    }
    values.update(overrides)
    return {"input": values}


def codes(payload) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_a_helper_pledges_and_the_household_confirms_over_http(api, world):
    request_id = f.published(world, target_minor=10_000)
    created = api.data(CREATE, create_input(request_id), token=world.helper.token)["pledgeCreate"]
    assert created["errors"] == []
    pledge = created["pledge"]
    assert (pledge["kind"], pledge["status"], pledge["amount"]["amountMinor"]) == (
        "MONEY",
        "ACTIVE",
        10_000,
    )
    assert pledge["helper"]["displayName"] == "helper"
    assert pledge["request"]["status"] == "PLEDGED"
    assert pledge["request"]["pledged"]["amountMinor"] == 10_000
    assert pledge["request"]["pledgeCount"] == 1
    delivered = api.data(DELIVER, {"input": {"id": pledge["id"]}}, token=world.helper.token)
    assert delivered["pledgeMarkDelivered"]["pledge"]["status"] == "DELIVERED"
    confirmed = api.data(
        CONFIRM,
        {"input": {"id": pledge["id"], "thankYouMessage": "Thank you!"}},
        token=world.rep.token,
    )["pledgeConfirmReceipt"]
    assert confirmed["errors"] == []
    assert confirmed["pledge"]["status"] == "CONFIRMED"
    assert confirmed["pledge"]["thankYouMessage"] == "Thank you!"
    assert confirmed["pledge"]["request"]["status"] == "FULFILLED"
    assert confirmed["pledge"]["request"]["received"]["amountMinor"] == 10_000


def test_invalid_pledges_are_refused_with_typed_errors_and_nothing_is_written(api, world):
    request_id = f.published(world, target_minor=10_000)
    body = api.data(
        CREATE,
        create_input(
            request_id,
            amount={"amountMinor": 10_001, "currency": "EUR"},
            dueOn="2000-01-01",
        ),
        token=world.helper.token,
    )["pledgeCreate"]
    assert body["pledge"] is None
    assert set(codes(body)) == {
        ("amount.currency", "CURRENCY_MISMATCH"),
        ("amount.amountMinor", "OUT_OF_RANGE"),
        ("dueOn", "OUT_OF_RANGE"),
    }
    mismatch = next(e for e in body["errors"] if e["code"] == "CURRENCY_MISMATCH")
    assert "USD" in mismatch["message"]
    goods = api.data(
        CREATE, create_input(request_id, kind="GOODS", amount=None), token=world.helper.token
    )["pledgeCreate"]
    assert set(codes(goods)) == {("kind", "INVALID"), ("description", "REQUIRED")}
    unknown = api.data(CREATE, create_input(987_654), token=world.helper.token)["pledgeCreate"]
    assert codes(unknown) == [("request", "NOT_FOUND")]
    assert f.count(world.engine, Pledge) == 0
    row = f.request_row(world.engine, request_id)
    assert (row.pledged_amount_minor, row.first_pledge_at, row.status) == (0, None, "OPEN")


@pytest.mark.parametrize(
    ("document", "who", "expected"),
    [
        (CREATE, "anonymous", "UNAUTHENTICATED"),
        (CREATE, "rep", "FORBIDDEN"),
        (CREATE, "caseworker", "FORBIDDEN"),
        (CANCEL, "rep", "FORBIDDEN"),
        (DELIVER, "admin", "FORBIDDEN"),
        (CONFIRM, "helper", "FORBIDDEN"),
        (CONFIRM, "anonymous", "UNAUTHENTICATED"),
    ],
)
def test_mutations_declare_who_may_call_them(api, world, document, who, expected):
    request_id = f.published(world)
    pledge_id = f.pledge(world, request_id)
    variables = (
        create_input(request_id)
        if document is CREATE
        else {"input": {"id": f.gid("Pledge", pledge_id)}}
    )
    actor = world.people()[who]
    body = api.post(document, variables, token=actor.token if actor else None)
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert f.pledge_row(world.engine, pledge_id).status == PledgeStatus.ACTIVE
    assert f.count(world.engine, Pledge) == 1


def test_pledge_actions_on_someone_elses_pledge_or_in_the_wrong_state(api, world):
    request_id = f.published(world)
    pledge_id = f.pledge(world, request_id)
    pledge = {"input": {"id": f.gid("Pledge", pledge_id)}}
    other = api.data(CANCEL, pledge, token=world.other_helper.token)["pledgeCancel"]
    assert codes(other) == [("id", "NOT_FOUND")]
    far = api.data(CONFIRM, pledge, token=world.far_caseworker.token)["pledgeConfirmReceipt"]
    assert codes(far) == [("id", "NOT_FOUND")]
    too_long = api.data(
        CONFIRM,
        {"input": {"id": f.gid("Pledge", pledge_id), "thankYouMessage": "x" * 2001}},
        token=world.rep.token,
    )["pledgeConfirmReceipt"]
    assert codes(too_long) == [("thankYouMessage", "TOO_LONG")]
    assert api.data(CONFIRM, pledge, token=world.rep.token)["pledgeConfirmReceipt"]["errors"] == []
    again = api.data(CONFIRM, pledge, token=world.rep.token)["pledgeConfirmReceipt"]
    assert codes(again) == [(None, "INVALID_STATE")]
    cancel = api.data(CANCEL, pledge, token=world.helper.token)["pledgeCancel"]
    assert codes(cancel) == [(None, "INVALID_STATE")]
    assert f.request_row(world.engine, request_id).received_amount_minor == 10_000


SEES_PLEDGE = {
    "anonymous": False,
    "helper": True,  # its own
    "other_helper": False,
    "rep": True,
    "caseworker": True,
    "far_caseworker": False,
    "admin": True,
}


@pytest.mark.parametrize("who", sorted(SEES_PLEDGE))
def test_who_sees_a_pledge(api, world, who):
    request_id = f.published(world)
    pledge_id = f.pledge(world, request_id)
    f.pledge(world, request_id, helper=world.other_helper)
    actor = {**world.people(), "other_helper": world.other_helper}[who]
    token = actor.token if actor else None
    node = api.data(PLEDGE_NODE, {"id": f.gid("Pledge", pledge_id)}, token=token)["node"]
    assert (node is not None) == SEES_PLEDGE[who]
    request = api.data(REQUEST_PLEDGES, {"id": f.gid("HelpRequest", request_id)}, token=token)
    listed = request["node"]["pledges"]
    assert request["node"]["pledgeCount"] == 2  # public
    expected = {
        "anonymous": 0,
        "far_caseworker": 0,
        "helper": 1,
        "other_helper": 1,
    }.get(who, 2)
    assert len(listed) == expected


def test_my_pledges_pages_through_the_helpers_pledges(api, world):
    ids = [f.pledge(world, f.published(world, title=f"r{i}"), amount=100 + i) for i in range(3)]
    f.pledge(world, f.published(world, title="other"), helper=world.other_helper)
    first = api.data(MY_PLEDGES, token=world.helper.token)["myPledges"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = api.data(
        MY_PLEDGES, {"after": first["pageInfo"]["endCursor"]}, token=world.helper.token
    )["myPledges"]
    nodes = first["nodes"] + second["nodes"]
    assert [n["id"] for n in nodes] == [f.gid("Pledge", i) for i in reversed(ids)]
    assert [n["request"]["title"]["text"] for n in nodes] == ["r2", "r1", "r0"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert api.data(MY_PLEDGES, token=world.rep.token)["myPledges"]["nodes"] == []
    anonymous = api.post(MY_PLEDGES)
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]


def test_the_public_sees_a_households_open_requests_and_thanks(api, world):
    from api.core.db import unit_of_work
    from api.pledges import service

    open_id = f.published(world, title="open", target_minor=50_000)
    pledged_id = f.published(world, title="pledged", target_minor=1_000)
    met_id = f.published(world, items=[request_service.Item("Rice", 2, "bags")], title="met")
    f.draft(world, title="draft")
    f.pledge(world, pledged_id, amount=1_000)
    goods = f.pledge(world, met_id, kind="GOODS", helper=world.other_helper)
    silent = f.pledge(world, open_id, amount=1_000)
    with unit_of_work(world.engine) as session:
        rep = world.principal(world.rep)
        service.confirm_receipt(
            session, actor=rep, pledge_id=goods, thank_you_message="The rice fed us all winter."
        )
        service.confirm_receipt(session, actor=rep, pledge_id=silent, thank_you_message=None)
    household = api.data(HOUSEHOLD, {"id": f.gid("Household", world.household_code)})["node"]
    assert [(r["title"]["text"], r["status"]) for r in household["openRequests"]] == [
        ("pledged", "PLEDGED"),
        ("open", "OPEN"),
    ]
    assert household["openRequests"][1]["pledgeCount"] == 1
    assert household["openRequests"][0]["household"]["publicCode"] == world.household_code
    assert [(t["message"], t["helperName"]) for t in household["thanks"]] == [
        ("The rice fed us all winter.", "other")
    ]
    assert household["thanks"][0]["confirmedOn"]


def test_graphql_enums_mirror_the_stored_values():
    from api.help_requests import models as request_models
    from api.help_requests import types as request_types
    from api.pledges import models as pledge_models
    from api.pledges import types as pledge_types

    pairs = [
        (request_types.HelpRequestStatus, request_models.RequestStatus),
        (request_types.Urgency, request_models.Urgency),
        (pledge_types.PledgeStatus, pledge_models.PledgeStatus),
        (pledge_types.PledgeKind, pledge_models.PledgeKind),
    ]
    for graphql_enum, stored in pairs:
        assert [m.value for m in graphql_enum] == [m.value for m in stored]
