"""Exhibitions over the API: drafts and publication, editors, ordered items resolving to
their targets, typed errors, filters, cost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from api.core.db import unit_of_work
from api.exhibitions import service
from api.exhibitions.models import Exhibition, ExhibitionItem
from tests.case_studies.test_case_study_api import make as make_case_study
from tests.factories import ADMIN
from tests.projects.conftest import gid

ITEMS = (
    "items { position kind caption { text } mediaUrl targetId target { __typename id "
    "... on Project { name } ... on CaseStudy { title { text } } } }"
)
FIELDS = (
    "id title { text } theme { text } status startsOn endsOn isCurrent region { code } " + ITEMS
)
LIST = (
    "query($filter: ExhibitionFilter, $first: Int!, $after: String) { exhibitions(filter: "
    "$filter, first: $first, after: $after) { nodes { title { text } } pageInfo { hasNextPage "
    "endCursor } } }"
)
CREATE = (
    "mutation($input: ExhibitionCreateInput!) { exhibitionCreate(input: $input) { "
    "exhibition { " + FIELDS + " } errors { field code } } }"
)
UPDATE = (
    "mutation($input: ExhibitionUpdateInput!) { exhibitionUpdate(input: $input) { "
    "exhibition { " + FIELDS + " } errors { field code } } }"
)
PUBLISH = (
    "mutation($input: ExhibitionPublicationInput!) { exhibitionPublish(input: $input) { "
    "exhibition { status } errors { field code } } }"
)
UNPUBLISH = (
    "mutation($input: ExhibitionPublicationInput!) { exhibitionUnpublish(input: $input) { "
    "exhibition { status } errors { field code } } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on Exhibition { " + FIELDS + " } } }"
TODAY = date.today()


def create_input(world, **overrides):
    return {
        "title": "Specialities of the mountains",
        "theme": "Tea and mushrooms",
        "startsOn": str(TODAY - timedelta(days=3)),
        "endsOn": str(TODAY + timedelta(days=30)),
        "region": gid("Region", world.regions["P1"].id),
    } | overrides


def make(world, title, *, starts=-3, ends=30, published=True, items=None):
    with unit_of_work(world.engine) as session:
        row = service.create_exhibition(
            session,
            actor=ADMIN,
            instance=world.settings.instance,
            details=service.ExhibitionDetails(
                title=title,
                theme="Theme",
                starts_on=TODAY + timedelta(days=starts),
                ends_on=TODAY + timedelta(days=ends),
                items=items
                if items is not None
                else [service.ItemSpec(kind="MEDIA", media_url="https://e.org/a.jpg")],
            ),
        )
        if published:
            service.publish_exhibition(session, actor=ADMIN, exhibition_id=row.id)
        return row.id


def listed(api, world, who, filter=None):
    body = api.data(LIST, {"first": 50, "filter": filter}, token=world.token(who))
    return [n["title"]["text"] for n in body["exhibitions"]["nodes"]]


def test_an_exhibition_shows_ordered_items_and_is_public_once_published(api, world):
    tea = world.project("P1-A-C1", name="Tea cooperative")
    planned = world.project("P1-A-C1", name="Secret plan", status="PLANNED")
    story = make_case_study(world, title="Apples online")
    draft_story = make_case_study(world, title="Unreviewed", publish=False)
    items = [
        {"kind": "MEDIA", "mediaUrl": "https://media.example.org/tea.jpg", "caption": "Cover"},
        {"kind": "PROJECT", "target": gid("Project", tea), "caption": "The cooperative"},
        {"kind": "CASE_STUDY", "target": gid("CaseStudy", story), "caption": "How"},
        {"kind": "PROJECT", "target": gid("Project", planned)},
        {"kind": "CASE_STUDY", "target": gid("CaseStudy", draft_story)},
    ]
    org = world.token("organisation")
    created = api.data(CREATE, {"input": create_input(world, items=items)}, token=org)
    exhibition = created["exhibitionCreate"]["exhibition"]
    assert created["exhibitionCreate"]["errors"] == []
    assert exhibition["status"] == "DRAFT" and exhibition["isCurrent"] is True
    assert [i["position"] for i in exhibition["items"]] == [0, 1, 2, 3, 4]
    assert exhibition["items"][0]["target"] is None
    assert exhibition["items"][1]["target"] == {
        "__typename": "Project",
        "id": gid("Project", tea),
        "name": "Tea cooperative",
    }
    assert exhibition["items"][2]["target"]["title"]["text"] == "Apples online"

    assert listed(api, world, "anonymous") == []
    assert api.data(NODE, {"id": exhibition["id"]})["node"] is None
    published = api.data(PUBLISH, {"input": {"id": exhibition["id"]}}, token=org)
    assert published["exhibitionPublish"] == {"exhibition": {"status": "PUBLISHED"}, "errors": []}
    assert listed(api, world, "anonymous") == ["Specialities of the mountains"]

    public = api.data(NODE, {"id": exhibition["id"]})["node"]
    # Targets the public may not see stay hidden; their IDs remain for editors' tools.
    assert public["items"][3]["target"] is None
    assert public["items"][3]["targetId"] == gid("Project", planned)
    assert public["items"][4]["target"] is None
    assert public["items"][1]["target"]["name"] == "Tea cooperative"

    again = api.data(PUBLISH, {"input": {"id": exhibition["id"]}}, token=org)
    assert again["exhibitionPublish"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]
    back = api.data(UNPUBLISH, {"input": {"id": exhibition["id"]}}, token=org)
    assert back["exhibitionUnpublish"]["exhibition"] == {"status": "DRAFT"}
    assert listed(api, world, "anonymous") == []


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("caseworker_c1", "FORBIDDEN"),
        ("organisation", "ok"),
        ("admin", "ok"),
    ],
)
def test_who_may_create_an_exhibition(api, world, session, who, outcome):
    body = api.post(CREATE, {"input": create_input(world)}, token=world.token(who))
    count = session.exec(select(func.count()).select_from(Exhibition)).one()
    if outcome == "ok":
        assert body["data"]["exhibitionCreate"]["errors"] == []
        assert count == 1
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert count == 0


def test_organisation_admins_edit_only_their_own(api, world):
    theirs = make(world, "Platform's", published=False)
    org = world.token("organisation")
    body = api.data(
        UPDATE, {"input": {"id": gid("Exhibition", theirs), "title": "Mine"}}, token=org
    )
    assert body["exhibitionUpdate"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    public = make(world, "Published")
    body = api.data(
        UPDATE, {"input": {"id": gid("Exhibition", public), "title": "Mine"}}, token=org
    )
    assert body["exhibitionUpdate"]["errors"] == [{"field": "id", "code": "FORBIDDEN"}]
    admin = api.data(
        UPDATE,
        {"input": {"id": gid("Exhibition", theirs), "items": [], "title": "Renamed"}},
        token=world.token("admin"),
    )["exhibitionUpdate"]
    assert admin["exhibition"]["title"]["text"] == "Renamed"
    assert admin["exhibition"]["items"] == []
    empty = api.data(
        PUBLISH, {"input": {"id": gid("Exhibition", theirs)}}, token=world.token("admin")
    )
    assert empty["exhibitionPublish"]["errors"] == [{"field": "items", "code": "REQUIRED"}]


def test_bad_items_are_refused_by_position_and_nothing_is_written(api, world, session):
    _, household = world.household("P1-A-C1-T-V")
    items = [
        {"kind": "MEDIA"},
        {"kind": "MEDIA", "mediaUrl": "javascript:alert(1)"},
        {"kind": "PROJECT"},
        {"kind": "PROJECT", "target": gid("CaseStudy", 1)},
        {"kind": "PROJECT", "target": gid("Project", 999)},
        {"kind": "PRODUCT", "target": gid("Household", household)},
        {"kind": "MEDIA", "mediaUrl": "https://e.org/x.jpg", "caption": "x" * 501},
    ]
    body = api.data(
        CREATE,
        {
            "input": create_input(
                world, items=items, title=" ", endsOn=str(TODAY - timedelta(days=9))
            )
        },
        token=world.token("admin"),
    )["exhibitionCreate"]
    assert body["exhibition"] is None
    errors = {(e["field"], e["code"]) for e in body["errors"]}
    assert errors == {
        ("title", "REQUIRED"),
        ("endsOn", "OUT_OF_RANGE"),
        ("items.0.mediaUrl", "REQUIRED"),
        ("items.1.mediaUrl", "INVALID"),
        ("items.2.target", "REQUIRED"),
        ("items.3.target", "INVALID"),
        ("items.4.target", "NOT_FOUND"),
        ("items.5.target", "INVALID"),
        ("items.6.caption", "TOO_LONG"),
    }
    assert session.exec(select(func.count()).select_from(Exhibition)).one() == 0
    assert session.exec(select(func.count()).select_from(ExhibitionItem)).one() == 0


def test_a_campaign_or_product_that_does_not_exist_is_not_found(api, world):
    # No Campaign type exists yet: the target cannot resolve, so it cannot be shown.
    body = api.data(
        CREATE,
        {"input": create_input(world, items=[{"kind": "CAMPAIGN", "target": gid("Campaign", 1)}])},
        token=world.token("admin"),
    )["exhibitionCreate"]
    assert body["errors"] == [{"field": "items.0.target", "code": "NOT_FOUND"}]


def test_filters_by_status_and_current_period(api, world):
    make(world, "Now")
    make(world, "Past", starts=-60, ends=-30)
    make(world, "Coming", starts=10, ends=20)
    make(world, "Draft", published=False)
    assert listed(api, world, "anonymous") == ["Coming", "Past", "Now"]
    assert listed(api, world, "anonymous", {"current": True}) == ["Now"]
    assert listed(api, world, "anonymous", {"current": False}) == ["Coming", "Past"]
    assert listed(api, world, "anonymous", {"status": ["DRAFT"]}) == []
    assert listed(api, world, "admin", {"status": ["DRAFT"]}) == ["Draft"]
    assert listed(api, world, "admin", {"status": ["DRAFT"], "current": True}) == ["Draft"]


def test_pages_follow_cursors(api, world):
    for i in range(5):
        make(world, f"E{i}")
    seen, after = [], None
    while True:
        body = api.data(LIST, {"first": 2, "after": after})["exhibitions"]
        seen += [n["title"]["text"] for n in body["nodes"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == ["E4", "E3", "E2", "E1", "E0"]


def test_the_list_costs_the_same_for_5_and_40_exhibitions(api, world, sql_counter):
    project = world.project("P1-A-C1")
    story = make_case_study(world)
    items = [
        service.ItemSpec(kind="MEDIA", media_url="https://e.org/a.jpg"),
        service.ItemSpec(
            kind="PROJECT",
            target_global_id=gid("Project", project),
            target_type="Project",
            target_id=str(project),
        ),
        service.ItemSpec(
            kind="CASE_STUDY",
            target_global_id=gid("CaseStudy", story),
            target_type="CaseStudy",
            target_id=str(story),
        ),
    ]
    query = (
        "query { exhibitions(first: 100) { nodes { title { text } region { code } items { kind "
        "caption { text } target { id ... on Project { name region { code } } "
        "... on CaseStudy { title { text } causes { code } } } } } } }"
    )

    def cost():
        sql_counter.reset()
        nodes = api.data(query)["exhibitions"]["nodes"]
        return sql_counter.count, len(nodes)

    for i in range(5):
        make(world, f"A{i}", items=items)
    few = cost()
    for i in range(35):
        make(world, f"B{i}", items=items)
    many = cost()
    assert (few[1], many[1]) == (5, 40)
    assert few[0] == many[0]
