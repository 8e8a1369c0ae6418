"""The public pairing ledger: who sees which pairing through the list and node(id:),
that nothing personal leaks, filters, and a constant number of statements per page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.core.db import unit_of_work
from api.pairing import service
from api.pairing.models import (
    Pairing,
    PairingCommitment,
    PairingDelivery,
    PairingMilestone,
    PairingReport,
)
from tests import factories
from tests.pairing import factories as f
from tests.pairing.factories import gid

LIST = """
query($filter: PairingFilter) {
  pairings(filter: $filter, first: 100) { nodes { id status kind } }
}"""
NODE = "query($id: ID!) { node(id: $id) { ... on Pairing { id status } } }"
HOUSEHOLD_FIELDS = """
query($filter: PairingFilter) {
  pairings(filter: $filter, first: 100) {
    nodes {
      household { publicCode membersCount region { code } headName phone exactRegion { code } }
    }
  }
}"""
PAGE = """
query($first: Int!) {
  pairings(first: $first) {
    nodes {
      id kind status periodStart periodEnd
      helper { displayName kind verified }
      village { code name parent { code } }
      household { publicCode membersCount region { code } causes { code label } }
      commitments {
        id kind description targetCount deliveredCount progress
        target { amountMinor currency formatted } delivered { amountMinor formatted }
      }
      milestones { title dueOn status }
      reports {
        narrative periodStart
        deliveries { commitment { id kind } amount { amountMinor } count }
      }
    }
  }
}"""

# Deliveries name their commitment even when `commitments` is not asked for.
REPORTS_ONLY = """
query { pairings(first: 100) {
  nodes { reports { deliveries { commitment { kind progress } count } } }
} }"""


def listed(api, actor, filter=None):
    body = api.data(LIST, {"filter": filter}, token=actor.token if actor else None)
    return {node["id"]: node["status"] for node in body["pairings"]["nodes"]}


@pytest.fixture
def ledger(world):
    """One pairing in every status in C1's village, and an active one with a household
    that did not consent to publication."""
    proposed = f.proposed(world)
    active = f.active(world, enterprise=world.other_enterprise)
    completed = f.active(world, village=world.other_village)
    ended = f.active(world, household=world.household, helper=world.helper)
    with unit_of_work(world.engine) as session:
        admin = world.principal(world.admin)
        service.end_pairing(session, actor=admin, pairing_id=completed, outcome="COMPLETED")
        service.end_pairing(session, actor=admin, pairing_id=ended, outcome="ENDED_EARLY")
    private_id, _ = factories.household(
        world.engine, world.settings, world.regions["P1-A-C1-T-V"], consent=False
    )
    private = f.active(world, household=private_id, helper=world.helper, by=world.caseworker)
    return {
        name: gid("Pairing", pk)
        for name, pk in {
            "proposed": proposed,
            "active": active,
            "completed": completed,
            "ended": ended,
            "private": private,
        }.items()
    }


PUBLIC = {"active", "completed"}


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("anonymous", PUBLIC),
        ("rep", PUBLIC),
        ("far_caseworker", PUBLIC),
        ("enterprise", {*PUBLIC, "proposed"}),  # its own proposal
        ("helper", {*PUBLIC, "ended", "private"}),  # its own household pairings
        ("caseworker", {*PUBLIC, "proposed", "ended", "private"}),  # C1 only
        ("admin", {*PUBLIC, "proposed", "ended", "private"}),
    ],
)
def test_who_sees_which_pairing_in_the_list_and_by_id(api, world, ledger, who, visible):
    actor = world.people()[who]
    token = actor.token if actor else None
    expected = {ledger[name] for name in visible}
    assert set(listed(api, actor)) == expected
    for name, pairing_id in ledger.items():
        node = api.data(NODE, {"id": pairing_id}, token=token)["node"]
        assert (node is not None) == (name in visible), name


def test_caseworkers_see_proposals_of_their_own_area_only(api, world, ledger):
    # given a second proposal, in C2's village (outside the caseworker's area)
    with unit_of_work(world.engine) as session:
        service.propose_pairing(
            session,
            actor=world.principal(world.enterprise),
            instance=world.settings.instance,
            kind="ENTERPRISE_VILLAGE",
            helper_id=None,
            village_id=world.other_village,
            household_id=None,
            period_start=f.today(),
            period_end=f.today() + timedelta(days=10),
        )
    # then the C1 caseworker sees only the proposal in C1, the admin both
    proposals = {"status": ["PROPOSED"]}
    assert set(listed(api, world.caseworker, proposals)) == {ledger["proposed"]}
    assert len(listed(api, world.admin, proposals)) == 2


def test_households_appear_only_through_their_public_view(api, world, ledger):
    body = api.post(
        HOUSEHOLD_FIELDS, {"filter": {"kind": "HELPER_HOUSEHOLD"}}, token=world.helper.token
    )
    nodes = body["data"]["pairings"]["nodes"]
    households = [n["household"] for n in nodes]
    # the non-consenting household's pairing is the helper's own; its household stays hidden
    assert {h["publicCode"] if h else None for h in households} == {world.household_code, None}
    for household in filter(None, households):
        assert household["region"] == {"code": "P1-A-C1"}  # county, not the village
        assert household["headName"] is None and household["phone"] is None
        assert household["exactRegion"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


def test_fine_region_filters_do_not_reveal_where_households_live(api, world):
    f.active(world, household=world.household, helper=world.helper)
    village_pairing = f.active(world)
    village = {"region": gid("Region", world.village)}
    county = {"region": gid("Region", world.regions["P1-A-C1"].id)}
    assert set(listed(api, None, village)) == {gid("Pairing", village_pairing)}
    assert len(listed(api, None, county)) == 2
    assert len(listed(api, world.caseworker, village)) == 2
    assert listed(api, None, {"region": gid("Region", world.regions["P2"].id)}) == {}


def test_filters_by_kind_status_and_helper(api, world, ledger):
    assert set(listed(api, None, {"status": ["COMPLETED"]})) == {ledger["completed"]}
    helper = gid("Helper", world.other_enterprise.helper_id)
    assert set(listed(api, None, {"helper": helper})) == {ledger["active"]}
    assert listed(api, None, {"kind": "HELPER_HOUSEHOLD"}) == {}
    bad = api.post(LIST, {"filter": {"helper": gid("Region", 1)}})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def bulk_pairings(world, n):
    """`n` active pairings of the enterprise with C1's village, each with two commitments,
    a milestone and a report delivering to both, written directly for speed."""
    with unit_of_work(world.engine) as session:
        for _ in range(n):
            pairing = Pairing(
                kind="ENTERPRISE_VILLAGE",
                status="ACTIVE",
                helper_id=world.enterprise.helper_id,
                village_id=world.village,
                region_path=world.regions["P1-A-C1-T-V"].path,
                period_start=f.today(),
                period_end=f.today() + timedelta(days=365),
            )
            session.add(pairing)
            session.flush()
            money = PairingCommitment(
                pairing_id=pairing.id, kind="MONEY", target_amount_minor=10_000, currency="CNY"
            )
            jobs = PairingCommitment(pairing_id=pairing.id, kind="JOBS", target_count=4)
            report = PairingReport(
                pairing_id=pairing.id,
                period_start=f.today(),
                period_end=f.today(),
                narrative="Progress.",
            )
            session.add_all(
                [
                    money,
                    jobs,
                    report,
                    PairingMilestone(pairing_id=pairing.id, title="Start", due_on=f.today()),
                ]
            )
            session.flush()
            session.add_all(
                [
                    PairingDelivery(report_id=report.id, commitment_id=money.id, amount_minor=500),
                    PairingDelivery(report_id=report.id, commitment_id=jobs.id, quantity=1),
                ]
            )


def test_a_page_costs_the_same_number_of_statements_for_5_or_40_pairings(api, world, sql_counter):
    f.active(world, household=world.household, helper=world.helper)
    bulk_pairings(world, 4)
    sql_counter.reset()
    few = api.data(PAGE, {"first": 100})["pairings"]["nodes"]
    few_statements = sql_counter.count
    sql_counter.reset()
    api.data(REPORTS_ONLY)
    few_reports_only = sql_counter.count
    bulk_pairings(world, 35)
    sql_counter.reset()
    many = api.data(PAGE, {"first": 100})["pairings"]["nodes"]
    assert (len(few), len(many)) == (5, 40)
    assert sql_counter.count == few_statements
    sql_counter.reset()
    api.data(REPORTS_ONLY)
    assert sql_counter.count == few_reports_only
    progress = [
        c["progress"] for n in many if n["kind"] == "ENTERPRISE_VILLAGE" for c in n["commitments"]
    ]
    assert set(progress) == {0.05, 0.25}
