"""Nothing locates a household finer than the instance's public level (County here) for
those who may not see its exact region: not a list filter, not a helper's preferences, not
a related object. Probed as each identity, over real HTTP, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.app import create_app
from api.case_studies import service as case_studies
from api.core.db import unit_of_work
from api.helpers.models import Helper
from api.helpers.service import update_helper_profile
from api.regions.service import create_region
from tests import factories
from tests.conftest import GraphQLClient, LiveServer
from tests.factories import ADMIN
from tests.help_requests import factories as f

HOUSEHOLDS = """
query($filter: HouseholdFilter) {
  households(filter: $filter, first: 50) { nodes { publicCode region { code level } } }
}"""
REQUESTS = """
query($filter: HelpRequestFilter) {
  helpRequests(filter: $filter, first: 50) { nodes { title { text } household { publicCode } } }
}"""
CASE_STUDIES = """
query($filter: CaseStudyFilter) {
  caseStudies(filter: $filter, first: 50) {
    nodes { title { text } region { code } households { publicCode } }
  }
}"""

VILLAGE = "P1-A-C1-T-V"
COUNTY = "P1-A-C1"
# Who must not be able to filter by the village: they do not cover it.
OUTSIDERS = ["anonymous", "helper", "rep", "far_caseworker"]
# Who may: the caseworker whose county contains it, and admins.
INSIDERS = ["caseworker", "admin"]


def token(world, who):
    actor = world.people()[who]
    return actor.token if actor else None


def region_gid(world, code):
    return f.gid("Region", world.regions[code].id)


@pytest.fixture
def world(backend, engine, settings):
    world = f.make_world(engine, settings)
    f.published(world, title="Roof for the village household")
    return world


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(
    ("query", "name"), [(HOUSEHOLDS, "households"), (REQUESTS, "helpRequests")]
)
def test_a_village_filter_on_household_lists_is_refused_to_outsiders(api, world, who, query, name):
    body = api.post(
        query, {"filter": {"region": region_gid(world, VILLAGE)}}, token=token(world, who)
    )

    assert body["data"] is None or body["data"][name] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "REGION_TOO_FINE"
    assert "County" in error["message"]  # names the level down to which places are public


def test_the_refusal_is_localized_with_the_level_name(api, world):
    body = api.post(
        HOUSEHOLDS, {"filter": {"region": region_gid(world, VILLAGE)}}, locale="zh_Hans"
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "REGION_TOO_FINE"
    assert "County" not in error["message"] and "县" in error["message"]


@pytest.mark.parametrize("who", OUTSIDERS + INSIDERS)
def test_a_county_filter_works_for_everyone(api, world, who):
    households = api.data(
        HOUSEHOLDS, {"filter": {"region": region_gid(world, COUNTY)}}, token=token(world, who)
    )["households"]["nodes"]
    requests = api.data(
        REQUESTS, {"filter": {"region": region_gid(world, COUNTY)}}, token=token(world, who)
    )["helpRequests"]["nodes"]

    assert world.household_code in [node["publicCode"] for node in households]
    assert [node["household"]["publicCode"] for node in requests] == [world.household_code]


@pytest.mark.parametrize("who", INSIDERS)
def test_those_covering_the_village_filter_by_it(api, world, who):
    households = api.data(
        HOUSEHOLDS, {"filter": {"region": region_gid(world, VILLAGE)}}, token=token(world, who)
    )["households"]["nodes"]
    requests = api.data(
        REQUESTS, {"filter": {"region": region_gid(world, VILLAGE)}}, token=token(world, who)
    )["helpRequests"]["nodes"]

    assert [node["publicCode"] for node in households] == [world.household_code]
    assert [node["household"]["publicCode"] for node in requests] == [world.household_code]


def test_a_caseworker_of_another_area_is_refused_a_village_filter_even_on_their_own_list(
    api, world
):
    # The far caseworker covers P2; a village of P1 is outside their area.
    body = api.post(
        REQUESTS,
        {"filter": {"region": region_gid(world, "P1-A-C2-T-V")}},
        token=world.far_caseworker.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "REGION_TOO_FINE"


def test_a_helpers_preferred_village_matches_at_its_county(api, world, engine, settings):
    """A helper who prefers one village gets every request of its county: preferences
    cannot be used to locate households either."""
    with unit_of_work(engine) as session:
        neighbour_village = create_region(
            session,
            instance=settings.instance,
            code="P1-A-C1-T-W",
            name="Neighbour village",
            parent_id=world.regions["P1-A-C1-T"].id,
        )
    neighbour, neighbour_code = factories.household(engine, settings, neighbour_village)
    f.published(world, household=neighbour, title="Seeds for the neighbour")
    f.published(world, household=world.other_household, title="Far away, another county")
    with unit_of_work(engine) as session:
        update_helper_profile(
            session,
            instance=settings.instance,
            helper=session.get(Helper, world.helper.helper_id),
            preferred_region_ids=[world.regions[VILLAGE].id],
        )

    nodes = api.data(
        REQUESTS, {"filter": {"matchingMyPreferences": True}}, token=world.helper.token
    )["helpRequests"]["nodes"]

    assert sorted(node["household"]["publicCode"] for node in nodes) == sorted(
        [world.household_code, neighbour_code]
    )


def _case_study(world, title, *, households):
    with unit_of_work(world.engine) as session:
        row = case_studies.create_case_study(
            session,
            actor=ADMIN,
            instance=world.settings.instance,
            details=case_studies.CaseStudyDetails(
                title=title,
                summary="What worked.",
                lessons="Lessons.",
                region_id=world.regions[VILLAGE].id,
                intervention_type="INDUSTRY",
                causes=["ILLNESS"],
                household_ids=households,
            ),
        )
        case_studies.submit_case_study(session, actor=ADMIN, case_study_id=row.id)
        case_studies.review_case_study(
            session, actor=ADMIN, case_study_id=row.id, approve=True, note=None
        )


@pytest.mark.parametrize("who", OUTSIDERS + INSIDERS)
def test_a_case_study_naming_a_household_does_not_locate_it(api, world, who):
    _case_study(world, "Named household", households=[world.household])
    _case_study(world, "A village's story", households=[])
    insider = who in INSIDERS

    everything = api.data(CASE_STUDIES, {}, token=token(world, who))["caseStudies"]["nodes"]
    regions = {node["title"]["text"]: node["region"]["code"] for node in everything}
    village_filter = {"filter": {"region": region_gid(world, VILLAGE)}}
    in_village = api.data(CASE_STUDIES, village_filter, token=token(world, who))["caseStudies"]

    # A story about the village itself stays at the village for everyone.
    assert regions["A village's story"] == VILLAGE
    # One that names a household is shown where the household may be shown.
    assert regions["Named household"] == (VILLAGE if insider else COUNTY)
    named = next(n for n in everything if n["title"]["text"] == "Named household")
    assert [h["publicCode"] for h in named["households"]] == [world.household_code]
    titles = sorted(node["title"]["text"] for node in in_village["nodes"])
    assert titles == sorted(
        ["A village's story", "Named household"] if insider else ["A village's story"]
    )


STATS = """
query($region: ID) {
  stats(region: $region) {
    householdsRegistered householdsLiftedOut requestsMade pledgesDelivered
    moneyDonated { amountMinor }
    suppressed { figure reason }
    monthly(series: HOUSEHOLDS_LIFTED_OUT, from: "2026-01-01", to: "2026-02-28") {
      month count suppressed
    }
  }
}"""


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_area_below_the_public_level_has_every_figure_withheld(api, world, who):
    stats = api.data(STATS, {"region": region_gid(world, VILLAGE)}, token=token(world, who))[
        "stats"
    ]

    assert stats["householdsRegistered"] is None and stats["householdsLiftedOut"] is None
    assert stats["moneyDonated"] is None
    reasons = {s["figure"]: s["reason"] for s in stats["suppressed"]}
    assert reasons["HOUSEHOLDS_REGISTERED"] == "REGION_BELOW_PUBLIC_LEVEL"
    assert reasons["MONEY_DONATED"] == "REGION_BELOW_PUBLIC_LEVEL"
    assert len(reasons) == 16  # every figure but the instance-wide helper counts
    assert {(m["count"], m["suppressed"]) for m in stats["monthly"]} == {
        (None, "REGION_BELOW_PUBLIC_LEVEL")
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_small_figures_of_a_public_area_are_withheld(api, world, who):
    """A county of one household: "0 lifted out" would tell its status."""
    stats = api.data(STATS, {"region": region_gid(world, COUNTY)}, token=token(world, who))["stats"]

    assert stats["householdsRegistered"] is None and stats["householdsLiftedOut"] is None
    assert stats["moneyDonated"] == []  # money of a public area is not a count of households
    reasons = {s["figure"]: s["reason"] for s in stats["suppressed"]}
    assert reasons["HOUSEHOLDS_LIFTED_OUT"] == "SMALL_COUNT"
    assert "MONEY_DONATED" not in reasons


@pytest.mark.parametrize("who", INSIDERS)
def test_staff_covering_the_area_see_every_figure(api, world, who):
    for code in (VILLAGE, COUNTY):
        stats = api.data(STATS, {"region": region_gid(world, code)}, token=token(world, who))[
            "stats"
        ]
        assert stats["householdsRegistered"] == 1 and stats["householdsLiftedOut"] == 0
        assert stats["requestsMade"] == 1
        assert stats["suppressed"] == []
        assert {m["suppressed"] for m in stats["monthly"]} == {None}


def test_the_threshold_is_the_instances(api, world, backend):
    lenient = replace(world.settings.instance, small_count_threshold=1)
    server = LiveServer(create_app(replace(world.settings, instance=lenient), backend.engine))
    try:
        client = GraphQLClient(server.url)
        stats = client.data(STATS, {"region": region_gid(world, COUNTY)})["stats"]
        client.close()
    finally:
        server.stop()
    assert stats["householdsRegistered"] == 1  # at the threshold: shown
    assert stats["householdsLiftedOut"] is None  # 0 is below it


PROJECT = """
query($id: ID!) {
  node(id: $id) { ... on Project { coveredHouseholdsCount coveredHouseholdsCountSuppressed } }
}"""


@pytest.mark.parametrize("who", OUTSIDERS + INSIDERS)
def test_a_projects_count_of_households_is_withheld_like_every_statistic(api, world, who):
    from api.projects import service as projects

    ids = {}
    with unit_of_work(world.engine) as session:
        for code in (VILLAGE, COUNTY):
            row = projects.create_project(
                session,
                actor=ADMIN,
                instance=world.settings.instance,
                region_id=world.regions[code].id,
                details=projects.ProjectDetails(
                    name=f"Water for {code}",
                    project_type="INFRASTRUCTURE",
                    description="Pipes.",
                    budget_minor=100_000,
                    currency="USD",
                ),
            )
            projects.add_coverage(
                session, actor=ADMIN, project_id=row.id, household_ids=[world.household]
            )
            projects.change_project_status(session, actor=ADMIN, project_id=row.id, status="ACTIVE")
            ids[code] = row.id

    seen = {
        code: api.data(PROJECT, {"id": f.gid("Project", pid)}, token=token(world, who))["node"]
        for code, pid in ids.items()
    }

    if who in INSIDERS:
        assert (
            seen[VILLAGE]
            == seen[COUNTY]
            == {
                "coveredHouseholdsCount": 1,
                "coveredHouseholdsCountSuppressed": None,
            }
        )
    else:
        assert seen[VILLAGE] == {
            "coveredHouseholdsCount": None,
            "coveredHouseholdsCountSuppressed": "REGION_BELOW_PUBLIC_LEVEL",
        }
        assert seen[COUNTY] == {
            "coveredHouseholdsCount": None,
            "coveredHouseholdsCountSuppressed": "SMALL_COUNT",
        }
