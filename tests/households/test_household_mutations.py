"""Household mutations over HTTP: who may call them, what they write (rows, history,
audit events, statistics), and that refused input writes nothing at all."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from strawberry import relay

from api.audit.models import AuditEvent
from api.core.roles import Role
from api.households import service as household_service
from api.households.models import (
    Household,
    HouseholdCause,
    HouseholdStatusChange,
    HouseholdSubsidy,
)
from api.regions.models import Region
from api.stats.metrics import HOUSEHOLDS_LIFTED_OUT, HOUSEHOLDS_REGISTERED, INSTANCE_SCOPE
from api.stats.models import RegionStat
from tests import factories

PUBLIC_CODE = re.compile(r"^HH-[2-9A-Z]{8}$")
HOUSEHOLD_FIELDS = """
  id publicCode membersCount headName nationalId phone latitude longitude
  exactRegion { code } causes { code }
  annualIncomePerMember { amountMinor currency }
  povertyStatus povertyStatusHistory { status effectiveOn note }
  verificationStatus verifiedAt consentToPublish
  subsidies { programme amount { amountMinor currency } receivedOn }
"""
ERRORS = "errors { field code message }"
REGISTER = (
    "mutation($input: HouseholdRegisterInput!) { householdRegister(input: $input) { household {"
    + HOUSEHOLD_FIELDS
    + "} "
    + ERRORS
    + " } }"
)
UPDATE = (
    "mutation($input: HouseholdUpdateInput!) { householdUpdate(input: $input) { household {"
    + HOUSEHOLD_FIELDS
    + "} "
    + ERRORS
    + " } }"
)
VERIFY = (
    "mutation($input: HouseholdVerifyInput!) { householdVerify(input: $input) {"
    " household { verificationStatus verifiedAt } " + ERRORS + " } }"
)
STATUS = (
    "mutation($input: HouseholdStatusChangeInput!) { householdStatusChange(input: $input) {"
    " household { povertyStatus povertyStatusHistory { status effectiveOn note } } "
    + ERRORS
    + " } }"
)
SUBSIDY = (
    "mutation($input: HouseholdSubsidyRecordInput!) { householdSubsidyRecord(input: $input) {"
    " household { publicCode subsidies { programme } }"
    " subsidy { programme amount { amountMinor currency formatted } receivedOn } " + ERRORS + " } }"
)
CONSENT = (
    "mutation($input: HouseholdConsentSetInput!) { householdConsentSet(input: $input) {"
    " household { consentToPublish } " + ERRORS + " } }"
)
PUBLIC_LIST = "query { households(first: 100) { nodes { publicCode } } }"


def gid(type_name, node_id):
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
def world(backend, engine, settings):
    regions = factories.region_tree(engine, settings)
    c1_id, c1_code = factories.household(engine, settings, regions["P1-A-C1-T-V"])
    c2_id, c2_code = factories.household(engine, settings, regions["P1-A-C2-T-V"])
    people = {
        "anonymous": None,
        "helper": factories.helper(engine, settings, email="h@example.org"),
        "organisation": factories.helper(
            engine, settings, email="o@example.org", kind="ORGANISATION"
        ),
        "representative": factories.staff(
            engine,
            settings,
            Role.HOUSEHOLD_REPRESENTATIVE,
            email="rep@example.org",
            household_id=c1_id,
        ),
        "caseworker": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw@example.org", region=regions["P1-A-C1"]
        ),
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
    }
    return {
        "regions": regions,
        "people": people,
        "in_area": (c1_id, c1_code),
        "outside": (c2_id, c2_code),
    }


def token(world, who):
    actor = world["people"][who]
    return actor.token if actor else None


def register_input(world, **fields):
    values = {
        "region": gid("Region", world["regions"]["P1-A-C1-T-V"].id),
        "headName": "Zhang Wei",
        "membersCount": 3,
        "causes": ["DISABILITY", "ILLNESS"],
        "consentToPublish": True,
        "nationalId": "110101199003077777",
        "phone": "+86 139 1111 2222",
        "latitude": 26.58,
        "longitude": 106.71,
        "annualIncomePerMember": {"amountMinor": 180000, "currency": "CNY"},
    }
    values.update(fields)
    return {"input": values}


def snapshot(engine):
    """Everything a household mutation may write, to compare before and after."""
    with Session(engine) as session:
        return {
            "households": session.exec(select(sa.func.count()).select_from(Household)).one(),
            "causes": session.exec(select(sa.func.count()).select_from(HouseholdCause)).one(),
            "history": session.exec(
                select(sa.func.count()).select_from(HouseholdStatusChange)
            ).one(),
            "subsidies": session.exec(select(sa.func.count()).select_from(HouseholdSubsidy)).one(),
            "audit": session.exec(select(sa.func.count()).select_from(AuditEvent)).one(),
            "stats": sorted(
                session.exec(select(RegionStat.scope_id, RegionStat.metric, RegionStat.value)).all()
            ),
            "rows": sorted(
                (h.public_code, h.head_name, h.region_id, h.poverty_status, h.consent_to_publish)
                for h in session.exec(select(Household)).all()
            ),
        }


def stat(engine, metric):
    """Non-zero values of one counter, by region code ("*" for the instance scope)."""
    with Session(engine) as session:
        rows = session.exec(
            select(RegionStat.scope_id, RegionStat.value).where(RegionStat.metric == metric)
        ).all()
        codes = {r.id: r.code for r in session.exec(select(Region)).all()}
    return {("*" if scope == INSTANCE_SCOPE else codes[scope]): v for scope, v in rows if v}


def audit_events(engine, action):
    with Session(engine) as session:
        return session.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def field_errors(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


# --- Registration ---------------------------------------------------------------------------


def test_a_caseworker_registers_a_household_in_their_area(api, world, engine):
    caseworker = world["people"]["caseworker"]
    stats_before = stat(engine, HOUSEHOLDS_REGISTERED)

    payload = api.data(REGISTER, register_input(world), token=caseworker.token)["householdRegister"]

    assert payload["errors"] == []
    household = payload["household"]
    assert PUBLIC_CODE.fullmatch(household["publicCode"])
    assert household["id"] == gid("Household", household["publicCode"])
    assert household["headName"] == "Zhang Wei"
    assert household["membersCount"] == 3
    assert household["exactRegion"] == {"code": "P1-A-C1-T-V"}
    assert [c["code"] for c in household["causes"]] == ["DISABILITY", "ILLNESS"]
    assert household["annualIncomePerMember"] == {"amountMinor": 180000, "currency": "CNY"}
    assert household["povertyStatus"] == "REGISTERED"
    assert [h["status"] for h in household["povertyStatusHistory"]] == ["REGISTERED"]
    assert household["verificationStatus"] == "UNVERIFIED"
    assert household["consentToPublish"] is True

    [event] = audit_events(engine, "household.register")[-1:]
    assert event.actor_account_id == caseworker.account_id
    assert event.actor_role == "CASEWORKER"
    assert event.detail == {
        "fields": sorted(
            [
                "annualIncomePerMember",
                "causes",
                "headName",
                "latitude",
                "longitude",
                "membersCount",
                "nationalId",
                "phone",
                "region",
            ]
        )
    }
    for value in ("Zhang", "1101011990", "139", "180000"):
        assert value not in str(event.detail)  # field names only, never values

    expected = dict(stats_before)
    for code in ("*", "P1", "P1-A", "P1-A-C1", "P1-A-C1-T", "P1-A-C1-T-V"):
        expected[code] = expected.get(code, 0) + 1
    assert stat(engine, HOUSEHOLDS_REGISTERED) == expected


def test_public_codes_are_random_and_distinct(api, world):
    codes = {
        api.data(REGISTER, register_input(world), token=token(world, "admin"))["householdRegister"][
            "household"
        ]["publicCode"]
        for _ in range(5)
    }
    assert len(codes) == 5
    assert all(PUBLIC_CODE.fullmatch(code) for code in codes)


def test_a_caseworker_cannot_register_outside_their_area(api, world, engine):
    before = snapshot(engine)
    outside = gid("Region", world["regions"]["P1-A-C2-T-V"].id)

    payload = api.data(
        REGISTER, register_input(world, region=outside), token=token(world, "caseworker")
    )["householdRegister"]

    assert payload == {
        "household": None,
        "errors": [
            {"field": "region", "code": "FORBIDDEN", "message": "You are not allowed to do this."}
        ],
    }
    assert snapshot(engine) == before


def test_an_unknown_region_is_not_found(api, world, engine):
    before = snapshot(engine)

    payload = api.data(
        REGISTER,
        register_input(world, region=gid("Region", 99999)),
        token=token(world, "admin"),
    )["householdRegister"]

    assert field_errors(payload) == [("region", "NOT_FOUND")]
    assert snapshot(engine) == before


def test_invalid_input_reports_every_error_at_once_and_writes_nothing(api, world, engine):
    before = snapshot(engine)

    payload = api.data(
        REGISTER,
        register_input(
            world,
            membersCount=0,
            causes=["ILLNESS", "BAD_LUCK"],
            headName="   ",
            latitude=95,
            longitude=-181,
            phone="9" * 41,
            annualIncomePerMember={"amountMinor": 100, "currency": "XYZ"},
        ),
        token=token(world, "caseworker"),
    )["householdRegister"]

    assert payload["household"] is None
    assert sorted(field_errors(payload)) == sorted(
        [
            ("membersCount", "OUT_OF_RANGE"),
            ("causes", "UNKNOWN_CODE"),
            ("headName", "REQUIRED"),
            ("latitude", "OUT_OF_RANGE"),
            ("longitude", "OUT_OF_RANGE"),
            ("phone", "TOO_LONG"),
            ("annualIncomePerMember.currency", "INVALID"),
        ]
    )
    messages = {e["field"]: e["message"] for e in payload["errors"]}
    assert messages["headName"] == "This value is required."
    assert messages["phone"] == "This text is too long (at most 40 characters)."
    assert messages["causes"] == "This code is not known to this instance."
    assert snapshot(engine) == before


def test_region_and_field_errors_come_together(api, world, engine):
    outside = gid("Region", world["regions"]["P2-B"].id)

    payload = api.data(
        REGISTER,
        register_input(world, region=outside, membersCount=101, causes=[]),
        token=token(world, "caseworker"),
    )["householdRegister"]

    assert field_errors(payload) == [
        ("region", "FORBIDDEN"),
        ("membersCount", "OUT_OF_RANGE"),
        ("causes", "REQUIRED"),
    ]


# --- Update ---------------------------------------------------------------------------------


def test_an_update_audits_the_names_of_changed_fields_only(api, world, engine):
    _, code = world["in_area"]

    payload = api.data(
        UPDATE,
        {
            "input": {
                "id": gid("Household", code),
                "membersCount": 5,
                "phone": "+86 138 0000 0000",  # unchanged
                "headName": "Wang Fang",  # unchanged
                "address": "5 River Road",
                "causes": ["ILLNESS"],  # unchanged
                "annualIncomePerMember": {"amountMinor": 230000, "currency": "CNY"},  # unchanged
            }
        },
        token=token(world, "caseworker"),
    )["householdUpdate"]

    assert payload["errors"] == []
    assert payload["household"]["membersCount"] == 5
    [event] = audit_events(engine, "household.update")
    assert event.detail == {"fields": ["address", "membersCount"]}
    assert "River" not in str(event.detail)


def test_an_update_replaces_causes_and_clears_optional_text(api, world, engine):
    _, code = world["in_area"]

    payload = api.data(
        UPDATE,
        {"input": {"id": gid("Household", code), "causes": ["DISASTER"], "nationalId": ""}},
        token=token(world, "caseworker"),
    )["householdUpdate"]

    assert payload["errors"] == []
    assert payload["household"]["causes"] == [{"code": "DISASTER"}]
    assert payload["household"]["nationalId"] is None
    [event] = audit_events(engine, "household.update")
    assert event.detail == {"fields": ["causes", "nationalId"]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"causes": []}, [("causes", "REQUIRED")]),
        ({"headName": ""}, [("headName", "REQUIRED")]),
        (
            {"membersCount": 0, "latitude": -91},
            [("latitude", "OUT_OF_RANGE"), ("membersCount", "OUT_OF_RANGE")],
        ),
    ],
)
def test_an_invalid_update_changes_nothing(api, world, engine, fields, errors):
    _, code = world["in_area"]
    before = snapshot(engine)

    payload = api.data(
        UPDATE,
        {"input": {"id": gid("Household", code), **fields}},
        token=token(world, "caseworker"),
    )["householdUpdate"]

    assert payload["household"] is None
    assert sorted(field_errors(payload)) == errors
    assert snapshot(engine) == before


def test_moving_a_household_moves_its_statistics(api, world, engine):
    _, code = world["in_area"]
    registered = stat(engine, HOUSEHOLDS_REGISTERED)
    assert registered["P1-A-C1"] == 1 and registered["P1-A-C2"] == 1
    admin = token(world, "admin")
    api.data(
        STATUS,
        {
            "input": {
                "id": gid("Household", code),
                "status": "LIFTED_OUT",
                "effectiveOn": str(date.today()),
            }
        },
        token=admin,
    )

    payload = api.data(
        UPDATE,
        {
            "input": {
                "id": gid("Household", code),
                "region": gid("Region", world["regions"]["P1-A-C2-T-V"].id),
            }
        },
        token=admin,
    )["householdUpdate"]

    assert payload["errors"] == []
    assert payload["household"]["exactRegion"] == {"code": "P1-A-C2-T-V"}
    moved = stat(engine, HOUSEHOLDS_REGISTERED)
    assert moved == {
        "*": 2,
        "P1": 2,
        "P1-A": 2,
        "P1-A-C2": 2,
        "P1-A-C2-T": 2,
        "P1-A-C2-T-V": 2,
    }
    assert stat(engine, HOUSEHOLDS_LIFTED_OUT) == {
        "*": 1,
        "P1": 1,
        "P1-A": 1,
        "P1-A-C2": 1,
        "P1-A-C2-T": 1,
        "P1-A-C2-T-V": 1,
    }
    [event] = audit_events(engine, "household.update")
    assert event.detail == {"fields": ["region"]}


def test_a_caseworker_cannot_move_a_household_out_of_their_area(api, world, engine):
    _, code = world["in_area"]
    before = snapshot(engine)

    payload = api.data(
        UPDATE,
        {
            "input": {
                "id": gid("Household", code),
                "membersCount": 9,
                "region": gid("Region", world["regions"]["P2-B"].id),
            }
        },
        token=token(world, "caseworker"),
    )["householdUpdate"]

    assert field_errors(payload) == [("region", "FORBIDDEN")]
    assert snapshot(engine) == before


# --- Acting on a household outside the area, or one that does not exist ---------------------

ACTIONS = {
    "update": (UPDATE, "householdUpdate", {"membersCount": 2}),
    "verify": (VERIFY, "householdVerify", {"approve": True}),
    "status": (
        STATUS,
        "householdStatusChange",
        {"status": "IN_POVERTY", "effectiveOn": "2024-01-01"},
    ),
    "subsidy": (
        SUBSIDY,
        "householdSubsidyRecord",
        {
            "programme": "Dibao",
            "amount": {"amountMinor": 100, "currency": "CNY"},
            "receivedOn": "2024-01-01",
        },
    ),
    "consent": (CONSENT, "householdConsentSet", {"consentToPublish": False}),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_caseworker_cannot_touch_a_household_outside_their_area(api, world, engine, action):
    document, name, fields = ACTIONS[action]
    _, code = world["outside"]
    before = snapshot(engine)

    payload = api.data(
        document,
        {"input": {"id": gid("Household", code), **fields}},
        token=token(world, "caseworker"),
    )[name]

    assert payload["household"] is None
    assert field_errors(payload) == [("id", "FORBIDDEN")]
    assert snapshot(engine) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_unknown_household_is_not_found(api, world, engine, action):
    document, name, fields = ACTIONS[action]

    payload = api.data(
        document,
        {"input": {"id": gid("Household", "HH-22222222"), **fields}},
        token=token(world, "admin"),
    )[name]

    assert field_errors(payload) == [("id", "NOT_FOUND")]


# --- Who may call household mutations at all ---------------------------------------------------


def _all_mutations(world):
    _, code = world["in_area"]
    yield REGISTER, "householdRegister", register_input(world)
    for document, name, fields in ACTIONS.values():
        yield document, name, {"input": {"id": gid("Household", code), **fields}}


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("organisation", "FORBIDDEN"),
        ("representative", "FORBIDDEN"),
    ],
)
def test_only_staff_may_call_household_mutations(api, world, engine, who, code):
    before = snapshot(engine)

    for document, name, variables in _all_mutations(world):
        body = api.post(document, variables, token=token(world, who))
        assert body["data"][name] is None, name
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], name
        assert body["errors"][0]["message"] in (
            "Please log in first.",
            "You are not allowed to do this.",
        )

    assert snapshot(engine) == before


# --- Verification ---------------------------------------------------------------------------


def test_a_caseworker_verifies_and_rejects_a_record(api, world, engine):
    _, code = world["in_area"]
    cw = token(world, "caseworker")

    rejected = api.data(
        VERIFY, {"input": {"id": gid("Household", code), "approve": False}}, token=cw
    )
    verified = api.data(VERIFY, {"input": {"id": gid("Household", code)}}, token=cw)

    assert rejected["householdVerify"]["household"]["verificationStatus"] == "REJECTED"
    assert verified["householdVerify"]["household"]["verificationStatus"] == "VERIFIED"
    assert verified["householdVerify"]["household"]["verifiedAt"] is not None
    household_id, _ = world["in_area"]
    caseworker_id = world["people"]["caseworker"].account_id
    for action in ("household.reject", "household.verify"):
        [event] = [e for e in audit_events(engine, action) if e.actor_account_id == caseworker_id]
        assert (event.subject_type, event.subject_id) == ("Household", household_id)


def test_a_rejected_record_leaves_the_public_list(api, world):
    _, code = world["in_area"]
    assert code in {n["publicCode"] for n in api.data(PUBLIC_LIST)["households"]["nodes"]}

    api.data(
        VERIFY,
        {"input": {"id": gid("Household", code), "approve": False}},
        token=token(world, "caseworker"),
    )

    assert code not in {n["publicCode"] for n in api.data(PUBLIC_LIST)["households"]["nodes"]}


# --- Poverty status ---------------------------------------------------------------------------


def change_status(api, world, status, effective_on=None, note=None, who="caseworker"):
    _, code = world["in_area"]
    values = {
        "id": gid("Household", code),
        "status": status,
        "effectiveOn": str(effective_on or date.today()),
    }
    if note is not None:
        values["note"] = note
    return api.data(STATUS, {"input": values}, token=token(world, who))["householdStatusChange"]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["IN_POVERTY", "LIFTED_OUT", "RELAPSED", "LIFTED_OUT"], "IN_POVERTY"),
        (["LIFTED_OUT"], "IN_POVERTY"),
        ([], "RELAPSED"),
        ([], "REGISTERED"),
        (["IN_POVERTY"], "RELAPSED"),
        (["IN_POVERTY"], "IN_POVERTY"),
        (["LIFTED_OUT"], "LIFTED_OUT"),
    ],
)
def test_allowed_and_refused_status_transitions(api, world, engine, path, refused):
    for status in path:
        payload = change_status(api, world, status)
        assert payload["errors"] == [], status
        assert payload["household"]["povertyStatus"] == status
    before = snapshot(engine)

    payload = change_status(api, world, refused)

    assert payload["household"] is None
    assert payload["errors"] == [
        {
            "field": "status",
            "code": "INVALID_STATE",
            "message": "This action is not possible in the current state.",
        }
    ]
    assert snapshot(engine) == before


def test_the_history_records_each_change_with_its_note(api, world, engine):
    change_status(api, world, "IN_POVERTY")
    payload = change_status(api, world, "LIFTED_OUT", note="  Found work in town  ")

    history = payload["household"]["povertyStatusHistory"]
    assert [h["status"] for h in history] == ["REGISTERED", "IN_POVERTY", "LIFTED_OUT"]
    assert history[-1]["note"] == "Found work in town"
    assert [e.detail for e in audit_events(engine, "household.status_change")] == [
        {"status": "IN_POVERTY"},
        {"status": "LIFTED_OUT"},
    ]


def test_a_change_dated_in_the_future_is_out_of_range(api, world, engine):
    before = snapshot(engine)

    payload = change_status(api, world, "IN_POVERTY", date.today() + timedelta(days=2))

    assert field_errors(payload) == [("effectiveOn", "OUT_OF_RANGE")]
    assert snapshot(engine) == before


def test_today_in_the_easternmost_time_zone_is_not_the_future(api, world, monkeypatch):
    """At 22:00 UTC on 1 March it is already 2 March in Beijing (and Kiribati)."""
    evening = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
    monkeypatch.setattr(household_service, "utcnow", lambda: evening)

    too_late = change_status(api, world, "IN_POVERTY", date(2025, 3, 3))
    local_today = change_status(api, world, "IN_POVERTY", date(2025, 3, 2))

    assert field_errors(too_late) == [("effectiveOn", "OUT_OF_RANGE")]
    assert local_today["errors"] == []


def test_a_change_dated_before_the_previous_change_is_out_of_range(api, world, engine):
    change_status(api, world, "IN_POVERTY", date.today() - timedelta(days=10))
    before = snapshot(engine)

    payload = change_status(api, world, "LIFTED_OUT", date.today() - timedelta(days=11))

    assert field_errors(payload) == [("effectiveOn", "OUT_OF_RANGE")]
    assert snapshot(engine) == before
    same_day = change_status(api, world, "LIFTED_OUT", date.today() - timedelta(days=10))
    assert same_day["errors"] == []


def test_a_status_assessed_before_registration_may_be_dated_before_it(api, world):
    assessed = date.today() - timedelta(days=400)

    payload = change_status(api, world, "IN_POVERTY", assessed)

    assert payload["errors"] == []
    assert payload["household"]["povertyStatus"] == "IN_POVERTY"
    history = payload["household"]["povertyStatusHistory"]
    assert {"status": "IN_POVERTY", "effectiveOn": str(assessed), "note": None} in history


def test_a_refused_transition_and_a_bad_date_are_reported_together(api, world):
    payload = change_status(
        api, world, "RELAPSED", date.today() + timedelta(days=30), note="x" * 1001
    )

    assert field_errors(payload) == [
        ("status", "INVALID_STATE"),
        ("effectiveOn", "OUT_OF_RANGE"),
        ("note", "TOO_LONG"),
    ]


def test_the_lifted_out_counter_follows_lifts_and_relapses(api, world, engine):
    chain = ("*", "P1", "P1-A", "P1-A-C1", "P1-A-C1-T", "P1-A-C1-T-V")
    assert stat(engine, HOUSEHOLDS_LIFTED_OUT) == {}

    change_status(api, world, "LIFTED_OUT")
    assert stat(engine, HOUSEHOLDS_LIFTED_OUT) == dict.fromkeys(chain, 1)

    change_status(api, world, "RELAPSED")
    assert stat(engine, HOUSEHOLDS_LIFTED_OUT) == {}

    change_status(api, world, "LIFTED_OUT")
    assert stat(engine, HOUSEHOLDS_LIFTED_OUT) == dict.fromkeys(chain, 1)


# --- Subsidies --------------------------------------------------------------------------------


def test_a_subsidy_is_recorded_and_audited(api, world, engine):
    _, code = world["in_area"]

    payload = api.data(
        SUBSIDY,
        {
            "input": {
                "id": gid("Household", code),
                "programme": " Dibao minimum living allowance ",
                "amount": {"amountMinor": 45050, "currency": "CNY"},
                "receivedOn": "2024-03-01",
            }
        },
        token=token(world, "caseworker"),
    )["householdSubsidyRecord"]

    assert payload["errors"] == []
    assert payload["subsidy"]["programme"] == "Dibao minimum living allowance"
    assert payload["subsidy"]["amount"]["amountMinor"] == 45050
    assert payload["subsidy"]["amount"]["currency"] == "CNY"
    assert "450.50" in payload["subsidy"]["amount"]["formatted"]
    assert payload["subsidy"]["receivedOn"] == "2024-03-01"
    assert payload["household"] == {
        "publicCode": code,
        "subsidies": [{"programme": "Dibao minimum living allowance"}],
    }
    [event] = audit_events(engine, "household.subsidy_record")
    assert event.actor_account_id == world["people"]["caseworker"].account_id


def test_an_invalid_subsidy_reports_every_error_and_writes_nothing(api, world, engine):
    _, code = world["in_area"]
    before = snapshot(engine)

    payload = api.data(
        SUBSIDY,
        {
            "input": {
                "id": gid("Household", code),
                "programme": " ",
                "amount": {"amountMinor": 0, "currency": "XYZ"},
                "receivedOn": str(date.today() + timedelta(days=2)),
            }
        },
        token=token(world, "caseworker"),
    )["householdSubsidyRecord"]

    assert payload["subsidy"] is None and payload["household"] is None
    assert field_errors(payload) == [
        ("programme", "REQUIRED"),
        ("amount.amountMinor", "OUT_OF_RANGE"),
        ("amount.currency", "INVALID"),
        ("receivedOn", "OUT_OF_RANGE"),
    ]
    assert snapshot(engine) == before


# --- Consent ----------------------------------------------------------------------------------


def test_withdrawn_consent_removes_the_household_from_the_public_list(api, world, engine):
    _, code = world["in_area"]
    assert code in {n["publicCode"] for n in api.data(PUBLIC_LIST)["households"]["nodes"]}

    payload = api.data(
        CONSENT,
        {"input": {"id": gid("Household", code), "consentToPublish": False}},
        token=token(world, "caseworker"),
    )["householdConsentSet"]

    assert payload == {"household": {"consentToPublish": False}, "errors": []}
    public = {n["publicCode"] for n in api.data(PUBLIC_LIST)["households"]["nodes"]}
    assert code not in public
    assert world["outside"][1] in public
    # The caseworker still sees it in their area.
    own = api.data(PUBLIC_LIST, token=token(world, "caseworker"))["households"]["nodes"]
    assert code in {n["publicCode"] for n in own}
    [event] = audit_events(engine, "household.consent_change")
    assert event.detail == {"consent_to_publish": False}

    api.data(
        CONSENT,
        {"input": {"id": gid("Household", code), "consentToPublish": True}},
        token=token(world, "caseworker"),
    )
    assert code in {n["publicCode"] for n in api.data(PUBLIC_LIST)["households"]["nodes"]}
