"""Personal household data: who can read it, by which path, and that reads are audited."""

from __future__ import annotations

import base64

import pytest
from sqlmodel import col, select

from api.audit.models import AuditEvent
from api.core.roles import Role
from tests import factories

SENSITIVE_FIELDS = [
    "headName",
    "nationalId",
    "phone",
    "address",
    "latitude",
    "longitude",
    "annualIncomePerMember { amountMinor currency }",
    "exactRegion { code }",
    "povertyStatus",
    "povertyStatusHistory { status }",
    "subsidies { programme }",
    "verificationStatus",
    "verifiedAt",
    "consentToPublish",
    "registeredAt",
]
ALL_FIELDS = "id publicCode membersCount region { code } causes { code label } " + " ".join(
    SENSITIVE_FIELDS
)
LIST = "query { households(first: 50) { nodes { " + ALL_FIELDS + " } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Household { " + ALL_FIELDS + " } } }"


def gid(code: str) -> str:
    return base64.b64encode(f"Household:{code}".encode()).decode()


@pytest.fixture
def world(backend, engine, settings):
    regions = factories.region_tree(engine, settings)
    _, in_c1 = factories.household(engine, settings, regions["P1-A-C1-T-V"])
    _, in_c2 = factories.household(engine, settings, regions["P1-A-C2-T-V"], head_name="Li Na")
    _, private = factories.household(engine, settings, regions["P1-A-C1-T-V"], consent=False)
    people = {
        "anonymous": None,
        "helper": factories.helper(engine, settings, email="h@example.org"),
        "caseworker_c1": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw1@example.org", region=regions["P1-A-C1"]
        ),
        "caseworker_p2": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw2@example.org", region=regions["P2"]
        ),
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
    }
    return {"regions": regions, "codes": (in_c1, in_c2, private), "people": people}


def token_of(world, who):
    actor = world["people"][who]
    return actor.token if actor else None


PUBLIC_FIELDS = ("id", "publicCode", "membersCount", "region", "causes")


def sensitive_values(node):
    return {k: node[k] for k in node if k not in PUBLIC_FIELDS}


@pytest.mark.parametrize("who", ["anonymous", "helper", "caseworker_p2"])
def test_outsiders_see_only_the_public_view_in_lists(api, world, who):
    body = api.post(LIST, token=token_of(world, who))
    nodes = body["data"]["households"]["nodes"]
    in_c1, in_c2, _private = world["codes"]
    assert {n["publicCode"] for n in nodes} == {in_c1, in_c2}  # no consent, no listing
    for node in nodes:
        assert all(v is None for v in sensitive_values(node).values()), node
        assert node["region"]["code"] in ("P1-A-C1", "P1-A-C2")  # county, not village
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"UNAUTHENTICATED" if who == "anonymous" else "FORBIDDEN"}


@pytest.mark.parametrize("who", ["anonymous", "helper", "caseworker_p2"])
def test_outsiders_cannot_read_personal_fields_through_node(api, world, who):
    in_c1, _, private = world["codes"]
    body = api.post(NODE, {"id": gid(in_c1)}, token=token_of(world, who))
    assert body["data"]["node"]["publicCode"] == in_c1
    assert all(v is None for v in sensitive_values(body["data"]["node"]).values())
    hidden = api.post(NODE, {"id": gid(private)}, token=token_of(world, who))
    assert hidden["data"]["node"] is None


def test_caseworker_reads_personal_fields_only_in_their_area(api, world, backend):
    in_c1, in_c2, private = world["codes"]
    token = token_of(world, "caseworker_c1")
    body = api.post(LIST, token=token)
    by_code = {n["publicCode"]: n for n in body["data"]["households"]["nodes"]}
    assert set(by_code) == {in_c1, in_c2, private}  # own area includes non-consenting
    assert by_code[in_c1]["headName"] == "Wang Fang"
    assert by_code[in_c1]["nationalId"] == "520102198001011234"
    assert by_code[in_c1]["exactRegion"]["code"] == "P1-A-C1-T-V"
    assert by_code[private]["headName"] == "Wang Fang"
    assert by_code[in_c2]["headName"] is None  # public household outside the area
    errors = body["errors"]
    assert errors and {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}
    assert {e["path"][3] for e in errors} == {1} or all(
        e["path"][:3] == ["households", "nodes", list(by_code).index(in_c2)] for e in errors
    )


def test_admin_reads_everything_and_every_read_is_audited(api, world, backend, session):
    body = api.data(LIST, token=token_of(world, "admin"))
    nodes = body["households"]["nodes"]
    assert len(nodes) == 3 and all(n["headName"] for n in nodes)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "household.read_sensitive")
    ).all()
    assert len(events) == 3
    admin_id = world["people"]["admin"].account_id
    assert {e.actor_account_id for e in events} == {admin_id}
    assert "nationalId" in events[0].detail["fields"]
    assert "Wang" not in str(events[0].detail)  # names of fields only, never values


def test_denied_reads_are_audited_as_refused_and_public_reads_not_at_all(api, world, session):
    reads = select(AuditEvent.action, AuditEvent.outcome).where(
        col(AuditEvent.action).startswith("household.read_sensitive")
    )
    api.post(LIST, token=token_of(world, "helper"))
    refused = session.exec(reads).all()
    api.post("query { households { nodes { publicCode membersCount } } }")
    assert refused and {(a, str(o)) for a, o in refused} == {
        ("household.read_sensitive_refused", "REFUSED")
    }
    assert session.exec(reads).all() == refused  # the public view is not a sensitive read


def test_household_list_costs_a_constant_number_of_statements(
    api, world, engine, settings, sql_counter
):
    query = (
        "query { households(first: 50) { nodes { publicCode membersCount"
        " region { code name } causes { code label } } } }"
    )
    sql_counter.reset()
    api.data(query)
    few = sql_counter.count
    for i in range(6):
        factories.household(engine, settings, world["regions"]["P1-A-C2-T-V"], head_name=f"N{i}")
    sql_counter.reset()
    body = api.data(query)
    assert len(body["households"]["nodes"]) == 8
    assert sql_counter.count == few
