"""Pairing mutations over HTTP: the lifecycle, progress summed over reports, typed errors
with nothing half-written, and who may do what."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlmodel import select

from api.audit.models import AuditEvent
from api.pairing.models import Pairing, PairingCommitment, PairingDelivery, PairingReport
from tests.help_requests.factories import audit_actions, count
from tests.pairing import factories as f
from tests.pairing.factories import gid

FIELDS = """
  id kind status periodStart periodEnd acceptedAt endedAt
  helper { displayName kind }
  village { code }
  household { publicCode }
  commitments {
    id kind description targetCount deliveredCount progress
    target { amountMinor currency } delivered { amountMinor currency }
  }
  milestones { id title dueOn doneOn status }
  reports { narrative deliveries { commitment { kind } amount { amountMinor } count } }
"""
PAIRING = "pairing {" + FIELDS + "} errors { field code message }"
PROPOSE = (
    "mutation($input: PairingProposeInput!) { pairingPropose(input: $input) {" + PAIRING + "} }"
)
ACCEPT = "mutation($input: PairingAcceptInput!) { pairingAccept(input: $input) {" + PAIRING + "} }"
END = "mutation($input: PairingEndInput!) { pairingEnd(input: $input) {" + PAIRING + "} }"
COMMITMENT_ADD = """
mutation($input: PairingCommitmentAddInput!) { pairingCommitmentAdd(input: $input) {
  commitment { id kind targetCount progress } errors { field code }
} }"""
MILESTONE_ADD = """
mutation($input: PairingMilestoneAddInput!) { pairingMilestoneAdd(input: $input) {
  milestone { id title dueOn status } errors { field code }
} }"""
MILESTONE_COMPLETE = """
mutation($input: PairingMilestoneCompleteInput!) { pairingMilestoneComplete(input: $input) {
  milestone { id status doneOn } errors { field code }
} }"""
REPORT = """
mutation($input: PairingReportSubmitInput!) { pairingReportSubmit(input: $input) {
  report { id narrative deliveries { commitment { kind } amount { amountMinor } count } }
  errors { field code }
} }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Pairing {" + FIELDS + "} } }"


def dates(days_before: int = 30, days_after: int = 700) -> dict[str, str]:
    today = f.today()
    return {
        "periodStart": (today - timedelta(days=days_before)).isoformat(),
        "periodEnd": (today + timedelta(days=days_after)).isoformat(),
    }


def village_proposal(world, **overrides):
    values = {
        "kind": "ENTERPRISE_VILLAGE",
        "village": gid("Region", world.village),
        **dates(),
        "commitments": [
            {
                "kind": "MONEY",
                "description": "Irrigation",
                "target": {"amountMinor": 1_000_000, "currency": "CNY"},
            },
            {"kind": "JOBS", "targetCount": 20},
        ],
    }
    values.update(overrides)
    return values


def test_an_enterprise_village_pairing_from_proposal_to_completion(api, world, engine):
    # given the enterprise proposes a pairing with a village
    body = api.data(PROPOSE, {"input": village_proposal(world)}, token=world.enterprise.token)
    result = body["pairingPropose"]
    assert result["errors"] == []
    pairing = result["pairing"]
    assert pairing["status"] == "PROPOSED"
    assert pairing["helper"] == {"displayName": "boss", "kind": "ENTERPRISE"}
    assert pairing["village"] == {"code": "P1-A-C1-T-V"}
    assert [c["kind"] for c in pairing["commitments"]] == ["MONEY", "JOBS"]
    pairing_id = pairing["id"]

    # when the caseworker covering the village accepts it
    accepted = api.data(ACCEPT, {"input": {"id": pairing_id}}, token=world.caseworker.token)
    assert accepted["pairingAccept"]["pairing"]["status"] == "ACTIVE"

    # and the enterprise adds a milestone and a commitment, and two reports are submitted
    milestone = api.data(
        MILESTONE_ADD,
        {
            "input": {
                "pairing": pairing_id,
                "title": "Pipes laid",
                "dueOn": (f.today() + timedelta(days=60)).isoformat(),
            }
        },
        token=world.enterprise.token,
    )["pairingMilestoneAdd"]
    assert milestone["errors"] == [] and milestone["milestone"]["status"] == "PLANNED"
    training = api.data(
        COMMITMENT_ADD,
        {"input": {"pairing": pairing_id, "commitment": {"kind": "TRAINING", "targetCount": 50}}},
        token=world.enterprise.token,
    )["pairingCommitmentAdd"]
    assert training["errors"] == [] and training["commitment"]["progress"] == 0
    money_id, jobs_id = [c["id"] for c in pairing["commitments"]]
    first = api.data(
        REPORT,
        {
            "input": {
                "pairing": pairing_id,
                **dates(20, 0),
                "narrative": "Pipes bought, five people hired.",
                "deliveries": [
                    {"commitment": money_id, "amount": {"amountMinor": 250_000, "currency": "CNY"}},
                    {"commitment": jobs_id, "count": 5},
                ],
            }
        },
        token=world.enterprise.token,
    )["pairingReportSubmit"]
    assert first["errors"] == []
    assert first["report"]["deliveries"] == [
        {"commitment": {"kind": "MONEY"}, "amount": {"amountMinor": 250_000}, "count": None},
        {"commitment": {"kind": "JOBS"}, "amount": None, "count": 5},
    ]
    second = api.data(
        REPORT,
        {
            "input": {
                "pairing": pairing_id,
                **dates(10, 0),
                "narrative": "Second half of the pipes; ten people trained.",
                "deliveries": [
                    {"commitment": money_id, "amount": {"amountMinor": 250_000, "currency": "CNY"}},
                    {"commitment": training["commitment"]["id"], "count": 10},
                ],
            }
        },
        token=world.caseworker.token,
    )["pairingReportSubmit"]
    assert second["errors"] == []
    done = api.data(
        MILESTONE_COMPLETE,
        {"input": {"id": milestone["milestone"]["id"]}},
        token=world.enterprise.token,
    )["pairingMilestoneComplete"]
    assert done["errors"] == [] and done["milestone"]["status"] == "DONE"

    # then anyone sees progress summed over the reports
    seen = api.data(NODE, {"id": pairing_id})["node"]
    progress = {c["kind"]: c for c in seen["commitments"]}
    assert progress["MONEY"]["delivered"] == {"amountMinor": 500_000, "currency": "CNY"}
    assert progress["MONEY"]["progress"] == 0.5
    assert progress["JOBS"]["deliveredCount"] == 5 and progress["JOBS"]["progress"] == 0.25
    assert progress["TRAINING"]["deliveredCount"] == 10 and progress["TRAINING"]["progress"] == 0.2
    assert len(seen["reports"]) == 2
    assert seen["milestones"][0]["doneOn"] == f.today().isoformat()

    # and the caseworker completes it; it stays on the public ledger
    ended = api.data(
        END, {"input": {"id": pairing_id, "outcome": "COMPLETED"}}, token=world.caseworker.token
    )["pairingEnd"]
    assert ended["errors"] == [] and ended["pairing"]["status"] == "COMPLETED"
    assert api.data(NODE, {"id": pairing_id})["node"]["status"] == "COMPLETED"
    pk = int(base64.b64decode(pairing_id).decode().split(":")[1])
    assert audit_actions(engine, "Pairing", pk) == [
        "pairing.propose",
        "pairing.status",
        "pairing.milestone_done",
        "pairing.status",
    ]


def test_status_changes_are_audited_with_from_and_to(world, session):
    pairing_id = f.active(world)
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.subject_type == "Pairing", AuditEvent.subject_id == pairing_id
        )
    ).all()
    assert [e.detail.get("to") for e in events] == ["PROPOSED", "ACTIVE"]
    assert events[1].detail["from"] == "PROPOSED"


def test_a_helper_pairs_with_a_public_household(api, world):
    body = api.data(
        PROPOSE,
        {
            "input": {
                "kind": "HELPER_HOUSEHOLD",
                "household": gid("Household", world.household_code),
                **dates(),
                "commitments": [{"kind": "TRAINING", "targetCount": 2}],
            }
        },
        token=world.helper.token,
    )["pairingPropose"]
    assert body["errors"] == []
    assert body["pairing"]["household"] == {"publicCode": world.household_code}
    assert body["pairing"]["village"] is None
    accepted = api.data(
        ACCEPT, {"input": {"id": body["pairing"]["id"]}}, token=world.caseworker.token
    )["pairingAccept"]
    assert accepted["pairing"]["status"] == "ACTIVE"


# --- Typed errors, nothing half-written -------------------------------------------------------


def test_every_proposal_error_at_once_and_nothing_written(api, world, engine):
    proposal = village_proposal(
        world,
        village=gid("Region", world.regions["P1-A-C1"].id),  # a county, not a village
        periodStart=f.today().isoformat(),
        periodEnd=(f.today() - timedelta(days=1)).isoformat(),
        commitments=[
            {"kind": "MONEY"},
            {"kind": "JOBS", "targetCount": 0},
            {"kind": "PURCHASES", "target": {"amountMinor": 100, "currency": "XXQ"}},
        ],
    )
    body = api.data(PROPOSE, {"input": proposal}, token=world.enterprise.token)["pairingPropose"]
    assert body["pairing"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("village", "INVALID"),
        ("periodEnd", "OUT_OF_RANGE"),
        ("commitments.0.target", "REQUIRED"),
        ("commitments.1.targetCount", "OUT_OF_RANGE"),
        ("commitments.2.target.currency", "INVALID"),
    }
    assert all(e["message"] for e in body["errors"])
    assert count(engine, Pairing) == 0 and count(engine, PairingCommitment) == 0


def test_village_pairings_need_an_enterprise_and_no_duplicates(api, world):
    individual = api.data(PROPOSE, {"input": village_proposal(world)}, token=world.helper.token)[
        "pairingPropose"
    ]
    assert [(e["field"], e["code"]) for e in individual["errors"]] == [("helper", "INVALID")]
    first = api.data(PROPOSE, {"input": village_proposal(world)}, token=world.enterprise.token)
    assert first["pairingPropose"]["errors"] == []
    again = api.data(PROPOSE, {"input": village_proposal(world)}, token=world.enterprise.token)
    assert [(e["field"], e["code"]) for e in again["pairingPropose"]["errors"]] == [
        ("village", "DUPLICATE")
    ]
    malformed = api.data(
        PROPOSE,
        {"input": village_proposal(world, village=gid("Helper", 1))},
        token=world.enterprise.token,
    )
    assert [(e["field"], e["code"]) for e in malformed["pairingPropose"]["errors"]] == [
        ("village", "INVALID")
    ]


def test_a_report_with_one_bad_delivery_writes_nothing(api, world, engine):
    pairing_id = f.active(world)
    money_id, jobs_id = f.commitment_ids(engine, pairing_id)
    body = api.data(
        REPORT,
        {
            "input": {
                "pairing": gid("Pairing", pairing_id),
                **dates(5, 0),
                "narrative": "Some progress.",
                "deliveries": [
                    {"commitment": gid("PairingCommitment", jobs_id), "count": 3},
                    {
                        "commitment": gid("PairingCommitment", money_id),
                        "amount": {"amountMinor": 100, "currency": "USD"},
                    },
                ],
            }
        },
        token=world.enterprise.token,
    )["pairingReportSubmit"]
    assert body["report"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("deliveries.1.amount.currency", "CURRENCY_MISMATCH")
    ]
    assert count(engine, PairingReport) == 0 and count(engine, PairingDelivery) == 0


def test_reports_need_an_active_pairing_and_a_past_period(api, world, engine):
    pairing_id = f.proposed(world)
    early = api.data(
        REPORT,
        {"input": {"pairing": gid("Pairing", pairing_id), **dates(5, 0), "narrative": "x"}},
        token=world.enterprise.token,
    )["pairingReportSubmit"]
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("pairing", "INVALID_STATE")]
    f.accepted(world, pairing_id)
    future = api.data(
        REPORT,
        {"input": {"pairing": gid("Pairing", pairing_id), **dates(0, 30), "narrative": " "}},
        token=world.enterprise.token,
    )["pairingReportSubmit"]
    assert {(e["field"], e["code"]) for e in future["errors"]} == {
        ("narrative", "REQUIRED"),
        ("periodEnd", "OUT_OF_RANGE"),
    }


def test_accepting_twice_and_completing_a_proposal_are_invalid_states(api, world):
    pairing_id = gid("Pairing", f.proposed(world))
    completed = api.data(
        END, {"input": {"id": pairing_id, "outcome": "COMPLETED"}}, token=world.admin.token
    )["pairingEnd"]
    assert [(e["field"], e["code"]) for e in completed["errors"]] == [("id", "INVALID_STATE")]
    api.data(ACCEPT, {"input": {"id": pairing_id}}, token=world.admin.token)
    again = api.data(ACCEPT, {"input": {"id": pairing_id}}, token=world.admin.token)
    assert [(e["field"], e["code"]) for e in again["pairingAccept"]["errors"]] == [
        ("id", "INVALID_STATE")
    ]


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "top_level", "typed"),
    [
        ("anonymous", "UNAUTHENTICATED", None),
        ("rep", "FORBIDDEN", None),
        ("enterprise", "FORBIDDEN", None),
        ("helper", "FORBIDDEN", None),
        ("far_caseworker", None, "NOT_FOUND"),  # a proposal outside their area is not visible
        ("caseworker", None, None),
        ("admin", None, None),
    ],
)
def test_who_may_accept(api, world, who, top_level, typed):
    actor = world.people()[who]
    pairing_id = gid("Pairing", f.proposed(world))
    body = api.post(ACCEPT, {"input": {"id": pairing_id}}, token=actor.token if actor else None)
    if top_level:
        assert body["data"]["pairingAccept"] is None
        assert body["errors"][0]["extensions"]["code"] == top_level
    elif typed:
        errors = body["data"]["pairingAccept"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("id", typed)]
    else:
        assert body["data"]["pairingAccept"]["pairing"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("enterprise", None),
        ("caseworker", None),
        ("admin", None),
        ("other_enterprise", "FORBIDDEN"),
        ("helper", "FORBIDDEN"),
        ("far_caseworker", "FORBIDDEN"),
    ],
)
def test_who_may_report_on_an_active_pairing(api, world, who, expected):
    actor = world.other_enterprise if who == "other_enterprise" else world.people()[who]
    pairing_id = gid("Pairing", f.active(world))
    body = api.data(
        REPORT,
        {"input": {"pairing": pairing_id, **dates(5, 0), "narrative": "Progress."}},
        token=actor.token,
    )["pairingReportSubmit"]
    if expected:
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("pairing", expected)]
        assert body["report"] is None
    else:
        assert body["errors"] == [] and body["report"]["narrative"] == "Progress."


def test_the_helper_side_may_withdraw_but_not_complete(api, world):
    pairing_id = gid("Pairing", f.active(world))
    complete = api.data(
        END, {"input": {"id": pairing_id, "outcome": "COMPLETED"}}, token=world.enterprise.token
    )["pairingEnd"]
    assert [(e["field"], e["code"]) for e in complete["errors"]] == [("outcome", "FORBIDDEN")]
    early = api.data(
        END, {"input": {"id": pairing_id, "outcome": "ENDED_EARLY"}}, token=world.enterprise.token
    )["pairingEnd"]
    assert early["errors"] == [] and early["pairing"]["status"] == "ENDED_EARLY"


def test_caseworkers_propose_only_in_their_area_and_name_the_enterprise(api, world):
    proposal = village_proposal(world, helper=gid("Helper", world.enterprise.helper_id))
    far = api.data(PROPOSE, {"input": proposal}, token=world.far_caseworker.token)
    assert [(e["field"], e["code"]) for e in far["pairingPropose"]["errors"]] == [
        ("village", "FORBIDDEN")
    ]
    unnamed = api.data(PROPOSE, {"input": village_proposal(world)}, token=world.caseworker.token)[
        "pairingPropose"
    ]
    assert [(e["field"], e["code"]) for e in unnamed["errors"]] == [("helper", "REQUIRED")]
    near = api.data(PROPOSE, {"input": proposal}, token=world.caseworker.token)["pairingPropose"]
    assert near["errors"] == [] and near["pairing"]["helper"]["displayName"] == "boss"
