"""Projects over the API: lifecycle, who may do what, typed errors, filters, pages, cost."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from api.audit.models import AuditEvent
from api.projects.models import Project, ProjectHousehold
from tests.projects.conftest import gid

FIELDS = (
    "id name type status description region { code } budget { amountMinor currency } "
    "startsOn endsOn outcomes coveredHouseholdsCount"
)
PROJECTS = (
    "query($filter: ProjectFilter, $first: Int!, $after: String) { projects(filter: $filter, "
    "first: $first, after: $after) { nodes { "
    + FIELDS
    + " } pageInfo { hasNextPage endCursor } } }"
)
CREATE = (
    "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { "
    + FIELDS
    + " } errors { field code message } } }"
)
UPDATE = (
    "mutation($input: ProjectUpdateInput!) { projectUpdate(input: $input) { project { "
    + FIELDS
    + " } errors { field code } } }"
)
STATUS = (
    "mutation($input: ProjectStatusChangeInput!) { projectStatusChange(input: $input) { "
    "project { status startsOn } errors { field code } } }"
)
COVER = (
    "mutation($input: ProjectCoverageInput!) { projectCoverageAdd(input: $input) { "
    "project { coveredHouseholdsCount coveredHouseholdsCountSuppressed } errors { field code } } }"
)
UNCOVER = (
    "mutation($input: ProjectCoverageInput!) { projectCoverageRemove(input: $input) { "
    "project { coveredHouseholdsCount coveredHouseholdsCountSuppressed } errors { field code } } }"
)
COVERED = (
    "query($id: ID!) { node(id: $id) { ... on Project { coveredHouseholdsCount "
    "coveredHouseholdsCountSuppressed } } }"
)
# What a caseworker of one county sees of a count of households over a wider area: a small
# one is withheld (they do not cover the whole area); admins see it.
WITHHELD = {"coveredHouseholdsCount": None, "coveredHouseholdsCountSuppressed": "SMALL_COUNT"}


def covered(api, world, project: int) -> int:
    node = api.data(COVERED, {"id": gid("Project", project)}, token=world.token("admin"))["node"]
    assert node["coveredHouseholdsCountSuppressed"] is None
    count: int = node["coveredHouseholdsCount"]
    return count


NODE = "query($id: ID!) { node(id: $id) { ... on Project { name status } } }"


def create_input(world, region="P1-A-C1", **overrides):
    values = {
        "region": gid("Region", world.regions[region].id),
        "name": "Kiwi orchards",
        "type": "INDUSTRY",
        "description": "Kiwi orchards on terraced hills.",
        "budget": {"amountMinor": 250_000_00, "currency": "CNY"},
        "startsOn": "2026-01-01",
        "endsOn": "2027-12-31",
    }
    values.update(overrides)
    return values


def project_count(session) -> int:
    return session.exec(select(func.count()).select_from(Project)).one()


def test_a_project_goes_from_planned_to_completed_and_is_public_only_when_running(api, world):
    token = world.token("caseworker_c1")
    created = api.data(CREATE, {"input": create_input(world)}, token=token)["projectCreate"]
    assert created["errors"] == []
    project = created["project"]
    assert project["status"] == "PLANNED"
    assert project["budget"] == {"amountMinor": 250_000_00, "currency": "CNY"}
    assert project["region"]["code"] == "P1-A-C1"

    def listed(who):
        body = api.data(PROJECTS, {"first": 10}, token=world.token(who))
        return [n["id"] for n in body["projects"]["nodes"]]

    assert listed("anonymous") == []
    assert listed("caseworker_p2") == []
    assert listed("caseworker_c1") == [project["id"]]
    assert api.data(NODE, {"id": project["id"]})["node"] is None

    started = api.data(STATUS, {"input": {"id": project["id"], "status": "ACTIVE"}}, token=token)
    assert started["projectStatusChange"] == {
        "project": {"status": "ACTIVE", "startsOn": "2026-01-01"},
        "errors": [],
    }
    assert listed("anonymous") == [project["id"]]
    assert api.data(NODE, {"id": project["id"]})["node"]["status"] == "ACTIVE"

    outcome = api.data(
        UPDATE,
        {"input": {"id": project["id"], "outcomes": "120 households sell kiwis online."}},
        token=token,
    )["projectUpdate"]
    assert outcome["project"]["outcomes"] == "120 households sell kiwis online."
    done = api.data(STATUS, {"input": {"id": project["id"], "status": "COMPLETED"}}, token=token)
    assert done["projectStatusChange"]["project"]["status"] == "COMPLETED"
    again = api.data(STATUS, {"input": {"id": project["id"], "status": "ACTIVE"}}, token=token)
    assert again["projectStatusChange"] == {
        "project": None,
        "errors": [{"field": "status", "code": "INVALID_STATE"}],
    }
    assert listed("anonymous") == [project["id"]]


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("organisation", "FORBIDDEN"),
        ("caseworker_p2", "region:FORBIDDEN"),
        ("caseworker_c1", "ok"),
        ("admin", "ok"),
    ],
)
def test_who_may_create_a_project(api, world, session, who, outcome):
    body = api.post(CREATE, {"input": create_input(world)}, token=world.token(who))
    if outcome == "ok":
        assert body["data"]["projectCreate"]["errors"] == []
        assert project_count(session) == 1
    elif ":" in outcome:
        field, code = outcome.split(":")
        assert body["data"]["projectCreate"] == {
            "project": None,
            "errors": [
                {"field": field, "code": code, "message": "You are not allowed to do this."}
            ],
        }
        assert project_count(session) == 0
    else:
        assert body["data"]["projectCreate"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert project_count(session) == 0


def test_caseworkers_change_only_projects_of_their_area(api, world):
    in_c1 = world.project("P1-A-C1", status="PLANNED")
    province = world.project("P1", status="PLANNED")
    token = world.token("caseworker_c1")
    mine = api.data(UPDATE, {"input": {"id": gid("Project", in_c1), "name": "New"}}, token=token)
    assert mine["projectUpdate"]["project"]["name"] == "New"
    above = api.data(UPDATE, {"input": {"id": gid("Project", province), "name": "X"}}, token=token)
    assert above["projectUpdate"]["errors"] == [{"field": "id", "code": "FORBIDDEN"}]
    other = api.data(
        UPDATE,
        {"input": {"id": gid("Project", in_c1), "name": "X"}},
        token=world.token("caseworker_p2"),
    )
    assert other["projectUpdate"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(api, world, session):
    body = api.data(
        CREATE,
        {
            "input": create_input(
                world,
                name="  ",
                description="x" * 5001,
                budget={"amountMinor": -5, "currency": "XXQ"},
                startsOn="2027-01-01",
                endsOn="2026-01-01",
            )
        },
        token=world.token("admin"),
    )["projectCreate"]
    assert body["project"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("name", "REQUIRED"),
        ("description", "TOO_LONG"),
        ("budget.amountMinor", "OUT_OF_RANGE"),
        ("budget.currency", "INVALID"),
        ("endsOn", "OUT_OF_RANGE"),
    }
    wrong_id = api.data(
        CREATE,
        {"input": create_input(world) | {"region": gid("Household", 1)}},
        token=world.token("admin"),
    )["projectCreate"]
    assert wrong_id["errors"][0]["field"] == "region"
    assert project_count(session) == 0
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_coverage_is_all_or_nothing_audited_and_limited_to_the_area(api, world, session):
    in_c1, code_c1 = world.household("P1-A-C1-T-V")
    _, code_c2 = world.household("P1-A-C2-T-V")
    project = world.project("P1-A", status="ACTIVE")  # spans both counties
    token = world.token("caseworker_c1")
    both = {
        "project": gid("Project", project),
        "households": [gid("Household", code_c1), gid("Household", code_c2)],
    }
    refused = api.data(COVER, {"input": both}, token=token)["projectCoverageAdd"]
    assert refused == {"project": None, "errors": [{"field": "households", "code": "FORBIDDEN"}]}
    assert session.exec(select(func.count()).select_from(ProjectHousehold)).one() == 0

    one = {"project": gid("Project", project), "households": [gid("Household", code_c1)]}
    added = api.data(COVER, {"input": one}, token=token)["projectCoverageAdd"]
    assert added == {"project": WITHHELD, "errors": []}
    again = api.data(COVER, {"input": one}, token=token)["projectCoverageAdd"]
    assert again == {"project": WITHHELD, "errors": []}
    assert covered(api, world, project) == 1
    session.rollback()  # a new snapshot: the server wrote in its own transactions
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "project.coverage_add")
    ).all()
    assert [(e.subject_id, e.detail) for e in events] == [(project, {"households": [in_c1]})]

    unknown = {"project": gid("Project", project), "households": [gid("Household", "HH-NOPE")]}
    missing = api.data(COVER, {"input": unknown}, token=token)["projectCoverageAdd"]
    assert missing["errors"] == [{"field": "households", "code": "NOT_FOUND"}]
    outsider = api.data(COVER, {"input": one}, token=world.token("caseworker_p2"))
    assert outsider["projectCoverageAdd"]["errors"][0]["code"] == "FORBIDDEN"

    removed = api.data(UNCOVER, {"input": one}, token=token)["projectCoverageRemove"]
    assert removed == {"project": WITHHELD, "errors": []}
    assert covered(api, world, project) == 0
    session.rollback()
    assert (
        session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "project.coverage_remove")
        ).one()
        == 1
    )
    anonymous = api.post(COVER, {"input": one})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_completed_projects_cover_no_new_households(api, world):
    _, code = world.household("P1-A-C1-T-V")
    project = world.project("P1-A-C1", status="COMPLETED")
    body = api.data(
        COVER,
        {"input": {"project": gid("Project", project), "households": [gid("Household", code)]}},
        token=world.token("admin"),
    )
    assert body["projectCoverageAdd"]["errors"] == [{"field": "project", "code": "INVALID_STATE"}]


def test_filters_by_region_subtree_type_and_status(api, world):
    world.project("P1-A-C1", name="Tea", project_type="INDUSTRY")
    world.project("P1-A-C2", name="Road", project_type="INFRASTRUCTURE")
    world.project("P2-B", name="School", project_type="EDUCATION", status="COMPLETED")
    world.project("P2-B", name="Plan", status="PLANNED")

    def names(filter):
        body = api.data(PROJECTS, {"first": 10, "filter": filter})
        return [n["name"] for n in body["projects"]["nodes"]]

    assert names(None) == ["School", "Road", "Tea"]  # newest first; PLANNED is not public
    assert names({"region": gid("Region", world.regions["P1"].id)}) == ["Road", "Tea"]
    assert names({"region": gid("Region", world.regions["P1-A-C2-T-V"].id)}) == []
    assert names({"type": ["INDUSTRY", "EDUCATION"]}) == ["School", "Tea"]
    assert names({"status": ["COMPLETED"]}) == ["School"]
    assert names({"region": gid("Region", 999)}) == []
    bad = api.post(PROJECTS, {"first": 10, "filter": {"region": gid("Project", 1)}})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_pages_follow_cursors_and_first_is_capped(api, world):
    for i in range(5):
        world.project("P1-A-C1", name=f"P{i}")
    seen = []
    after = None
    while True:
        body = api.data(PROJECTS, {"first": 2, "after": after})["projects"]
        seen += [n["name"] for n in body["nodes"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == ["P4", "P3", "P2", "P1", "P0"]
    too_many = api.post(PROJECTS, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


def test_the_project_list_costs_the_same_for_5_and_40_projects(api, world, sql_counter):
    household, _ = world.household("P1-A-C1-T-V")

    def cost():
        sql_counter.reset()
        body = api.data(PROJECTS, {"first": 100})
        return sql_counter.count, len(body["projects"]["nodes"])

    for i in range(5):
        world.project(
            ["P1-A-C1", "P1-A-C2", "P2-B"][i % 3],
            name=f"A{i}",
            households=[household] if i % 3 == 0 else None,
        )
    few = cost()
    for i in range(35):
        world.project(
            ["P1-A-C1", "P1-A-C2", "P2-B"][i % 3],
            name=f"B{i}",
            households=[household] if i % 3 == 0 else None,
        )
    many = cost()
    assert few[1] == 5 and many[1] == 40
    assert few[0] == many[0]
