"""Campaigns over real HTTP: the lifecycle through mutations, the public list (filters,
orders, drafts hidden, anonymous backers hidden), lazy closing on read, statement counts,
and the close-campaigns command."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.cli import main
from api.core.db import utcnow
from api.crowdfunding.models import BackingStatus, CampaignStatus
from tests.crowdfunding import factories as c
from tests.help_requests.factories import gid

CREATE = """
mutation Create($input: CampaignCreateInput!) {
  campaignCreate(input: $input) {
    campaign { id status title { text } goal { amountMinor currency } fundingModel targetKind }
    errors { field code message }
  }
}
"""
SUBMIT = """
mutation Submit($input: CampaignRefInput!) {
  campaignSubmit(input: $input) { campaign { status } errors { field code } }
}
"""
APPROVE = """
mutation Approve($input: CampaignApproveInput!) {
  campaignApprove(input: $input) { campaign { status approvedAt } errors { field code } }
}
"""
BACK = """
mutation Back($input: CampaignBackInput!) {
  campaignBack(input: $input) {
    backing { id status amount { amountMinor currency } }
    paymentInstructions { provider reference }
    errors { field code message }
  }
}
"""
RECONCILE = """
mutation Reconcile($input: CampaignBackingReconcileInput!) {
  campaignBackingReconcile(input: $input) { backing { status } errors { field code } }
}
"""
POST = """
mutation Post($input: CampaignPostUpdateInput!) {
  campaignPostUpdate(input: $input) { update { title body } errors { field code } }
}
"""
CANCEL = """
mutation Cancel($input: CampaignCancelInput!) {
  campaignCancel(input: $input) { campaign { status } errors { field code } }
}
"""
LIST = """
query Campaigns($filter: CampaignFilter, $orderBy: CampaignOrder, $first: Int!, $after: String) {
  campaigns(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    nodes {
      id title { text } status fundingModel targetKind deadline organiserName
      goal { amountMinor currency formatted } raised { amountMinor }
      backersCount fundedBasisPoints
      region { name }
      household { publicCode }
      updates(first: 2) { title }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ONE = """
query One($id: ID!) {
  node(id: $id) {
    ... on Campaign {
      status raised { amountMinor } backersCount fundedBasisPoints
      backers(first: 10) { nodes { name message amount { amountMinor } } }
      updates { title }
    }
  }
}
"""


def _input_create(world, **overrides):
    values = {
        "target": {"village": gid("Region", world.regions["P1-A-C1-T-V"].id)},
        "title": "A water tank",
        "description": "Clean water all year round.",
        "goal": {"amountMinor": 50_000, "currency": "USD"},
        "fundingModel": "ALL_OR_NOTHING",
        "deadline": (utcnow() + timedelta(days=10)).isoformat(),
    }
    values.update(overrides)
    return values


def test_the_lifecycle_over_http(api, world):
    created = api.data(CREATE, {"input": _input_create(world)}, token=world.caseworker.token)
    payload = created["campaignCreate"]
    assert payload["errors"] == []
    campaign = payload["campaign"]
    assert (campaign["status"], campaign["targetKind"]) == ("DRAFT", "VILLAGE")
    ref = {"input": {"campaign": campaign["id"]}}
    # Drafts are invisible to the public.
    assert api.data(ONE, {"id": campaign["id"]})["node"] is None
    assert api.data(SUBMIT, ref, token=world.caseworker.token)["campaignSubmit"]["errors"] == []
    approved = api.data(APPROVE, ref, token=world.admin.token)["campaignApprove"]
    assert approved["campaign"]["status"] == "ACTIVE"

    backs = []
    for name, anonymous, amount in [("Ada", False, 20_000), ("Hidden", True, 15_000)]:
        back = api.data(
            BACK,
            {
                "input": {
                    "campaign": campaign["id"],
                    "amount": {"amountMinor": amount, "currency": "USD"},
                    "provider": "offline",
                    "backerName": name,
                    "anonymous": anonymous,
                    "message": f"From {name}",
                    "idempotencyKey": c.key(),
                }
            },
        )["campaignBack"]
        assert back["errors"] == [] and back["backing"]["status"] == "PENDING"
        assert back["paymentInstructions"]["reference"].startswith("PAY-")
        backs.append(back["backing"]["id"])
    for backing in backs:
        reconciled = api.data(
            RECONCILE,
            {"input": {"backing": backing, "externalReference": "B-1", "idempotencyKey": c.key()}},
            token=world.admin.token,
        )["campaignBackingReconcile"]
        assert reconciled["backing"]["status"] == "RECEIVED"
    posted = api.data(
        POST,
        {"input": {"campaign": campaign["id"], "title": "Half way", "body": "Thank you!"}},
        token=world.caseworker.token,
    )["campaignPostUpdate"]
    assert posted["update"]["title"] == "Half way"

    node = api.data(ONE, {"id": campaign["id"]})["node"]
    assert node["raised"]["amountMinor"] == 35_000
    assert (node["backersCount"], node["fundedBasisPoints"]) == (2, 7_000)
    assert sorted((b["name"], b["message"]) for b in node["backers"]["nodes"]) == [
        ("Ada", "From Ada"),
        ("Anonymous", None),
    ]
    assert node["updates"] == [{"title": "Half way"}]

    cancelled = api.data(
        CANCEL,
        {"input": {"campaign": campaign["id"], "idempotencyKey": c.key()}},
        token=world.caseworker.token,
    )["campaignCancel"]
    assert cancelled["campaign"]["status"] == "CANCELLED"
    assert c.balance(world, f"campaign:{gid_pk(campaign['id'])}") == 0


def gid_pk(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])


def test_typed_errors_over_http(api, world):
    wrong = api.data(
        CREATE,
        {"input": _input_create(world, title="", goal={"amountMinor": 1, "currency": "XYZ"})},
        token=world.caseworker.token,
    )["campaignCreate"]
    assert wrong["campaign"] is None
    assert {(e["field"], e["code"]) for e in wrong["errors"]} == {
        ("title", "REQUIRED"),
        ("goal", "INVALID"),
    }
    refused = api.post(CREATE, {"input": _input_create(world)}, token=world.helper.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    campaign_id = c.active(world)
    mismatch = api.data(
        BACK,
        {
            "input": {
                "campaign": gid("Campaign", campaign_id),
                "amount": {"amountMinor": 100, "currency": "EUR"},
                "provider": "offline",
                "anonymous": True,
                "idempotencyKey": c.key(),
            }
        },
    )["campaignBack"]
    assert [(e["field"], e["code"]) for e in mismatch["errors"]] == [
        ("amount", "CURRENCY_MISMATCH")
    ]
    assert "USD" in mismatch["errors"][0]["message"]


def test_an_overdue_campaign_shows_its_outcome_and_the_read_writes_nothing(api, world):
    # Given two campaigns past their deadline that nobody has settled yet
    failing = c.active(world)
    c.received(world, failing, 1_000)
    funded = c.active(world, goal_minor=1_000)
    c.received(world, funded, 1_000)
    for campaign_id in (failing, funded):
        c.make_due(world, campaign_id)

    # When they are read
    listed = api.data(LIST, {"first": 10})["campaigns"]["nodes"]

    # Then each shows the outcome its closing will record, never ACTIVE, and filters agree
    statuses = {node["id"]: node["status"] for node in listed}
    assert statuses == {gid("Campaign", failing): "FAILED", gid("Campaign", funded): "SUCCEEDED"}

    def listed_with(*wanted: str) -> list[str]:
        data = api.data(LIST, {"first": 10, "filter": {"status": list(wanted)}})
        return [node["id"] for node in data["campaigns"]["nodes"]]

    assert listed_with("ACTIVE") == []
    assert listed_with("FAILED") == [gid("Campaign", failing)]
    assert listed_with("SUCCEEDED", "DISBURSED") == [gid("Campaign", funded)]
    # and nothing was written: the money is where it was, the rows are still ACTIVE
    assert c.status(world, failing) == c.status(world, funded) == CampaignStatus.ACTIVE
    assert c.balance(world, f"campaign:{failing}") == 1_000
    assert c.balance(world, f"payout:campaign:{funded}") == 0

    # When the closer runs (the server's own loop or `aidbridge close-campaigns`)
    assert c.close(world).closed == 2

    # Then they are settled, once
    listed = api.data(LIST, {"first": 10})["campaigns"]["nodes"]
    statuses = {node["id"]: node["status"] for node in listed}
    assert statuses == {gid("Campaign", failing): "REFUNDED", gid("Campaign", funded): "DISBURSED"}
    assert c.balance(world, f"campaign:{failing}") == 0
    assert c.balance(world, f"payout:campaign:{funded}") == 1_000
    assert c.close(world).closed == 0


def test_the_node_read_shows_the_outcome_without_writing(api, world):
    campaign_id = c.active(world)
    backing_id = c.received(world, campaign_id, 2_000)
    c.make_due(world, campaign_id)
    node = api.data(ONE, {"id": gid("Campaign", campaign_id)})["node"]
    assert node["status"] == "FAILED"
    assert c.backing(world, backing_id).status == BackingStatus.RECEIVED
    c.close(world)
    node = api.data(ONE, {"id": gid("Campaign", campaign_id)})["node"]
    assert node["status"] == "REFUNDED"
    assert c.backing(world, backing_id).status == BackingStatus.REFUNDED


def test_filters_orders_and_visibility(api, world):
    soon = c.active(world, deadline=utcnow() + timedelta(days=2), goal_minor=10_000)
    late = c.active(world, deadline=utcnow() + timedelta(days=20), goal_minor=1_000)
    c.received(world, late, 900)
    hidden = c.draft(world)

    def ids(**variables):
        data = api.data(LIST, {"first": 10, **variables}, token=variables.pop("token", None))
        return [node["id"] for node in data["campaigns"]["nodes"]]

    assert ids() == [gid("Campaign", late), gid("Campaign", soon)]
    assert ids(orderBy="ENDING_SOONEST") == [gid("Campaign", soon), gid("Campaign", late)]
    assert ids(orderBy="MOST_FUNDED") == [gid("Campaign", late), gid("Campaign", soon)]
    assert ids(filter={"region": gid("Region", world.regions["P2"].id)}) == []
    assert ids(filter={"region": gid("Region", world.regions["P1"].id)}) == [
        gid("Campaign", late),
        gid("Campaign", soon),
    ]
    assert ids(filter={"targetKind": ["HOUSEHOLD"]}) == []
    organiser_view = api.data(
        LIST, {"first": 10, "filter": {"status": ["DRAFT"]}}, token=world.caseworker.token
    )
    assert [n["id"] for n in organiser_view["campaigns"]["nodes"]] == [gid("Campaign", hidden)]
    far = api.data(
        LIST, {"first": 10, "filter": {"status": ["DRAFT"]}}, token=world.far_caseworker.token
    )
    assert far["campaigns"]["nodes"] == []
    # Keyset pages.
    first = api.data(LIST, {"first": 1, "orderBy": "ENDING_SOONEST"})["campaigns"]
    second = api.data(
        LIST, {"first": 1, "orderBy": "ENDING_SOONEST", "after": first["pageInfo"]["endCursor"]}
    )["campaigns"]
    assert [n["id"] for n in second["nodes"]] == [gid("Campaign", late)]


@pytest.mark.parametrize("count", [5, 40])
def test_listing_costs_the_same_number_of_statements(api, world, sql_counter, count):
    c.active(
        world,
        target=c.service.TargetRef(
            c.CampaignTargetKind.HOUSEHOLD, household_code=world.household_code
        ),
    )
    c.draft(world)  # hidden from the public list
    for i in range(count - 1):
        campaign_id = c.active(world, goal_minor=1_000 + i)
        if i % 3 == 0:
            c.received(world, campaign_id, 100)
    sql_counter.reset()
    nodes = api.data(LIST, {"first": 100})["campaigns"]["nodes"]
    assert len(nodes) == count
    # Due check, page, translations, organisers, regions, households, updates: never one
    # per campaign.
    assert sql_counter.count <= 7, sql_counter.statements


def test_close_campaigns_command(world, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("SECRET_KEY", "t" * 40)
    campaign_id = c.active(world)
    c.received(world, campaign_id, 500)
    c.make_due(world, campaign_id)
    assert main(["close-campaigns"]) == 0
    assert "1 refunded" in capsys.readouterr().err
    assert c.status(world, campaign_id) == CampaignStatus.REFUNDED
    assert main(["close-campaigns"]) == 0
    assert "0 campaign(s) disbursed, 0 refunded" in capsys.readouterr().err
