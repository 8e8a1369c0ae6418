"""Privacy of crowdfunding over real HTTP, for every kind of caller: a HOUSEHOLD campaign
never locates its household (region filter and `Campaign.region`), and a backing follows
one visibility rule on every path (node, nodes, the managers' list, lookups), with an
anonymous backer anonymous to all but the backer and platform admins."""

from __future__ import annotations

from typing import Any

import pytest

from api.crowdfunding import service
from api.crowdfunding.models import CampaignTargetKind
from tests.crowdfunding import factories as c
from tests.help_requests.factories import World, gid

CAMPAIGNS_IN = """
query($region: ID!) {
  campaigns(filter: {region: $region}, first: 50) { nodes { id targetKind region { name } } }
}
"""
CAMPAIGN_REGION = "query($id: ID!) { node(id: $id) { ... on Campaign { region { name } } } }"
BACKING = """
query($id: ID!) {
  node(id: $id) {
    ... on Backing {
      id status anonymous backerName message paymentReference amount { amountMinor }
      campaign { id }
    }
  }
}
"""
BACKINGS_BY_NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
MANAGERS_LIST = """
query($id: ID!) {
  node(id: $id) {
    ... on Campaign { backings(first: 10) { nodes { id backerName message paymentReference } } }
  }
}
"""

# Callers who do not cover the household's village: P1-A-C1-T-V.
OUTSIDERS = ("anonymous", "helper", "rep", "far_caseworker")
COVERING = ("caseworker", "admin")


def _token(world: World, who: str) -> str | None:
    actor = world.people()[who]
    return actor.token if actor else None


def _household_campaign(world: World) -> int:
    target = service.TargetRef(CampaignTargetKind.HOUSEHOLD, household_code=world.household_code)
    return c.active(world, target=target, title="A roof for a family")


def _campaigns(world: World) -> dict[str, int]:
    return {
        "household": _household_campaign(world),
        "village": c.active(world, title="A water tank"),
    }


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_a_village_filter_never_locates_a_household_campaign(api, world, who):
    # Given a household's campaign and a campaign for the same village
    ids = _campaigns(world)
    village = gid("Region", world.regions["P1-A-C1-T-V"].id)
    county = gid("Region", world.regions["P1-A-C1"].id)

    # When the caller filters by the village, and by its county (the public level)
    in_village = api.data(CAMPAIGNS_IN, {"region": village}, token=_token(world, who))
    in_county = api.data(CAMPAIGNS_IN, {"region": county}, token=_token(world, who))

    # Then the village's own campaign always matches; the household's only for those who
    # see the household's exact region, so repeating it over villages locates nobody
    found = {n["id"] for n in in_village["campaigns"]["nodes"]}
    expected = {gid("Campaign", ids["village"])}
    if who in COVERING:
        expected.add(gid("Campaign", ids["household"]))
    assert found == expected
    assert {n["id"] for n in in_county["campaigns"]["nodes"]} == {
        gid("Campaign", i) for i in ids.values()
    }


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_a_household_campaigns_region_is_exact_only_for_those_covering_it(api, world, who):
    ids = _campaigns(world)
    shown = {
        kind: api.data(CAMPAIGN_REGION, {"id": gid("Campaign", i)}, token=_token(world, who))[
            "node"
        ]["region"]["name"]
        for kind, i in ids.items()
    }
    village, county = world.regions["P1-A-C1-T-V"].name, world.regions["P1-A-C1"].name
    assert shown["village"] == village
    assert shown["household"] == (village if who in COVERING else county)


@pytest.mark.parametrize("who", OUTSIDERS + COVERING)
def test_the_list_shows_the_same_region_as_the_node(api, world, who):
    ids = _campaigns(world)
    county = gid("Region", world.regions["P1-A-C1"].id)
    nodes = api.data(CAMPAIGNS_IN, {"region": county}, token=_token(world, who))["campaigns"][
        "nodes"
    ]
    for node in nodes:
        single = api.data(CAMPAIGN_REGION, {"id": node["id"]}, token=_token(world, who))
        assert node["region"] == single["node"]["region"]
    assert len(nodes) == len(ids)


# --- Backings ------------------------------------------------------------------------------


def _backings(world: World) -> dict[str, Any]:
    """An organisation's campaign with an anonymous backing by a logged-in helper and a
    named one by a guest."""
    org = c.org_admin(world)
    campaign_id = c.active(world, organiser=world.principal(org))
    hidden = c.back(
        world,
        campaign_id,
        15_000,
        actor=world.principal(world.helper),
        anonymous=True,
        backer_name="Bo Secret",
        message="From Bo",
    )
    named = c.back(world, campaign_id, 5_000, backer_name="Ada Open")
    return {"org": org, "campaign": campaign_id, "hidden": hidden, "named": named}


# Who sees the anonymous backing, and whether they learn who gave it.
SEES = {
    "anonymous": None,
    "other_helper": None,
    "rep": None,
    "far_caseworker": None,
    # Covers and organises the area's campaigns, but does not hold the money.
    "caseworker": None,
    "other_org": None,
    "manager": "hidden",
    "backer": "named",
    "admin": "named",
}


def _caller(world: World, setup: dict[str, Any], who: str) -> str | None:
    if who == "manager":
        return str(setup["org"].token)
    if who == "other_org":
        return c.org_admin(world, "other-org@example.org").token
    if who == "backer":
        return world.helper.token
    if who == "other_helper":
        return world.other_helper.token
    return _token(world, who)


@pytest.mark.parametrize("who", sorted(SEES))
def test_one_rule_for_a_backing_by_node(api, world, who):
    # Given an anonymous backing by a logged-in helper
    setup = _backings(world)
    token = _caller(world, setup, who)

    # When the caller reads it by its (sequential) global ID
    node = api.data(BACKING, {"id": gid("Backing", setup["hidden"])}, token=token)["node"]

    # Then only its backer, the campaign's managers and admins see it at all, and only the
    # backer and admins learn who gave it
    if SEES[who] is None:
        assert node is None
        return
    assert node["id"] == gid("Backing", setup["hidden"])
    assert node["paymentReference"].startswith("PAY-")
    assert node["amount"] == {"amountMinor": 15_000}
    assert node["anonymous"] is True
    if SEES[who] == "named":
        assert (node["backerName"], node["message"]) == ("Bo Secret", "From Bo")
    else:
        assert (node["backerName"], node["message"]) == (None, None)


@pytest.mark.parametrize("who", sorted(SEES))
def test_backing_ids_cannot_be_enumerated(api, world, who):
    setup = _backings(world)
    token = _caller(world, setup, who)
    ids = [gid("Backing", i) for i in range(1, 6)]
    found = [n for n in api.data(BACKINGS_BY_NODES, {"ids": ids}, token=token)["nodes"] if n]
    visible = {
        None: set(),
        "hidden": {setup["hidden"], setup["named"]},
        "named": {setup["hidden"]} if who == "backer" else {setup["hidden"], setup["named"]},
    }[SEES[who]]
    assert {n["id"] for n in found} == {gid("Backing", i) for i in visible}


def test_the_managers_list_keeps_anonymous_backers_anonymous(api, world):
    setup = _backings(world)
    listed = api.data(
        MANAGERS_LIST, {"id": gid("Campaign", setup["campaign"])}, token=setup["org"].token
    )["node"]["backings"]["nodes"]
    by_id = {n["id"]: n for n in listed}
    hidden, named = by_id[gid("Backing", setup["hidden"])], by_id[gid("Backing", setup["named"])]
    assert (hidden["backerName"], hidden["message"]) == (None, None)
    assert hidden["paymentReference"].startswith("PAY-")
    assert named["backerName"] == "Ada Open"
    # Platform admins reconcile payments: they see who gave.
    as_admin = api.data(
        MANAGERS_LIST, {"id": gid("Campaign", setup["campaign"])}, token=world.admin.token
    )["node"]["backings"]["nodes"]
    assert {n["backerName"] for n in as_admin} == {"Bo Secret", "Ada Open"}


def test_the_backing_in_the_back_payload_follows_the_rule(api, world):
    """A guest who backs anonymously gets the backing back, without the name it hides."""
    campaign_id = c.active(world)
    body = api.data(
        """
        mutation($input: CampaignBackInput!) {
          campaignBack(input: $input) { backing { id backerName anonymous } errors { code } }
        }""",
        {
            "input": {
                "campaign": gid("Campaign", campaign_id),
                "amount": {"amountMinor": 1_000, "currency": "USD"},
                "provider": "offline",
                "anonymous": True,
                "backerName": "Guest Secret",
                "idempotencyKey": c.key(),
            }
        },
    )["campaignBack"]
    assert body["errors"] == []
    assert body["backing"]["anonymous"] is True and body["backing"]["backerName"] is None
