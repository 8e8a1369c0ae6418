"""Retiring an area: no new households (registered or moved there), requests or areas;
everything made before keeps it and still shows it; region lists leave it out unless
asked; only platform admins retire and reinstate."""

from __future__ import annotations

import pytest

from api.help_requests.models import HelpRequest
from api.households.models import Household
from api.regions.models import Region
from tests.help_requests import factories as f

REGION = "code name retired retiredAt"
RETIRE = f"""
mutation($id: ID!) {{
  regionRetire(input: {{ id: $id }}) {{ region {{ {REGION} }} errors {{ field code message }} }}
}}"""
REINSTATE = f"""
mutation($id: ID!) {{
  regionReinstate(input: {{ id: $id }}) {{ region {{ {REGION} }} errors {{ field code message }} }}
}}"""
CHILDREN = """
query($parent: ID, $all: Boolean! = false) {
  regions(parent: $parent, includeRetired: $all) { nodes { code retired } }
}"""
BY_CODE = f"query($code: String!) {{ regionByCode(code: $code) {{ {REGION} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Region {{ {REGION} }} }} }}"
REGISTER = """
mutation($input: HouseholdRegisterInput!) {
  householdRegister(input: $input) { household { publicCode } errors { field code message } }
}"""
MOVE = """
mutation($input: HouseholdUpdateInput!) {
  householdUpdate(input: $input) {
    household { exactRegion { code } } errors { field code message }
  }
}"""
REQUEST = """
mutation($input: HelpRequestCreateInput!) {
  helpRequestCreate(input: $input) { helpRequest { id } errors { field code message } }
}"""
CREATE_REGION = """
mutation($input: RegionCreateInput!) {
  regionCreate(input: $input) { region { code } errors { field code message } }
}"""
HOUSEHOLD = """
query($id: ID!) {
  node(id: $id) {
    ... on Household { region { code name retired } exactRegion { code name retired } }
  }
}"""
RETIRED = "This area is retired: it takes no new households or requests."


def gid(world, code: str) -> str:
    return f.gid("Region", world.regions[code].id)


def retire(api, world, code: str) -> dict:
    body = api.data(RETIRE, {"id": gid(world, code)}, token=world.admin.token)["regionRetire"]
    assert body["errors"] == []
    return body


def register(api, world, region_code: str, token: str) -> dict:
    variables = {
        "input": {
            "region": gid(world, region_code),
            "headName": "Zhao Lei",
            "membersCount": 3,
            "causes": ["ILLNESS"],
            "consentToPublish": True,
        }
    }
    return api.data(REGISTER, variables, token=token)["householdRegister"]


def test_an_admin_retires_an_area_and_it_shows_as_retired_everywhere(api, world):
    body = retire(api, world, "P1-A-C1")

    assert body["region"]["retired"] is True and body["region"]["retiredAt"]
    assert api.data(BY_CODE, {"code": "P1-A-C1"})["regionByCode"]["retired"] is True
    # The areas inside it are retired with it, without a mark of their own.
    village = api.data(NODE, {"id": gid(world, "P1-A-C1-T-V")})["node"]
    assert (village["retired"], village["retiredAt"]) == (True, None)
    assert api.data(BY_CODE, {"code": "P1-A-C2"})["regionByCode"]["retired"] is False


def test_lists_leave_retired_areas_out_unless_asked(api, world):
    retire(api, world, "P1-A-C1")
    prefecture = gid(world, "P1-A")

    in_use = api.data(CHILDREN, {"parent": prefecture})["regions"]["nodes"]
    everything = api.data(CHILDREN, {"parent": prefecture, "all": True})["regions"]["nodes"]
    under_retired = api.data(CHILDREN, {"parent": gid(world, "P1-A-C1")})["regions"]["nodes"]
    all_under = api.data(CHILDREN, {"parent": gid(world, "P1-A-C1"), "all": True})["regions"]

    assert in_use == [{"code": "P1-A-C2", "retired": False}]
    assert everything == [
        {"code": "P1-A-C1", "retired": True},
        {"code": "P1-A-C2", "retired": False},
    ]
    assert under_retired == []
    assert all_under["nodes"] == [{"code": "P1-A-C1-T", "retired": True}]
    retire(api, world, "P2")
    tops = api.data(CHILDREN)["regions"]["nodes"]
    assert tops == [{"code": "P1", "retired": False}]


@pytest.mark.parametrize("who", ["caseworker", "admin"])
def test_no_new_household_is_registered_in_a_retired_area(api, world, who):
    retire(api, world, "P1-A-C1")
    before = f.count(world.engine, Household)
    token = getattr(world, who).token

    refused = register(api, world, "P1-A-C1-T-V", token)

    assert refused["household"] is None
    assert refused["errors"] == [{"field": "region", "code": "INVALID_STATE", "message": RETIRED}]
    assert f.count(world.engine, Household) == before


def test_a_household_is_not_moved_into_a_retired_area_but_may_move_out(api, world):
    retire(api, world, "P1-A-C2-T-V")
    household = f.gid("Household", world.household_code)

    into = api.data(
        MOVE,
        {"input": {"id": household, "region": gid(world, "P1-A-C2-T-V")}},
        token=world.admin.token,
    )["householdUpdate"]
    assert [(e["field"], e["code"]) for e in into["errors"]] == [("region", "INVALID_STATE")]

    retire(api, world, "P1-A-C1-T-V")
    out = api.data(
        MOVE,
        {"input": {"id": household, "region": gid(world, "P1-A-C1-T")}},
        token=world.caseworker.token,
    )["householdUpdate"]
    assert out["errors"] == []
    assert out["household"]["exactRegion"]["code"] == "P1-A-C1-T"


def test_records_made_before_keep_their_retired_area(api, world):
    request_id = f.published(world)
    retire(api, world, "P1-A-C1")
    household = f.gid("Household", world.household_code)

    public = api.post(HOUSEHOLD, {"id": household})["data"]["node"]
    staff = api.data(HOUSEHOLD, {"id": household}, token=world.admin.token)["node"]

    assert public["region"] == {"code": "P1-A-C1", "name": "Region P1-A-C1", "retired": True}
    assert public["exactRegion"] is None
    assert staff["exactRegion"]["code"] == "P1-A-C1-T-V"
    assert f.request_row(world.engine, request_id).status == "OPEN"


@pytest.mark.parametrize("who", ["rep", "caseworker", "admin"])
def test_no_new_request_is_made_for_a_household_in_a_retired_area(api, world, who):
    retire(api, world, "P1-A-C1-T-V")
    variables = {
        "input": {
            "household": f.gid("Household", world.household_code),
            "category": "MEDICAL",
            "title": "Medicine",
            "description": "Six months of medicine.",
            "target": {"amountMinor": 45_000, "currency": "USD"},
        }
    }

    refused = api.data(REQUEST, variables, token=getattr(world, who).token)["helpRequestCreate"]

    assert refused["errors"] == [
        {"field": "household", "code": "INVALID_STATE", "message": RETIRED}
    ]
    assert f.count(world.engine, HelpRequest) == 0


def test_no_new_area_is_made_under_a_retired_one(api, world):
    retire(api, world, "P1-A-C1-T")
    variables = {
        "input": {"code": "NEW-V", "name": "New", "level": 5, "parent": gid(world, "P1-A-C1-T")}
    }

    refused = api.data(CREATE_REGION, variables, token=world.admin.token)["regionCreate"]

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("parent", "INVALID_STATE")]
    assert f.count(world.engine, Region, Region.code == "NEW-V") == 0


def test_reinstating_takes_an_area_back_into_use(api, world):
    retire(api, world, "P1-A-C1")
    retire(api, world, "P1-A-C1-T-V")  # retired on its own too

    body = api.data(REINSTATE, {"id": gid(world, "P1-A-C1")}, token=world.admin.token)

    assert body["regionReinstate"]["region"]["retired"] is False
    assert api.data(BY_CODE, {"code": "P1-A-C1-T"})["regionByCode"]["retired"] is False
    assert api.data(BY_CODE, {"code": "P1-A-C1-T-V"})["regionByCode"]["retired"] is True
    assert register(api, world, "P1-A-C1-T", world.caseworker.token)["errors"] == []
    assert register(api, world, "P1-A-C1-T-V", world.caseworker.token)["errors"] != []


def test_retiring_twice_or_reinstating_an_area_in_use_is_invalid_state(api, world):
    retire(api, world, "P1-A-C1")
    again = api.data(RETIRE, {"id": gid(world, "P1-A-C1")}, token=world.admin.token)
    in_use = api.data(REINSTATE, {"id": gid(world, "P1-A-C2")}, token=world.admin.token)
    inside = api.data(REINSTATE, {"id": gid(world, "P1-A-C1-T")}, token=world.admin.token)

    assert [(e["field"], e["code"]) for e in again["regionRetire"]["errors"]] == [
        ("id", "INVALID_STATE")
    ]
    assert [(e["field"], e["code"]) for e in in_use["regionReinstate"]["errors"]] == [
        ("id", "INVALID_STATE")
    ]
    # Not retired on its own: reinstate the area containing it instead.
    assert [(e["field"], e["code"]) for e in inside["regionReinstate"]["errors"]] == [
        ("id", "INVALID_STATE")
    ]


def test_an_unknown_area_is_not_found(api, world):
    body = api.data(RETIRE, {"id": f.gid("Region", 99_999)}, token=world.admin.token)

    assert [(e["field"], e["code"]) for e in body["regionRetire"]["errors"]] == [
        ("id", "NOT_FOUND")
    ]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("rep", "FORBIDDEN"),
        ("caseworker", "FORBIDDEN"),
        ("far_caseworker", "FORBIDDEN"),
    ],
)
def test_only_platform_admins_retire_and_reinstate(api, world, who, code):
    actor = world.people()[who]
    token = actor.token if actor else None
    retire(api, world, "P2")

    retired = api.post(RETIRE, {"id": gid(world, "P1-A-C1")}, token=token)
    reinstated = api.post(REINSTATE, {"id": gid(world, "P2")}, token=token)

    for body in (retired, reinstated):
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert api.data(BY_CODE, {"code": "P1-A-C1"})["regionByCode"]["retired"] is False
    assert api.data(BY_CODE, {"code": "P2"})["regionByCode"]["retired"] is True


def test_retired_flags_of_a_list_cost_one_statement(api, world, sql_counter):
    retire(api, world, "P1")
    query = "query($p: ID) { regions(parent: $p, includeRetired: true) { nodes { retired } } }"

    sql_counter.reset()
    nodes = api.data(query, {"p": gid(world, "P1-A")})["regions"]["nodes"]
    with_flags = sql_counter.count
    sql_counter.reset()
    api.data(
        "query($p: ID) { regions(parent: $p, includeRetired: true) { nodes { code } } }",
        {"p": gid(world, "P1-A")},
    )

    assert nodes == [{"retired": True}, {"retired": True}]
    assert with_flags == sql_counter.count + 1
