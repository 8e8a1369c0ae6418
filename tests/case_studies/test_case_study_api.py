"""Case studies over the API: review before publication, who may write, visibility of
drafts, typed errors, search, linked households only through their public view, cost."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from api.case_studies import service
from api.case_studies.models import CaseStudy, CaseStudyCause
from api.core.db import unit_of_work
from tests.factories import ADMIN
from tests.projects.conftest import gid

FIELDS = (
    "id title { text } summary { text } lessons { text } status reviewNote region { code } "
    "interventionType "
    "causes { code label } indicators { incomePerMemberBefore { amountMinor currency } "
    "incomePerMemberAfter { amountMinor } householdsLiftedOut jobsCreated } "
    "projects { name } households { publicCode headName }"
)
LIST = (
    "query($filter: CaseStudyFilter, $first: Int!, $after: String) { caseStudies(filter: "
    "$filter, first: $first, after: $after) { nodes { id title { text } } pageInfo { "
    "hasNextPage "
    "endCursor } } }"
)
CREATE = (
    "mutation($input: CaseStudyCreateInput!) { caseStudyCreate(input: $input) { caseStudy { "
    + FIELDS
    + " } errors { field code } } }"
)
UPDATE = (
    "mutation($input: CaseStudyUpdateInput!) { caseStudyUpdate(input: $input) { caseStudy { "
    "title { text } } errors { field code } } }"
)
SUBMIT = (
    "mutation($input: CaseStudyActionInput!) { caseStudySubmit(input: $input) { caseStudy { "
    "status } errors { field code } } }"
)
REVIEW = (
    "mutation($input: CaseStudyReviewInput!) { caseStudyReview(input: $input) { caseStudy { "
    "status reviewNote } errors { field code } } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on CaseStudy { " + FIELDS + " } } }"


def create_input(world, **overrides):
    values = {
        "title": "Apples sold on WeChat",
        "summary": "Growers opened a shared online shop.",
        "lessons": "Train one young person per village.",
        "region": gid("Region", world.regions["P1-A-C1"].id),
        "interventionType": "E_COMMERCE",
        "causes": ["POOR_TRANSPORT", "LACK_OF_SKILLS"],
        "indicators": {
            "currency": "CNY",
            "incomePerMemberBefore": 250000,
            "incomePerMemberAfter": 410000,
            "householdsLiftedOut": 120,
            "jobsCreated": 15,
        },
    }
    return values | overrides


def make(world, region="P1-A-C1", *, publish=True, **overrides):
    details = (
        dict(
            title="Tea cooperative",
            summary="Smallholders pooled land.",
            lessons="Shares keep the poorest in.",
            region_id=world.regions[region].id,
            intervention_type="INDUSTRY",
            causes=["LACK_OF_CAPITAL"],
        )
        | overrides
    )
    with unit_of_work(world.engine) as session:
        row = service.create_case_study(
            session,
            actor=ADMIN,
            instance=world.settings.instance,
            details=service.CaseStudyDetails(**details),
        )
        if publish:
            service.submit_case_study(session, actor=ADMIN, case_study_id=row.id)
            service.review_case_study(
                session, actor=ADMIN, case_study_id=row.id, approve=True, note=None
            )
        return row.id


def listed(api, world, who, filter=None):
    body = api.data(LIST, {"first": 50, "filter": filter}, token=world.token(who))
    return [n["title"]["text"] for n in body["caseStudies"]["nodes"]]


def test_a_case_study_is_published_only_after_an_admins_review(api, world):
    project = world.project("P1-A-C1", name="Online shop")
    _, public_code = world.household("P1-A-C1-T-V", head_name="Public")
    _, private_code = world.household("P1-A-C1-T-V", head_name="Private", consent=False)
    token = world.token("caseworker_c1")
    created = api.data(
        CREATE,
        {
            "input": create_input(
                world,
                projects=[gid("Project", project)],
                households=[gid("Household", public_code), gid("Household", private_code)],
            )
        },
        token=token,
    )["caseStudyCreate"]
    assert created["errors"] == []
    case = created["caseStudy"]
    assert case["status"] == "DRAFT"
    assert case["indicators"] == {
        "incomePerMemberBefore": {"amountMinor": 250000, "currency": "CNY"},
        "incomePerMemberAfter": {"amountMinor": 410000},
        "householdsLiftedOut": 120,
        "jobsCreated": 15,
    }
    assert [c["code"] for c in case["causes"]] == ["LACK_OF_SKILLS", "POOR_TRANSPORT"]
    assert case["projects"] == [{"name": "Online shop"}]
    case_id = case["id"]

    for who in ("anonymous", "helper", "organisation", "caseworker_p2"):
        assert listed(api, world, who) == [], who
    assert listed(api, world, "caseworker_c1") == ["Apples sold on WeChat"]

    # The author cannot publish; only a platform admin's review does.
    self_review = api.post(REVIEW, {"input": {"id": case_id, "approve": True}}, token=token)
    assert self_review["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    early = api.data(
        REVIEW, {"input": {"id": case_id, "approve": True}}, token=world.token("admin")
    )
    assert early["caseStudyReview"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]

    submitted = api.data(SUBMIT, {"input": {"id": case_id}}, token=token)["caseStudySubmit"]
    assert submitted == {"caseStudy": {"status": "IN_REVIEW"}, "errors": []}
    frozen = api.data(UPDATE, {"input": {"id": case_id, "title": "X"}}, token=token)
    assert frozen["caseStudyUpdate"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]
    sent_back = api.data(
        REVIEW,
        {"input": {"id": case_id, "approve": False, "note": "Add the lessons."}},
        token=world.token("admin"),
    )["caseStudyReview"]
    assert sent_back["caseStudy"] == {"status": "DRAFT", "reviewNote": "Add the lessons."}
    api.data(UPDATE, {"input": {"id": case_id, "title": "Apples online"}}, token=token)
    api.data(SUBMIT, {"input": {"id": case_id}}, token=token)
    published = api.data(
        REVIEW, {"input": {"id": case_id, "approve": True}}, token=world.token("admin")
    )["caseStudyReview"]
    assert published["caseStudy"]["status"] == "PUBLISHED"

    assert listed(api, world, "anonymous") == ["Apples online"]
    public = api.post(NODE, {"id": case_id})
    node = public["data"]["node"]
    # Households only through their public view: the non-consenting one is not shown, and
    # personal fields stay closed.
    assert [h["publicCode"] for h in node["households"]] == [public_code]
    assert node["households"][0]["headName"] is None
    assert {e["extensions"]["code"] for e in public["errors"]} == {"UNAUTHENTICATED"}
    mine = api.data(NODE, {"id": case_id}, token=token)["node"]
    assert {h["publicCode"] for h in mine["households"]} == {public_code, private_code}


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("caseworker_p2", "region:FORBIDDEN"),
        ("caseworker_c1", "ok"),
        ("organisation", "ok"),
        ("admin", "ok"),
    ],
)
def test_who_may_write_a_case_study(api, world, session, who, outcome):
    body = api.post(CREATE, {"input": create_input(world)}, token=world.token(who))
    count = session.exec(select(func.count()).select_from(CaseStudy)).one()
    if outcome == "ok":
        assert body["data"]["caseStudyCreate"]["errors"] == []
        assert count == 1
    elif ":" in outcome:
        field, code = outcome.split(":")
        assert body["data"]["caseStudyCreate"]["errors"] == [{"field": field, "code": code}]
        assert count == 0
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert count == 0


def test_organisation_admins_see_and_change_only_their_own_drafts(api, world):
    org = world.token("organisation")
    created = api.data(CREATE, {"input": create_input(world)}, token=org)["caseStudyCreate"]
    case_id = created["caseStudy"]["id"]
    other = make(world, publish=False, title="Someone else's")
    assert listed(api, world, "organisation") == ["Apples sold on WeChat"]
    refused = api.data(
        UPDATE, {"input": {"id": gid("CaseStudy", other), "title": "Mine"}}, token=org
    )
    assert refused["caseStudyUpdate"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    ok = api.data(UPDATE, {"input": {"id": case_id, "title": "Ours"}}, token=org)
    assert ok["caseStudyUpdate"] == {"caseStudy": {"title": {"text": "Ours"}}, "errors": []}


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(api, world, session):
    _, far_code = world.household("P1-A-C2-T-V")
    body = api.data(
        CREATE,
        {
            "input": create_input(
                world,
                title="",
                causes=["NOT_A_CAUSE"],
                indicators={"incomePerMemberBefore": -1, "jobsCreated": -3},
                projects=[gid("Project", 999)],
                households=[gid("Household", far_code)],
            )
        },
        token=world.token("admin"),
    )["caseStudyCreate"]
    assert body["caseStudy"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("title", "REQUIRED"),
        ("causes", "UNKNOWN_CODE"),
        ("indicators.currency", "INVALID"),
        ("indicators.incomePerMemberBefore", "OUT_OF_RANGE"),
        ("indicators.jobsCreated", "OUT_OF_RANGE"),
        ("projects", "NOT_FOUND"),
        ("households", "INVALID"),  # lives outside the case study's region
    }
    assert session.exec(select(func.count()).select_from(CaseStudy)).one() == 0
    assert session.exec(select(func.count()).select_from(CaseStudyCause)).one() == 0


def test_search_by_cause_region_intervention_and_text(api, world):
    make(world, "P1-A-C1", title="Tea on the hills", causes=["LACK_OF_CAPITAL"])
    make(
        world,
        "P1-A-C2",
        title="Road to market",
        intervention_type="INFRASTRUCTURE",
        causes=["POOR_TRANSPORT"],
        lessons="Plan with 100% of the cooperatives.",
    )
    make(
        world,
        "P2-B",
        title="School places",
        intervention_type="EDUCATION",
        causes=["SCHOOLING", "LACK_OF_SKILLS"],
    )
    make(world, "P2-B", title="Draft", publish=False)

    def titles(filter):
        return listed(api, world, "anonymous", filter)

    assert titles(None) == ["School places", "Road to market", "Tea on the hills"]
    assert titles({"cause": "LACK_OF_SKILLS"}) == ["School places"]
    assert titles({"region": gid("Region", world.regions["P1"].id)}) == [
        "Road to market",
        "Tea on the hills",
    ]
    assert titles({"interventionType": ["INDUSTRY", "EDUCATION"]}) == [
        "School places",
        "Tea on the hills",
    ]
    assert titles({"text": "MARKET"}) == ["Road to market"]
    assert titles({"text": "100%"}) == ["Road to market"]  # % is matched literally
    assert titles({"text": "0%"}) == ["Road to market"]
    assert titles({"text": "%"}) == ["Road to market"]
    assert titles({"status": ["DRAFT"]}) == []
    assert "Draft" in listed(api, world, "admin", {"status": ["DRAFT"]})
    long = api.post(LIST, {"first": 5, "filter": {"text": "x" * 201}})
    assert long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_pages_follow_cursors(api, world):
    for i in range(5):
        make(world, title=f"C{i}")
    seen, after = [], None
    while True:
        body = api.data(LIST, {"first": 2, "after": after})["caseStudies"]
        seen += [n["title"]["text"] for n in body["nodes"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == ["C4", "C3", "C2", "C1", "C0"]


def test_the_list_costs_the_same_for_5_and_40_case_studies(api, world, sql_counter):
    project = world.project("P1-A-C1")
    household, _ = world.household("P1-A-C1-T-V")
    query = (
        "query { caseStudies(first: 100) { nodes { title { text } region { code } "
        "causes { code } "
        "projects { name coveredHouseholdsCount } households { publicCode causes { code } "
        "region { code } } } } }"
    )

    def add(n):
        for i in range(n):
            make(
                world,
                ["P1-A-C1", "P1-A-C2"][i % 2],
                title=f"T{i}",
                project_ids=[project] if i % 2 == 0 else [],
                household_ids=[household] if i % 2 == 0 else [],
            )

    def cost():
        sql_counter.reset()
        nodes = api.data(query)["caseStudies"]["nodes"]
        return sql_counter.count, len(nodes)

    add(5)
    few = cost()
    add(35)
    many = cost()
    assert (few[1], many[1]) == (5, 40)
    assert few[0] == many[0]
