"""regionCreate: admins build the hierarchy; path and level follow from the parent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select
from strawberry import relay

from api.core.roles import Role
from api.regions.models import Region
from tests import factories
from tests.conftest import GraphQLClient

CREATE = """
mutation($input: RegionCreateInput!) {
  regionCreate(input: $input) {
    region { id code name level levelName parent { code } }
    errors { field code message }
  }
}
"""


def gid(type_name, node_id):
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
def people(backend, engine, settings):
    province = factories.region_tree(engine, settings)["P1"]
    return {
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
        "caseworker": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw@example.org", region=province
        ),
        "helper": factories.helper(engine, settings, email="h@example.org"),
    }


def create(api, token, **fields):
    values = {"code": "X1", "name": "Xanadu", "level": 1, **fields}
    return api.post(CREATE, {"input": values}, token=token)


def stored(engine, code):
    with Session(engine) as session:
        return session.exec(select(Region).where(Region.code == code)).first()


def region_count(engine):
    with Session(engine) as session:
        return len(session.exec(select(Region.id)).all())


def test_an_admin_builds_a_hierarchy_with_computed_path_and_level(api, people, engine):
    token = people["admin"].token

    top = create(api, token, code="X1", name=" Xanadu ")["data"]["regionCreate"]
    middle = create(api, token, code="X1-N", name="North", level=2, parent=top["region"]["id"])
    middle = middle["data"]["regionCreate"]

    assert top["errors"] == [] and middle["errors"] == []
    assert top["region"]["code"] == "X1"
    assert top["region"]["name"] == "Xanadu"
    assert (top["region"]["level"], top["region"]["levelName"]) == (1, "Province")
    assert top["region"]["parent"] is None
    assert (middle["region"]["level"], middle["region"]["levelName"]) == (2, "Prefecture")
    assert middle["region"]["parent"] == {"code": "X1"}
    x1, x1n = stored(engine, "X1"), stored(engine, "X1-N")
    assert x1.path == f"/{x1.id}/"
    assert x1n.path == f"/{x1.id}/{x1n.id}/"
    assert x1n.parent_id == x1.id


@pytest.mark.parametrize(
    ("who", "code"),
    [(None, "UNAUTHENTICATED"), ("caseworker", "FORBIDDEN"), ("helper", "FORBIDDEN")],
)
def test_only_admins_create_regions(api, people, engine, who, code):
    before = region_count(engine)

    body = create(api, people[who].token if who else None)

    assert body["data"]["regionCreate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert region_count(engine) == before


def test_a_code_is_used_once(api, people, engine):
    body = create(api, people["admin"].token, code="P1")

    assert body["data"]["regionCreate"] == {
        "region": None,
        "errors": [
            {"field": "code", "code": "DUPLICATE", "message": "This value is already in use."}
        ],
    }


@pytest.mark.parametrize("code", ["", "  ", "-leading-dash", "has space", "x" * 41, "é"])
def test_a_malformed_code_is_invalid(api, people, engine, code):
    before = region_count(engine)

    payload = create(api, people["admin"].token, code=code)["data"]["regionCreate"]

    assert payload["region"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("code", "INVALID")]
    assert region_count(engine) == before


def test_a_region_below_the_deepest_level_is_out_of_range(api, people, engine, settings):
    village = stored(engine, "P1-A-C1-T-V")
    assert village.level == len(settings.instance.admin_levels)

    payload = create(api, people["admin"].token, level=6, parent=gid("Region", village.id))["data"][
        "regionCreate"
    ]

    assert payload["region"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("parent", "OUT_OF_RANGE")]
    assert payload["errors"][0]["message"] == "This value is out of range."
    assert stored(engine, "X1") is None


@pytest.mark.parametrize(
    ("parent", "code"),
    [
        (gid("Region", 99999), "NOT_FOUND"),
        (gid("Helper", 1), "INVALID"),
        (gid("Region", "x"), "INVALID"),
    ],
)
def test_the_parent_must_be_an_existing_region(api, people, engine, parent, code):
    payload = create(api, people["admin"].token, parent=parent)["data"]["regionCreate"]

    assert payload["region"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("parent", code)]
    assert stored(engine, "X1") is None


def test_every_input_error_is_reported_at_once(api, people, engine):
    payload = create(api, people["admin"].token, code="P1", name=" ", parent=gid("Region", 99999))

    errors = payload["data"]["regionCreate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("code", "DUPLICATE"),
        ("name", "REQUIRED"),
        ("parent", "NOT_FOUND"),
    ]


def test_a_long_name_is_too_long(api, people):
    payload = create(api, people["admin"].token, name="n" * 201)["data"]["regionCreate"]

    assert payload["errors"] == [
        {
            "field": "name",
            "code": "TOO_LONG",
            "message": "This text is too long (at most 200 characters).",
        }
    ]


def test_concurrent_creations_with_one_code_make_one_region(api, people, engine):
    variables = {"input": {"code": "RACE", "name": "Race", "level": 1}}
    admin = people["admin"].token

    def create_once(_: int) -> dict:
        client = GraphQLClient(api.base_url)
        try:
            return client.post(CREATE, variables, token=admin)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(create_once, range(8)))

    assert [b.get("errors") for b in bodies] == [None] * 8
    payloads = [b["data"]["regionCreate"] for b in bodies]
    assert sum(p["region"] is not None for p in payloads) == 1
    refused = [[(e["field"], e["code"]) for e in p["errors"]] for p in payloads if not p["region"]]
    assert refused == [[("code", "DUPLICATE")]] * 7
    assert stored(engine, "RACE") is not None
