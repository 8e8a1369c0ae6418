"""pledgeCreate takes an idempotency key, like every money-moving mutation: a helper whose
connection dropped retries with the same key and gets the first pledge back, pledging
nothing more; concurrent retries with one key make one pledge; a key reused with another
input is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.pledges.models import Pledge
from tests.conftest import GraphQLClient
from tests.help_requests import factories as f

CREATE = """
mutation($input: PledgeCreateInput!) {
  pledgeCreate(input: $input) {
    pledge { id status amount { amountMinor } request { pledged { amountMinor } } }
    errors { field code message }
  }
}"""
DELIVER = """
mutation($id: ID!) {
  pledgeMarkDelivered(input: { id: $id }) { pledge { status } errors { code } }
}"""


def pledge_input(request_id: int, key: str, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "request": f.gid("HelpRequest", request_id),
        "kind": "MONEY",
        "amount": {"amountMinor": 4_000, "currency": "USD"},
        "dueOn": f.tomorrow().isoformat(),
        "idempotencyKey": key,
    }
    values.update(overrides)
    return {"input": values}


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_a_retry_with_the_same_key_returns_the_first_pledge_and_pledges_nothing_more(api, world):
    request_id = f.published(world, target_minor=10_000)
    variables = pledge_input(request_id, "retry-1")

    first = api.data(CREATE, variables, token=world.helper.token)["pledgeCreate"]
    retried = api.data(CREATE, variables, token=world.helper.token)["pledgeCreate"]

    assert first["errors"] == [] and retried["errors"] == []
    assert retried["pledge"]["id"] == first["pledge"]["id"]
    assert retried["pledge"]["request"]["pledged"] == {"amountMinor": 4_000}
    assert f.count(world.engine, Pledge) == 1
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 4_000


def test_a_retry_after_the_pledge_moved_on_returns_it_as_it_is_now(api, world):
    request_id = f.published(world, target_minor=10_000)
    variables = pledge_input(request_id, "retry-later")
    pledge_id = api.data(CREATE, variables, token=world.helper.token)["pledgeCreate"]["pledge"][
        "id"
    ]
    api.data(DELIVER, {"id": pledge_id}, token=world.helper.token)

    retried = api.data(CREATE, variables, token=world.helper.token)["pledgeCreate"]

    assert (retried["pledge"]["id"], retried["pledge"]["status"]) == (pledge_id, "DELIVERED")
    assert f.count(world.engine, Pledge) == 1


def test_the_same_key_with_another_input_is_refused_and_writes_nothing(api, world):
    request_id = f.published(world, target_minor=10_000)
    api.data(CREATE, pledge_input(request_id, "reused"), token=world.helper.token)

    other_amount = pledge_input(
        request_id, "reused", amount={"amountMinor": 5_000, "currency": "USD"}
    )
    body = api.data(CREATE, other_amount, token=world.helper.token)["pledgeCreate"]

    assert body["pledge"] is None
    assert codes(body) == [("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")]
    assert "5000" not in body["errors"][0]["message"]
    assert f.count(world.engine, Pledge) == 1
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 4_000


def test_keys_belong_to_one_account(api, world):
    request_id = f.published(world, target_minor=10_000)

    mine = api.data(CREATE, pledge_input(request_id, "shared"), token=world.helper.token)
    theirs = api.data(CREATE, pledge_input(request_id, "shared"), token=world.other_helper.token)

    assert mine["pledgeCreate"]["errors"] == [] and theirs["pledgeCreate"]["errors"] == []
    assert mine["pledgeCreate"]["pledge"]["id"] != theirs["pledgeCreate"]["pledge"]["id"]
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 8_000


def test_a_refused_pledge_leaves_its_key_free_for_the_corrected_input(api, world):
    request_id = f.published(world, target_minor=10_000)

    refused = api.data(
        CREATE, pledge_input(request_id, "fix-me", dueOn="2000-01-01"), token=world.helper.token
    )["pledgeCreate"]
    corrected = api.data(CREATE, pledge_input(request_id, "fix-me"), token=world.helper.token)

    assert codes(refused) == [("dueOn", "OUT_OF_RANGE")]
    assert corrected["pledgeCreate"]["errors"] == []
    assert f.count(world.engine, Pledge) == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("k" * 201, "TOO_LONG")],
)
def test_a_blank_or_long_key_is_refused(api, world, key, expected):
    request_id = f.published(world, target_minor=10_000)

    body = api.data(CREATE, pledge_input(request_id, key), token=world.helper.token)

    assert codes(body["pledgeCreate"]) == [("idempotencyKey", expected)]
    assert f.count(world.engine, Pledge) == 0


def test_the_key_is_required_by_the_schema(api, world):
    request_id = f.published(world, target_minor=10_000)
    variables = pledge_input(request_id, "unused")
    del variables["input"]["idempotencyKey"]  # type: ignore[attr-defined]

    body = api.post(CREATE, variables, token=world.helper.token)

    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert f.count(world.engine, Pledge) == 0


@pytest.mark.parametrize("who", ["anonymous", "rep", "caseworker", "far_caseworker", "admin"])
def test_only_helpers_pledge_even_with_a_key(api, world, who):
    request_id = f.published(world, target_minor=10_000)
    actor = world.people()[who]

    body = api.post(
        CREATE, pledge_input(request_id, "not-a-helper"), token=actor.token if actor else None
    )

    expected = "UNAUTHENTICATED" if actor is None else "FORBIDDEN"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert f.count(world.engine, Pledge) == 0


CLIENTS = 8


def test_concurrent_retries_with_one_key_make_exactly_one_pledge(api, world):
    request_id = f.published(world, target_minor=10_000)
    variables = pledge_input(request_id, "dropped-connection")
    barrier = threading.Barrier(CLIENTS)

    def send(_: int) -> dict:
        client = GraphQLClient(api.base_url)
        try:
            barrier.wait()
            return client.data(CREATE, variables, token=world.helper.token)["pledgeCreate"]
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        payloads = list(pool.map(send, range(CLIENTS)))

    assert [p["errors"] for p in payloads] == [[]] * CLIENTS
    assert len({p["pledge"]["id"] for p in payloads}) == 1
    assert f.count(world.engine, Pledge) == 1
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 4_000
