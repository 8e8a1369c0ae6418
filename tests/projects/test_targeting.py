"""The precise-targeting views: which households of an area each project covers, and which
poor households no active project covers and no help reached lately."""

from __future__ import annotations

import pytest

from api.core.db import unit_of_work
from api.projects import service
from tests.projects.conftest import gid

COVERAGE = """
query($region: ID!, $covered: Boolean, $first: Int!, $after: String) {
  projectCoverage(region: $region, covered: $covered, first: $first, after: $after) {
    nodes { household { publicCode headName causes { code } region { code } }
            projects { name status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Personal fields are left out: each household read is audited with one row by design.
COVERAGE_COST = """
query($region: ID!, $first: Int!) {
  projectCoverage(region: $region, first: $first) {
    nodes { household { publicCode causes { code } region { code } }
            projects { name status region { code } coveredHouseholdsCount } }
  }
}
"""
UNCOVERED = """
query($region: ID!, $days: Int, $first: Int!, $after: String) {
  uncoveredHouseholds(region: $region, noHelpMetForDays: $days, first: $first, after: $after) {
    nodes { publicCode headName }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def region(world, code):
    return gid("Region", world.regions[code].id)


@pytest.fixture
def village(world):
    """Households of one village in C1, each in a different situation."""
    v = "P1-A-C1-T-V"
    h = {
        "poor_alone": world.household(v, "IN_POVERTY", head_name="Alone"),
        "poor_active": world.household(v, "IN_POVERTY", head_name="Active"),
        "poor_planned": world.household(v, "IN_POVERTY", head_name="Planned"),
        "poor_completed": world.household(v, "IN_POVERTY", head_name="Completed"),
        "relapsed_helped": world.household(v, "RELAPSED", head_name="Helped"),
        "poor_helped_long_ago": world.household(v, "IN_POVERTY", head_name="LongAgo"),
        "lifted_out": world.household(v, "LIFTED_OUT", head_name="Lifted"),
        "registered": world.household(v, None, head_name="Registered"),
        "private_poor": world.household(v, "IN_POVERTY", head_name="Private", consent=False),
    }
    world.project("P1-A-C1", name="Tea", households=[h["poor_active"][0]])
    world.project("P1-A", name="Road", status="PLANNED", households=[h["poor_planned"][0]])
    world.project("P1-A-C1", name="Done", status="COMPLETED", households=[h["poor_completed"][0]])
    world.fulfilled_request(h["relapsed_helped"][0], v, days_ago=10)
    world.fulfilled_request(h["poor_helped_long_ago"][0], v, days_ago=200)
    world.household("P1-A-C2-T-V", "IN_POVERTY", head_name="OtherCounty")
    return {name: code for name, (_pk, code) in h.items()}


def names(api, world, variables, who="caseworker_c1"):
    body = api.data(UNCOVERED, {"first": 50} | variables, token=world.token(who))
    return [n["headName"] for n in body["uncoveredHouseholds"]["nodes"]]


def test_uncovered_households_are_poor_without_active_project_or_recent_help(api, world, village):
    assert names(api, world, {"region": region(world, "P1-A-C1")}) == [
        "Alone",
        "Planned",
        "Completed",
        "LongAgo",
        "Private",
    ]
    # Help met 10 days ago only counts within a window that long.
    assert "Helped" in names(api, world, {"region": region(world, "P1-A-C1"), "days": 5})
    assert "LongAgo" not in names(api, world, {"region": region(world, "P1-A-C1"), "days": 365})
    # Admins see the whole province, including the other county.
    everywhere = names(api, world, {"region": region(world, "P1")}, who="admin")
    assert "OtherCounty" in everywhere and "Alone" in everywhere


@pytest.mark.parametrize(
    ("who", "area", "code"),
    [
        ("anonymous", "P1-A-C1", "UNAUTHENTICATED"),
        ("helper", "P1-A-C1", "FORBIDDEN"),
        ("organisation", "P1-A-C1", "FORBIDDEN"),
        ("caseworker_p2", "P1-A-C1", "FORBIDDEN"),
        ("caseworker_c1", "P1-A", "FORBIDDEN"),  # above their area
    ],
)
def test_only_caseworkers_of_the_area_and_admins_see_the_targeting_views(
    api, world, who, area, code
):
    for query in (UNCOVERED, COVERAGE):
        body = api.post(query, {"region": region(world, area), "first": 5}, token=world.token(who))
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_bad_arguments_are_input_errors(api, world):
    token = world.token("admin")
    for variables, code in (
        ({"region": region(world, "P1"), "days": -1}, "BAD_USER_INPUT"),
        ({"region": region(world, "P1"), "days": 5000}, "BAD_USER_INPUT"),
        ({"region": gid("Household", "HH-1")}, "BAD_USER_INPUT"),
        ({"region": gid("Region", 9999)}, "NOT_FOUND"),
    ):
        body = api.post(UNCOVERED, {"first": 5} | variables, token=token)
        assert body["errors"][0]["extensions"]["code"] == code, variables


def test_coverage_lists_each_household_with_its_projects(api, world, village):
    body = api.data(
        COVERAGE,
        {"region": region(world, "P1-A-C1"), "first": 50},
        token=world.token("caseworker_c1"),
    )
    nodes = body["projectCoverage"]["nodes"]
    by_name = {n["household"]["headName"]: n for n in nodes}
    assert "OtherCounty" not in by_name and len(nodes) == 9
    assert by_name["Active"]["projects"] == [{"name": "Tea", "status": "ACTIVE"}]
    # Planned projects of a wider area touching theirs are visible to caseworkers too.
    assert by_name["Planned"]["projects"] == [{"name": "Road", "status": "PLANNED"}]
    assert by_name["Alone"]["projects"] == []
    assert by_name["Private"]["household"]["causes"] == [{"code": "ILLNESS"}]

    covered = api.data(
        COVERAGE,
        {"region": region(world, "P1-A-C1"), "first": 50, "covered": True},
        token=world.token("caseworker_c1"),
    )
    assert {n["household"]["headName"] for n in covered["projectCoverage"]["nodes"]} == {
        "Active",
        "Planned",
        "Completed",
    }


def test_targeting_views_page_by_cursor(api, world, village):
    seen = []
    after = None
    while True:
        body = api.data(
            UNCOVERED,
            {"region": region(world, "P1-A-C1"), "first": 2, "after": after},
            token=world.token("caseworker_c1"),
        )["uncoveredHouseholds"]
        seen += [n["headName"] for n in body["nodes"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == ["Alone", "Planned", "Completed", "LongAgo", "Private"]


def test_coverage_view_costs_the_same_for_5_and_40_households(api, world, sql_counter):
    tea = world.project("P1-A-C1", name="Tea")
    road = world.project("P1-A", name="Road")

    def add(n):
        for i in range(n):
            pk, _ = world.household("P1-A-C1-T-V", "IN_POVERTY", head_name=f"H{i}")
            from api.core.auth import Principal
            from api.core.roles import Role

            with unit_of_work(world.engine) as session:
                for project in (tea, road)[: 1 + i % 2]:
                    service.add_coverage(
                        session,
                        actor=Principal(role=Role.PLATFORM_ADMIN),
                        project_id=project,
                        household_ids=[pk],
                    )

    def cost():
        sql_counter.reset()
        body = api.data(
            COVERAGE_COST,
            {"region": region(world, "P1-A-C1"), "first": 100},
            token=world.token("caseworker_c1"),
        )
        return sql_counter.count, len(body["projectCoverage"]["nodes"])

    add(5)
    few = cost()
    add(35)
    many = cost()
    assert (few[1], many[1]) == (5, 40)
    assert few[0] == many[0]
