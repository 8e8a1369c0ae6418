"""helperProfileUpdate, who can see a helper's preferences, and helperVerify."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from strawberry import relay

from api.core.roles import Role
from api.helpers.models import Helper
from tests import factories

UPDATE = """
mutation($input: HelperProfileUpdateInput!) {
  helperProfileUpdate(input: $input) {
    helper {
      displayName about
      preferences { regions causes categories budget { amountMinor currency } }
    }
    errors { field code message }
  }
}
"""
NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on Helper { displayName kind verified preferences { causes categories regions } }
  }
}
"""
VERIFY = """
mutation($input: HelperVerifyInput!) {
  helperVerify(input: $input) { helper { verified } errors { field code } }
}
"""


def gid(type_name, node_id):
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
def world(backend, engine, settings):
    regions = factories.region_tree(engine, settings)
    return {
        "regions": regions,
        "ada": factories.helper(engine, settings, email="ada@example.org"),
        "acme": factories.helper(engine, settings, email="csr@acme.example", kind="ENTERPRISE"),
        "caseworker": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw@example.org", region=regions["P1"]
        ),
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
    }


def update(api, token, **fields):
    return api.post(UPDATE, {"input": fields}, token=token)


def stored(engine, helper_id):
    with Session(engine) as session:
        helper = session.get(Helper, helper_id)
        assert helper is not None
        return helper


def test_a_helper_stores_their_preferences(api, world, engine):
    p2, c1 = world["regions"]["P2"], world["regions"]["P1-A-C1"]

    body = update(
        api,
        world["ada"].token,
        displayName="Ada L.",
        about="Retired teacher",
        preferredRegions=[gid("Region", p2.id), gid("Region", c1.id)],
        preferredCauses=["SCHOOLING", "ILLNESS", "SCHOOLING"],
        preferredCategories=["EDUCATION"],
        budget={"amountMinor": 50000, "currency": "CNY"},
    )

    payload = body["data"]["helperProfileUpdate"]
    assert payload["errors"] == []
    assert payload["helper"] == {
        "displayName": "Ada L.",
        "about": "Retired teacher",
        "preferences": {
            "regions": sorted([gid("Region", p2.id), gid("Region", c1.id)]),
            "causes": ["ILLNESS", "SCHOOLING"],
            "categories": ["EDUCATION"],
            "budget": {"amountMinor": 50000, "currency": "CNY"},
        },
    }
    helper = stored(engine, world["ada"].helper_id)
    assert sorted(helper.preferred_region_ids) == sorted([p2.id, c1.id])
    assert helper.preferred_causes == ["ILLNESS", "SCHOOLING"]


def test_omitted_fields_stay_as_they_are(api, world, engine):
    update(api, world["ada"].token, about="Retired teacher", preferredCauses=["ILLNESS"])

    payload = update(api, world["ada"].token, displayName="Ada L.")["data"]["helperProfileUpdate"]

    assert payload["errors"] == []
    assert payload["helper"]["about"] == "Retired teacher"
    assert payload["helper"]["preferences"]["causes"] == ["ILLNESS"]


def test_an_organisation_admin_updates_the_organisation_profile(api, world, engine):
    payload = update(api, world["acme"].token, preferredCategories=["LIVELIHOOD"])["data"][
        "helperProfileUpdate"
    ]

    assert payload["errors"] == []
    assert stored(engine, world["acme"].helper_id).preferred_categories == ["LIVELIHOOD"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"preferredCauses": ["ILLNESS", "BAD_LUCK"]}, ("preferredCauses", "UNKNOWN_CODE")),
        ({"preferredCategories": ["YACHTS"]}, ("preferredCategories", "UNKNOWN_CODE")),
        ({"preferredRegions": ["UmVnaW9uOjk5OTk5"]}, ("preferredRegions", "NOT_FOUND")),
        ({"preferredRegions": ["SGVscGVyOjE="]}, ("preferredRegions", "INVALID")),
        ({"displayName": "  "}, ("displayName", "REQUIRED")),
        (
            {"budget": {"amountMinor": -1, "currency": "CNY"}},
            ("budget.amountMinor", "OUT_OF_RANGE"),
        ),
        ({"budget": {"amountMinor": 100, "currency": "XYZ"}}, ("budget.currency", "INVALID")),
        # One money rule everywhere: not money, not this instance's, more than its maximum.
        ({"budget": {"amountMinor": 100, "currency": "XXX"}}, ("budget.currency", "INVALID")),
        (
            {"budget": {"amountMinor": 100, "currency": "EUR"}},
            ("budget.currency", "CURRENCY_MISMATCH"),
        ),
        (
            {"budget": {"amountMinor": 10**15, "currency": "USD"}},
            ("budget.amountMinor", "OUT_OF_RANGE"),
        ),
    ],
)
def test_bad_preferences_are_refused_and_nothing_changes(api, world, engine, fields, error):
    body = update(api, world["ada"].token, about="changed", **fields)

    payload = body["data"]["helperProfileUpdate"]
    assert payload["helper"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [error]
    assert all(e["message"] for e in payload["errors"])
    helper = stored(engine, world["ada"].helper_id)
    assert helper.about is None
    assert helper.preferred_causes == []


@pytest.mark.parametrize(("who", "code"), [(None, "UNAUTHENTICATED"), ("caseworker", "FORBIDDEN")])
def test_only_helpers_have_a_profile_to_update(api, world, who, code):
    token = world[who].token if who else None

    body = update(api, token, about="x")

    assert body["data"]["helperProfileUpdate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


@pytest.mark.parametrize(
    ("who", "visible"),
    [("ada", True), ("admin", True), (None, False), ("acme", False), ("caseworker", False)],
)
def test_preferences_are_visible_to_the_helper_and_admins_only(api, world, who, visible):
    update(api, world["ada"].token, preferredCauses=["ILLNESS"], preferredCategories=["MEDICAL"])
    token = world[who].token if who else None

    node = api.data(NODE, {"id": gid("Helper", world["ada"].helper_id)}, token=token)["node"]

    assert node["displayName"] == "ada"
    assert node["kind"] == "INDIVIDUAL"
    if visible:
        assert node["preferences"] == {
            "causes": ["ILLNESS"],
            "categories": ["MEDICAL"],
            "regions": [],
        }
    else:
        assert node["preferences"] is None


def test_an_admin_verifies_and_rejects_helpers(api, world, engine):
    helper_id = gid("Helper", world["ada"].helper_id)
    admin = world["admin"].token

    approved = api.data(VERIFY, {"input": {"id": helper_id}}, token=admin)["helperVerify"]
    assert approved == {"helper": {"verified": True}, "errors": []}
    assert stored(engine, world["ada"].helper_id).verification_status == "VERIFIED"

    rejected = api.data(VERIFY, {"input": {"id": helper_id, "approve": False}}, token=admin)
    assert rejected["helperVerify"] == {"helper": {"verified": False}, "errors": []}
    helper = stored(engine, world["ada"].helper_id)
    assert helper.verification_status == "REJECTED"
    assert helper.verified_at is not None


def test_verifying_an_unknown_helper_is_not_found(api, world):
    payload = api.data(VERIFY, {"input": {"id": gid("Helper", 99999)}}, token=world["admin"].token)

    assert payload["helperVerify"] == {
        "helper": None,
        "errors": [{"field": "id", "code": "NOT_FOUND"}],
    }


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (None, "UNAUTHENTICATED"),
        ("ada", "FORBIDDEN"),
        ("acme", "FORBIDDEN"),
        ("caseworker", "FORBIDDEN"),
    ],
)
def test_only_admins_verify_helpers(api, world, engine, who, code):
    token = world[who].token if who else None

    body = api.post(VERIFY, {"input": {"id": gid("Helper", world["ada"].helper_id)}}, token=token)

    assert body["data"]["helperVerify"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert stored(engine, world["ada"].helper_id).verification_status == "UNVERIFIED"
