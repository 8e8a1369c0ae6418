"""A campaign that gives its money back shows what it refunded, not money still raised:
over real HTTP, its figures, its public backers list and the statistics agree."""

from __future__ import annotations

from api.core.db import unit_of_work
from api.crowdfunding import service
from api.crowdfunding.models import FundingModel
from tests.crowdfunding import factories as c
from tests.help_requests.factories import gid

FIGURES = """
query($id: ID!) {
  node(id: $id) {
    ... on Campaign {
      status raised { amountMinor } backersCount fundedBasisPoints
      refunded { amountMinor currency } refundedBackingsCount
      backers(first: 10) { nodes { name amount { amountMinor } refunded refundedAt } }
    }
  }
}"""
STATS = "{ stats { campaignMoneyRaised { amountMinor currency } campaignsFunded } }"


def figures(api, campaign_id: int) -> dict:
    node: dict = api.data(FIGURES, {"id": gid("Campaign", campaign_id)})["node"]
    return node


def test_a_refunded_campaign_shows_what_went_back(api, world):
    # Given an all-or-nothing campaign that received 30 000 of its 100 000
    campaign_id = c.active(world)
    for amount in (10_000, 20_000):
        c.received(world, campaign_id, amount)
    before = figures(api, campaign_id)
    assert (before["raised"], before["backersCount"]) == ({"amountMinor": 30_000}, 2)
    assert before["refunded"] == {"amountMinor": 0, "currency": "USD"}

    # When its deadline passes below the goal
    c.make_due(world, campaign_id)
    c.close(world)

    # Then nothing is raised any more: all of it shows as refunded, backer by backer
    after = figures(api, campaign_id)
    assert after["status"] == "REFUNDED"
    assert (after["raised"], after["backersCount"], after["fundedBasisPoints"]) == (
        {"amountMinor": 0},
        0,
        0,
    )
    assert after["refunded"] == {"amountMinor": 30_000, "currency": "USD"}
    assert after["refundedBackingsCount"] == 2
    backers = after["backers"]["nodes"]
    assert sorted(b["amount"]["amountMinor"] for b in backers) == [10_000, 20_000]
    assert all(b["refunded"] and b["refundedAt"] for b in backers)
    # The statistics count money kept, so they agree with the campaign (read by an admin:
    # the public sees figures this small withheld)
    stats = api.data(STATS, token=world.admin.token)["stats"]
    assert stats["campaignMoneyRaised"] == [] and stats["campaignsFunded"] == 0


def test_a_cancelled_campaign_shows_its_refunds(api, world):
    campaign_id = c.active(world)
    c.received(world, campaign_id, 7_000)
    with unit_of_work(world.engine) as session:
        service.cancel_campaign(
            session,
            actor=world.principal(world.admin),
            settings=world.settings,
            campaign_id=campaign_id,
            reason="Covered by a programme",
            idempotency_key=c.key(),
        )
    after = figures(api, campaign_id)
    assert after["status"] == "CANCELLED"
    assert (after["raised"], after["backersCount"]) == ({"amountMinor": 0}, 0)
    assert (after["refunded"]["amountMinor"], after["refundedBackingsCount"]) == (7_000, 1)


def test_late_money_for_a_failed_campaign_is_refunded_not_raised(api, world):
    campaign_id = c.active(world)
    late = c.back(world, campaign_id, 2_500)
    c.make_due(world, campaign_id)
    c.close(world)
    c.reconcile(world, late)
    after = figures(api, campaign_id)
    assert (after["raised"], after["backersCount"]) == ({"amountMinor": 0}, 0)
    assert (after["refunded"]["amountMinor"], after["refundedBackingsCount"]) == (2_500, 1)
    assert [b["refunded"] for b in after["backers"]["nodes"]] == [True]


def test_a_disbursed_campaign_keeps_its_money_raised(api, world):
    campaign_id = c.active(world, funding_model=FundingModel.KEEP_WHAT_YOU_RAISE)
    c.received(world, campaign_id, 4_000)
    c.make_due(world, campaign_id)
    c.close(world)
    after = figures(api, campaign_id)
    assert after["status"] == "DISBURSED"
    assert (after["raised"], after["backersCount"]) == ({"amountMinor": 4_000}, 1)
    assert (after["refunded"]["amountMinor"], after["refundedBackingsCount"]) == (0, 0)
    assert [b["refunded"] for b in after["backers"]["nodes"]] == [False]
    assert api.data(STATS)["stats"]["campaignMoneyRaised"] == [
        {"amountMinor": 4_000, "currency": "USD"}
    ]
