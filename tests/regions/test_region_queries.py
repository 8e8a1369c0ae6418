"""Reading regions: children of a parent page by page, by code, and by global id."""

from __future__ import annotations

import base64
import json

import pytest
from strawberry import relay

from api.core.db import unit_of_work
from api.regions.service import create_region
from tests import factories

PAGE = """
query($parent: ID, $first: Int!, $after: String) {
  regions(parent: $parent, first: $first, after: $after) {
    edges { cursor node { code } }
    nodes { code level }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
BY_CODE = (
    "query($code: String!) { regionByCode(code: $code) { id code name level parent { code } } }"
)
NODE = """
query($id: ID!) {
  node(id: $id) { id ... on Region { code level levelName parent { code } } }
}
"""


def gid(type_name, node_id):
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
def regions(backend, engine, settings):
    return factories.region_tree(engine, settings)


@pytest.fixture
def many_children(regions, engine, settings):
    """23 counties under P2, created out of code order."""
    codes = [f"P2-K{n:02d}" for n in range(23)]
    with unit_of_work(engine) as session:
        for code in reversed(codes[1::2]):
            create_region(
                session,
                instance=settings.instance,
                code=code,
                name=code,
                parent_id=regions["P2"].id,
            )
        for code in codes[0::2]:
            create_region(
                session,
                instance=settings.instance,
                code=code,
                name=code,
                parent_id=regions["P2"].id,
            )
    return sorted([*codes, "P2-B"])


def error_codes(body):
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def test_top_level_regions_by_default(api, regions):
    page = api.data(PAGE, {"first": 10})["regions"]

    assert [n["code"] for n in page["nodes"]] == ["P1", "P2"]
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is False


def test_children_page_in_code_order_without_gaps_or_repeats(api, regions, many_children):
    parent = gid("Region", regions["P2"].id)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = api.data(PAGE, {"parent": parent, "first": 5, "after": after})["regions"]
        pages += 1
        codes = [n["code"] for n in page["nodes"]]
        assert codes == [e["node"]["code"] for e in page["edges"]]
        assert all(n["level"] == 2 for n in page["nodes"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen.extend(codes)
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert len(codes) == 5
        after = page["pageInfo"]["endCursor"]

    assert seen == many_children
    assert pages == 5  # 24 children, 5 a page


def test_a_region_with_no_children_has_an_empty_page(api, regions):
    village = gid("Region", regions["P1-A-C1-T-V"].id)

    page = api.data(PAGE, {"parent": village, "first": 5})["regions"]

    assert page["nodes"] == [] and page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b"[1]").decode(),
        base64.urlsafe_b64encode(json.dumps(["P1", "x"]).encode()).decode(),
        base64.urlsafe_b64encode(b'{"code": "P1"}').decode(),
    ],
)
def test_a_bad_cursor_is_a_top_level_error(api, regions, cursor):
    body = api.post(PAGE, {"first": 5, "after": cursor})

    assert body["data"] is None
    assert error_codes(body) == ["BAD_CURSOR"]
    assert body["errors"][0]["message"] == "The cursor is not valid for this list."


@pytest.mark.parametrize("raw", ['["P1", 1e400]', '["P1", 100000000000000000000000]'])
def test_a_cursor_with_an_impossible_number_is_a_bad_cursor(api, regions, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()

    body = api.post(PAGE, {"first": 5, "after": cursor})

    assert error_codes(body) == ["BAD_CURSOR"]


@pytest.mark.parametrize("first", [101, -1])
def test_a_page_size_outside_0_to_100_is_refused(api, regions, first):
    body = api.post(PAGE, {"first": first})

    assert body["data"] is None
    assert error_codes(body) == ["BAD_PAGE_SIZE"]


@pytest.mark.parametrize("parent", [gid("Helper", 1), gid("Region", "abc"), "garbage"])
def test_a_parent_that_is_not_a_region_id_is_a_top_level_input_error(api, regions, parent):
    body = api.post(PAGE, {"parent": parent, "first": 5})

    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_an_unknown_parent_has_no_children(api, regions):
    page = api.data(PAGE, {"parent": gid("Region", 99999), "first": 5})["regions"]

    assert page["nodes"] == []


def test_region_by_code(api, regions):
    found = api.data(BY_CODE, {"code": "P1-A-C2"})["regionByCode"]

    assert found == {
        "id": gid("Region", regions["P1-A-C2"].id),
        "code": "P1-A-C2",
        "name": "Region P1-A-C2",
        "level": 3,
        "parent": {"code": "P1-A"},
    }
    assert api.data(BY_CODE, {"code": "NOPE"})["regionByCode"] is None


def test_a_region_by_global_id(api, regions):
    region = regions["P1-A-C1-T"]

    node = api.data(NODE, {"id": gid("Region", region.id)})["node"]

    assert node == {
        "id": gid("Region", region.id),
        "code": "P1-A-C1-T",
        "level": 4,
        "levelName": "Township",
        "parent": {"code": "P1-A-C1"},
    }
    assert api.data(NODE, {"id": gid("Region", 99999)})["node"] is None
