"""Campaign.backings over real HTTP: the managers' list of every backing (pending ones
included), used to reconcile an offline backing whose id only its backer was told."""

from __future__ import annotations

import pytest

from tests.crowdfunding import factories as c
from tests.help_requests.factories import gid

BACKINGS = """
query Backings($id: ID!, $status: BackingStatus, $first: Int!, $after: String) {
  node(id: $id) {
    ... on Campaign {
      raised { amountMinor }
      backersCount
      backings(status: $status, first: $first, after: $after) {
        nodes {
          id status provider paymentReference backerName anonymous createdAt receivedAt
          amount { amountMinor currency }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""
RECONCILE = """
mutation Reconcile($input: CampaignBackingReconcileInput!) {
  campaignBackingReconcile(input: $input) {
    backing { id status receivedAt paymentReference }
    errors { field code }
  }
}
"""


def _org_campaign(world):
    org = c.org_admin(world)
    campaign_id = c.active(world, organiser=world.principal(org))
    return org, campaign_id


def _payment_reference(world, backing_id):
    from sqlmodel import Session

    from api.payments.models import Payment

    with Session(world.engine) as session:
        payment = session.get(Payment, c.backing(world, backing_id).payment_id)
        assert payment is not None
        return payment.reference


def test_an_org_admin_lists_pending_backings_and_reconciles_one(api, world):
    org, campaign_id = _org_campaign(world)
    named = c.back(world, campaign_id, 20_000, backer_name="Ada")
    hidden = c.back(world, campaign_id, 15_000, anonymous=True, backer_name="Bo")
    received = c.received(world, campaign_id, 5_000)
    campaign = gid("Campaign", campaign_id)

    listed = api.data(
        BACKINGS, {"id": campaign, "status": "PENDING", "first": 10}, token=org.token
    )["node"]
    assert listed["raised"]["amountMinor"] == 5_000
    nodes = listed["backings"]["nodes"]
    # Newest first; the received backing is filtered out.
    assert [n["id"] for n in nodes] == [gid("Backing", hidden), gid("Backing", named)]
    first = nodes[1]
    assert first["status"] == "PENDING" and first["provider"] == "offline"
    assert first["amount"] == {"amountMinor": 20_000, "currency": "USD"}
    assert first["paymentReference"] == _payment_reference(world, named)
    assert first["paymentReference"].startswith("PAY-")
    assert (first["backerName"], first["anonymous"]) == ("Ada", False)
    assert first["createdAt"] and first["receivedAt"] is None
    assert nodes[0]["anonymous"] is True

    # The manager matches the bank statement's reference and reconciles that backing.
    match = next(n for n in nodes if n["paymentReference"] == _payment_reference(world, named))
    reconciled = api.data(
        RECONCILE,
        {
            "input": {
                "backing": match["id"],
                "externalReference": "BANK-9",
                "idempotencyKey": c.key(),
            }
        },
        token=org.token,
    )["campaignBackingReconcile"]
    assert reconciled["errors"] == []
    assert reconciled["backing"]["status"] == "RECEIVED"
    assert reconciled["backing"]["paymentReference"] == match["paymentReference"]

    after = api.data(BACKINGS, {"id": campaign, "first": 10}, token=org.token)["node"]
    assert after["raised"]["amountMinor"] == 25_000
    assert after["backersCount"] == 2
    statuses = {n["id"]: n["status"] for n in after["backings"]["nodes"]}
    assert statuses == {
        gid("Backing", hidden): "PENDING",
        gid("Backing", named): "RECEIVED",
        gid("Backing", received): "RECEIVED",
    }
    assert all(n["receivedAt"] for n in after["backings"]["nodes"] if n["status"] == "RECEIVED")
    pending = api.data(
        BACKINGS, {"id": campaign, "status": "PENDING", "first": 10}, token=org.token
    )["node"]["backings"]["nodes"]
    assert [n["id"] for n in pending] == [gid("Backing", hidden)]


def test_keyset_pages(api, world):
    org, campaign_id = _org_campaign(world)
    ids = [c.back(world, campaign_id, 1_000 + i) for i in range(3)]
    campaign = gid("Campaign", campaign_id)
    page = api.data(BACKINGS, {"id": campaign, "first": 2}, token=org.token)["node"]["backings"]
    assert [n["id"] for n in page["nodes"]] == [gid("Backing", i) for i in ids[:0:-1]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = api.data(
        BACKINGS,
        {"id": campaign, "first": 2, "after": page["pageInfo"]["endCursor"]},
        token=org.token,
    )["node"]["backings"]
    assert [n["id"] for n in rest["nodes"]] == [gid("Backing", ids[0])]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_platform_admins_see_the_list(api, world):
    _, campaign_id = _org_campaign(world)
    backing_id = c.back(world, campaign_id)
    listed = api.data(
        BACKINGS, {"id": gid("Campaign", campaign_id), "first": 10}, token=world.admin.token
    )["node"]["backings"]["nodes"]
    assert [n["id"] for n in listed] == [gid("Backing", backing_id)]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("other_org", "FORBIDDEN"),
        # Caseworkers organise campaigns of their area but do not hold the money.
        ("caseworker", "FORBIDDEN"),
    ],
)
def test_others_are_refused(api, world, who, code):
    _, campaign_id = _org_campaign(world)
    c.back(world, campaign_id)
    if who == "anonymous":
        token = None
    elif who == "other_org":
        token = c.org_admin(world, "other-org@example.org").token
    else:
        token = getattr(world, who).token
    body = api.post(BACKINGS, {"id": gid("Campaign", campaign_id), "first": 10}, token=token)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert body["errors"][0]["path"] == ["node", "backings"]
    # The public campaign itself still resolves; only the list is withheld.
    assert body["data"]["node"]["raised"] == {"amountMinor": 0}
    assert body["data"]["node"]["backings"] is None


@pytest.mark.parametrize("count", [5, 30])
def test_the_list_costs_the_same_number_of_statements(api, world, sql_counter, count):
    org, campaign_id = _org_campaign(world)
    for i in range(count):
        c.back(world, campaign_id, 1_000 + i, anonymous=i % 2 == 0)
    query = BACKINGS.replace("receivedAt", "receivedAt campaign { id }")
    sql_counter.reset()
    nodes = api.data(query, {"id": gid("Campaign", campaign_id), "first": 100}, token=org.token)[
        "node"
    ]["backings"]["nodes"]
    assert len(nodes) == count
    # Token, due check, campaign, the page (payment references joined): never one per backing.
    assert sql_counter.count <= 5, sql_counter.statements
