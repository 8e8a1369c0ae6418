"""Who sees which disbursement, on every path (the list, `node`), and who confirms; the
list's filters, pages and statement count."""

from __future__ import annotations

import base64

import pytest

from api.disbursements.models import DisbursementSource, DisbursementTargetKind
from api.donation.models import TargetKind
from tests.disbursements import factories as x
from tests.help_requests import factories as f

GENERAL = DisbursementSource.GENERAL_FUND


@pytest.fixture
def paid(world) -> dict[str, int]:
    """Payouts to the C1 household (for a request, and directly), to the C2 household, and
    to a C1 project."""
    request_id = f.published(world)
    project_id = x.project(world)
    x.donated(world, 10_000, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    x.donated(world, 10_000, kind=TargetKind.PROJECT, target_id=project_id)
    x.donated(world, 10_000)
    household = DisbursementTargetKind.HOUSEHOLD
    return {
        "request": x.disburse(world, DisbursementTargetKind.HELP_REQUEST, request_id, 1_000),
        "household": x.disburse(world, household, world.household, 1_000, source=GENERAL),
        "other": x.disburse(world, household, world.other_household, 1_000, source=GENERAL),
        "project": x.disburse(world, DisbursementTargetKind.PROJECT, project_id, 1_000),
    }


VISIBLE = {
    "helper": set(),
    "rep": {"request", "household"},
    "caseworker": {"request", "household", "project"},
    "far_caseworker": set(),
    "admin": {"request", "household", "other", "project"},
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_each_identity_sees_exactly_its_disbursements_in_the_list_and_by_id(api, world, paid, who):
    token = x.token(world.people()[who])
    listed = api.data(x.LIST, {"first": 20}, token=token)["disbursements"]["nodes"]
    expected = {x.gid("Disbursement", paid[name]) for name in VISIBLE[who]}
    assert {node["id"] for node in listed} == expected
    for name, disbursement_id in paid.items():
        node = api.data(x.NODE, {"id": x.gid("Disbursement", disbursement_id)}, token=token)
        assert (node["node"] is not None) == (name in VISIBLE[who]), name


def test_anonymous_callers_get_no_list_and_no_node(api, world, paid):
    body = api.post(x.LIST, {"first": 20})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    node = api.data(x.NODE, {"id": x.gid("Disbursement", paid["household"])})
    assert node["node"] is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("helper", "NOT_FOUND"),
        ("far_caseworker", "NOT_FOUND"),
        ("rep", None),
        ("caseworker", None),
        ("admin", None),
    ],
)
def test_the_household_or_those_speaking_for_it_confirm(api, world, paid, who, expected):
    variables = {"input": {"disbursement": x.gid("Disbursement", paid["household"])}}
    payload = api.data(x.CONFIRM, variables, token=x.token(world.people()[who]))[
        "disbursementConfirmReceipt"
    ]
    if expected is None:
        assert payload["errors"] == [] and payload["disbursement"]["confirmedAt"]
    else:
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("disbursement", expected)]
    anonymous = api.post(x.CONFIRM, variables)
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]


def test_the_list_filters_by_target_source_and_confirmation(api, world, paid):
    def listed(filter_: dict) -> set[int]:
        nodes = api.data(x.LIST, {"first": 20, "filter": filter_}, token=world.admin.token)[
            "disbursements"
        ]["nodes"]
        return {int(_pk(node["id"])) for node in nodes}

    household = {"household": x.gid("Household", world.household_code)}
    assert listed({"target": household}) == {paid["request"], paid["household"]}
    assert listed({"target": {"household": x.gid("Household", "HH-NOBODY")}}) == set()
    assert listed({"source": "GENERAL_FUND"}) == {paid["household"], paid["other"]}
    assert listed({"confirmed": False}) == {paid["request"], paid["household"], paid["other"]}
    api.data(
        x.CONFIRM,
        {"input": {"disbursement": x.gid("Disbursement", paid["other"])}},
        token=world.admin.token,
    )
    assert listed({"confirmed": True}) == {paid["other"]}
    assert listed({"confirmed": False}) == {paid["request"], paid["household"]}


def _pk(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[1]


def test_pages_walk_newest_first_at_a_constant_statement_count(api, world, paid, sql_counter):
    fields = "{ id target { id household { publicCode } } confirmedAt amount { formatted } }"
    page = (
        "query($first: Int!, $after: String) { disbursements(first: $first, after: $after) "
        "{ nodes " + fields + " pageInfo { hasNextPage endCursor } } }"
    )
    first = api.data(page, {"first": 2}, token=world.admin.token)["disbursements"]
    assert [_pk(n["id"]) for n in first["nodes"]] == [str(paid["project"]), str(paid["other"])]
    assert first["pageInfo"]["hasNextPage"]
    rest = api.data(
        page, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=world.admin.token
    )["disbursements"]
    assert [_pk(n["id"]) for n in rest["nodes"]] == [
        str(paid["household"]),
        str(paid["request"]),
    ]

    # Two payouts (a project, a household) or four: the same statements.
    sql_counter.reset()
    api.data(page, {"first": 2}, token=world.admin.token)
    two = sql_counter.count
    sql_counter.reset()
    api.data(page, {"first": 4}, token=world.admin.token)
    assert sql_counter.count == two
