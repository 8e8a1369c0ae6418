"""Case studies linked to pairings: linking on create and update, only pairings the editor
may see and only in the case study's region, the public seeing only pairings on the public
ledger, and the cost of the list."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, func, select

from api.case_studies.models import CaseStudy, CaseStudyPairing
from api.core.db import unit_of_work
from api.demo import generate
from api.pairing.models import Pairing, PairingKind, PairingStatus
from tests.case_studies.test_case_study_api import create_input, make
from tests.projects.conftest import gid

PAIRINGS = "pairings { id status kind village { code } }"
CREATE = (
    "mutation($input: CaseStudyCreateInput!) { caseStudyCreate(input: $input) { caseStudy { "
    f"id {PAIRINGS} }} errors {{ field code }} }} }}"
)
UPDATE = (
    "mutation($input: CaseStudyUpdateInput!) { caseStudyUpdate(input: $input) { caseStudy { "
    f"{PAIRINGS} }} errors {{ field code }} }} }}"
)
SUBMIT = (
    "mutation($input: CaseStudyActionInput!) { caseStudySubmit(input: $input) { errors { code } } }"
)
REVIEW = (
    "mutation($input: CaseStudyReviewInput!) { caseStudyReview(input: $input) { errors { code } } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on CaseStudy { " + PAIRINGS + " } } }"


def pairing(world, village: str, status: PairingStatus = PairingStatus.ACTIVE) -> int:
    """A village pairing of the world's organisation, written directly (the pairing
    section's own tests cover how pairings come about)."""
    region = world.regions[village]
    organisation = world.people["organisation"]
    assert organisation is not None and organisation.helper_id is not None
    with unit_of_work(world.engine) as session:
        row = Pairing(
            kind=PairingKind.ENTERPRISE_VILLAGE,
            status=status,
            helper_id=organisation.helper_id,
            village_id=region.id,
            region_path=region.path,
            period_start=date.today() - timedelta(days=30),
            period_end=date.today() + timedelta(days=700),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def ids(nodes):
    return [n["id"] for n in nodes]


def test_pairings_are_linked_and_the_public_sees_only_public_ones(api, world):
    active = pairing(world, "P1-A-C1-T-V")
    completed = pairing(world, "P1-A-C1-T-V", PairingStatus.COMPLETED)
    proposed = pairing(world, "P1-A-C1-T-V", PairingStatus.PROPOSED)
    admin = world.token("admin")
    created = api.data(
        CREATE,
        {"input": create_input(world, pairings=[gid("Pairing", p) for p in (proposed, active)])},
        token=admin,
    )["caseStudyCreate"]
    assert created["errors"] == []
    case_id = created["caseStudy"]["id"]
    assert ids(created["caseStudy"]["pairings"]) == [
        gid("Pairing", active),
        gid("Pairing", proposed),
    ]
    assert created["caseStudy"]["pairings"][0]["village"] == {"code": "P1-A-C1-T-V"}

    updated = api.data(
        UPDATE,
        {"input": {"id": case_id, "pairings": [gid("Pairing", p) for p in (proposed, completed)]}},
        token=admin,
    )["caseStudyUpdate"]
    assert updated["errors"] == []
    assert ids(updated["caseStudy"]["pairings"]) == [
        gid("Pairing", completed),
        gid("Pairing", proposed),
    ]
    for mutation in (SUBMIT, REVIEW):
        extra = {"approve": True} if mutation is REVIEW else {}
        body = api.data(mutation, {"input": {"id": case_id, **extra}}, token=admin)
        assert next(iter(body.values()))["errors"] == []

    # The proposed pairing is not on the public ledger: the public sees only the completed one.
    public = api.data(NODE, {"id": case_id})["node"]["pairings"]
    assert [(p["id"], p["status"]) for p in public] == [(gid("Pairing", completed), "COMPLETED")]
    assert ids(
        api.data(NODE, {"id": case_id}, token=world.token("helper"))["node"]["pairings"]
    ) == [gid("Pairing", completed)]
    # Those who may see the proposal (its helper side, caseworkers of the area) see both.
    for who in ("organisation", "caseworker_c1"):
        seen = api.data(NODE, {"id": case_id}, token=world.token(who))["node"]["pairings"]
        assert ids(seen) == [gid("Pairing", completed), gid("Pairing", proposed)], who
    assert api.data(NODE, {"id": case_id}, token=world.token("caseworker_p2"))["node"][
        "pairings"
    ] == [
        {
            "id": gid("Pairing", completed),
            "status": "COMPLETED",
            "kind": "ENTERPRISE_VILLAGE",
            "village": {"code": "P1-A-C1-T-V"},
        }
    ]


def test_pairings_must_be_visible_and_in_the_region_reported_with_other_errors(api, world, session):
    elsewhere = pairing(world, "P1-A-C2-T-V")  # public, but outside county C1
    hidden = pairing(world, "P2-B", PairingStatus.PROPOSED)  # not visible to C1's caseworker
    token = world.token("caseworker_c1")
    outside = api.data(
        CREATE,
        {"input": create_input(world, title="", pairings=[gid("Pairing", elsewhere)])},
        token=token,
    )["caseStudyCreate"]
    assert outside["caseStudy"] is None
    assert {(e["field"], e["code"]) for e in outside["errors"]} == {
        ("title", "REQUIRED"),
        ("pairings", "INVALID"),
    }
    invisible = api.data(
        CREATE,
        {"input": create_input(world, causes=["NOT_A_CAUSE"], pairings=[gid("Pairing", hidden)])},
        token=token,
    )["caseStudyCreate"]
    assert {(e["field"], e["code"]) for e in invisible["errors"]} == {
        ("causes", "UNKNOWN_CODE"),
        ("pairings", "NOT_FOUND"),
    }
    too_many = api.data(
        CREATE,
        {"input": create_input(world, pairings=[gid("Pairing", i) for i in range(1, 102)])},
        token=token,
    )["caseStudyCreate"]
    assert too_many["errors"] == [{"field": "pairings", "code": "OUT_OF_RANGE"}]
    assert session.exec(select(func.count()).select_from(CaseStudy)).one() == 0
    assert session.exec(select(func.count()).select_from(CaseStudyPairing)).one() == 0

    # On update too, and a refused update keeps the links it had.
    inside = pairing(world, "P1-A-C1-T-V")
    case_id = gid("CaseStudy", make(world, publish=False, pairing_ids=[inside]))
    refused = api.data(
        UPDATE, {"input": {"id": case_id, "pairings": [gid("Pairing", elsewhere)]}}, token=token
    )["caseStudyUpdate"]
    assert refused == {"caseStudy": None, "errors": [{"field": "pairings", "code": "INVALID"}]}
    kept = api.data(NODE, {"id": case_id}, token=token)["node"]["pairings"]
    assert ids(kept) == [gid("Pairing", inside)]
    cleared = api.data(UPDATE, {"input": {"id": case_id, "pairings": []}}, token=token)
    assert cleared["caseStudyUpdate"] == {"caseStudy": {"pairings": []}, "errors": []}


def test_the_list_with_pairings_costs_the_same_for_5_and_40(api, world, sql_counter):
    public = [pairing(world, v) for v in ("P1-A-C1-T-V", "P1-A-C2-T-V")]
    proposed = pairing(world, "P1-A-C1-T-V", PairingStatus.PROPOSED)
    query = (
        "query { caseStudies(first: 100) { nodes { title { text } "
        "pairings { id status helper { displayName } village { code } } } } }"
    )

    def add(n):
        for i in range(n):
            region = ["P1-A-C1", "P1-A-C2"][i % 2]
            linked = [public[i % 2]] + ([proposed] if i % 2 == 0 else [])
            make(world, region, title=f"T{i}", pairing_ids=linked)

    def cost():
        sql_counter.reset()
        nodes = api.data(query)["caseStudies"]["nodes"]
        assert all(len(n["pairings"]) == 1 for n in nodes)  # never the proposal
        return sql_counter.count, len(nodes)

    add(5)
    few = cost()
    add(35)
    many = cost()
    assert (few[1], many[1]) == (5, 40)
    assert few[0] == many[0], sql_counter.statements


def test_the_demo_links_public_village_pairings_in_the_region(backend, engine, settings):
    generate.generate_demo_data(
        engine, households=120, seed=11, today=date(2026, 3, 1), instance=settings.instance
    )
    with Session(engine) as db:
        rows = db.exec(
            select(CaseStudy.region_path, Pairing.region_path, Pairing.kind, Pairing.status)
            .join(CaseStudyPairing, CaseStudyPairing.case_study_id == CaseStudy.id)  # type: ignore[arg-type]
            .join(Pairing, Pairing.id == CaseStudyPairing.pairing_id)  # type: ignore[arg-type]
        ).all()
    assert rows, "the demo links pairings to case studies"
    for study_path, pairing_path, kind, status in rows:
        assert pairing_path.startswith(study_path)
        assert kind == PairingKind.ENTERPRISE_VILLAGE
        assert status in (PairingStatus.ACTIVE, PairingStatus.COMPLETED)
