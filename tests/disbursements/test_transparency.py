"""Public transparency over real HTTP: what each fund received, paid out and holds, and the
same per area, without telling what one household got."""

from __future__ import annotations

from typing import Any

import pytest

from api.disbursements.models import DisbursementSource, DisbursementTargetKind
from api.donation.models import TargetKind
from tests import factories
from tests.crowdfunding import factories as c
from tests.disbursements import factories as x
from tests.help_requests import factories as f

FUND = """
query($target: DonationTargetInput!) {
  fundTotals(target: $target) {
    currency received { amountMinor } paidOut { amountMinor } held { amountMinor }
  }
}"""
AREA = """
query($region: ID) {
  moneyTotals(region: $region) {
    currency received { amountMinor } disbursed { amountMinor } held { amountMinor } suppressed
  }
}"""
GENERAL = DisbursementSource.GENERAL_FUND
HOUSEHOLD = DisbursementTargetKind.HOUSEHOLD


def flat(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's values in the order selected, amounts as minor units."""
    return [
        tuple(value["amountMinor"] if isinstance(value, dict) else value for value in row.values())
        for row in rows
    ]


def test_every_fund_shows_what_it_received_paid_out_and_holds(api, world):
    request_id = f.published(world)
    project_id = x.project(world, status="COMPLETED")
    x.donated(world, 5_000)
    x.donated(world, 3_000)
    x.donated(world, 1_000, currency="CNY")
    x.donated(world, 4_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    x.disburse(world, HOUSEHOLD, world.household, 2_000, source=GENERAL)
    x.disburse(world, DisbursementTargetKind.HELP_REQUEST, request_id, 1_500)

    general = api.data(FUND, {"target": {"generalFund": True}})["fundTotals"]
    request = api.data(FUND, {"target": {"helpRequest": x.gid("HelpRequest", request_id)}})

    assert flat(general) == [("CNY", 1_000, 0, 1_000), ("USD", 8_000, 2_000, 6_000)]
    assert flat(request["fundTotals"]) == [("USD", 4_000, 1_500, 2_500)]
    # A completed project is public: its (empty) fund can be read.
    project = api.data(FUND, {"target": {"project": x.gid("Project", project_id)}})
    assert project["fundTotals"] == []


def test_a_succeeded_campaign_shows_what_it_released_and_paid_out(api, world):
    campaign_id = c.active(world, goal_minor=10_000)
    c.received(world, campaign_id, 12_000)
    c.make_due(world, campaign_id)
    c.close(world)
    x.disburse(world, DisbursementTargetKind.CAMPAIGN, campaign_id, 5_000)

    body = api.data(FUND, {"target": {"campaign": x.gid("Campaign", campaign_id)}})

    assert flat(body["fundTotals"]) == [("USD", 12_000, 5_000, 7_000)]


@pytest.mark.parametrize("target", ["draft", "planned", "campaign"])
def test_funds_that_are_not_public_are_not_found(api, world, target):
    ids = {
        "draft": {"helpRequest": x.gid("HelpRequest", f.draft(world))},
        "planned": {"project": x.gid("Project", x.project(world, status="PLANNED"))},
        "campaign": {"campaign": x.gid("Campaign", c.draft(world))},
    }
    body = api.post(FUND, {"target": ids[target]}, token=world.caseworker.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


@pytest.fixture
def county_money(world) -> None:
    """A C1 household's request got 100.00 and was paid 40.00 of it; the general fund got
    50.00 and paid the household 10.00."""
    request_id = f.published(world)
    x.donated(world, 10_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    x.donated(world, 5_000)
    x.disburse(world, DisbursementTargetKind.HELP_REQUEST, request_id, 4_000)
    x.disburse(world, HOUSEHOLD, world.household, 1_000, source=GENERAL)


def area(api, world, who: str, region: str | None) -> dict[str, Any]:
    variables = {"region": x.gid("Region", world.regions[region].id) if region else None}
    body: dict[str, Any] = api.post(AREA, variables, token=x.token(world.people()[who]))
    return body


@pytest.mark.parametrize("who", ["anonymous", "helper", "rep", "far_caseworker"])
def test_one_household_paid_in_an_area_keeps_the_paid_figures_withheld(
    api, world, county_money, who
):
    county = area(api, world, who, "P1-A-C1")["data"]["moneyTotals"]
    instance = area(api, world, who, None)["data"]["moneyTotals"]
    assert flat(county) == [("USD", 10_000, None, None, "SMALL_COUNT")]
    assert flat(instance) == [("USD", 15_000, None, None, "SMALL_COUNT")]


@pytest.mark.parametrize("who", ["caseworker", "admin"])
def test_staff_covering_the_area_see_every_figure(api, world, county_money, who):
    county = area(api, world, who, "P1-A-C1")["data"]["moneyTotals"]
    village = area(api, world, who, "P1-A-C1-T-V")["data"]["moneyTotals"]
    # The county's own donations: 100.00 received, 50.00 paid out there, 60.00 still held
    # (the general fund's payout is its own money, not the county's).
    assert flat(county) == flat(village) == [("USD", 10_000, 5_000, 6_000, None)]
    if who == "admin":
        instance = area(api, world, who, None)["data"]["moneyTotals"]
        assert flat(instance) == [("USD", 15_000, 5_000, 10_000, None)]


@pytest.mark.parametrize("who", ["anonymous", "helper", "rep", "far_caseworker"])
def test_a_village_is_withheld_from_everyone_but_its_staff(api, world, county_money, who):
    """Like every public statistic, an area below the public level keeps its figures to the
    staff covering it: null with the reason, never a silent zero."""
    body = area(api, world, who, "P1-A-C1-T-V")
    assert "errors" not in body
    assert flat(body["data"]["moneyTotals"]) == [
        ("USD", None, None, None, "REGION_BELOW_PUBLIC_LEVEL")
    ]


def test_enough_households_paid_make_the_figures_public(api, world, county_money):
    village = world.regions["P1-A-C1-T-V"]
    x.donated(world, 4_000)
    for n in range(4):
        household, _ = factories.household(
            world.engine, world.settings, village, head_name=f"Head {n}"
        )
        x.disburse(world, HOUSEHOLD, household, 1_000, source=GENERAL)

    county = area(api, world, "anonymous", "P1-A-C1")["data"]["moneyTotals"]
    elsewhere = area(api, world, "anonymous", "P2")["data"]["moneyTotals"]

    assert flat(county) == [("USD", 10_000, 9_000, 6_000, None)]
    assert elsewhere == []
