"""staffAccountCreate: who may create which account, and for which region or household."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from strawberry import relay

from api.accounts.models import Account
from api.core.roles import Role
from tests import factories

CREATE = """
mutation($input: StaffAccountCreateInput!) {
  staffAccountCreate(input: $input) {
    account { email role region { code } household { publicCode } helper { kind } }
    errors { field code message }
  }
}
"""
LOGIN = (
    "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) { token } }"
)


def gid(type_name, node_id):
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
def world(backend, engine, settings):
    regions = factories.region_tree(engine, settings)
    _, in_c1 = factories.household(engine, settings, regions["P1-A-C1-T-V"])
    _, in_c2 = factories.household(engine, settings, regions["P1-A-C2-T-V"])
    people = {
        "helper": factories.helper(engine, settings, email="h@example.org"),
        "caseworker": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw@example.org", region=regions["P1-A-C1"]
        ),
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
    }
    return {"regions": regions, "in_c1": in_c1, "in_c2": in_c2, "people": people}


def create(api, token, **fields):
    values = {
        "email": "new@example.org",
        "password": factories.PASSWORD,
        "displayName": "New",
        "role": "HOUSEHOLD_REPRESENTATIVE",
    }
    values.update(fields)
    return api.post(CREATE, {"input": values}, token=token)


def account_count(engine):
    with Session(engine) as session:
        return len(session.exec(select(Account.id)).all())


def test_anonymous_callers_must_log_in(api, world, engine):
    before = account_count(engine)

    body = create(api, None, household=gid("Household", world["in_c1"]))

    assert body["data"]["staffAccountCreate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert account_count(engine) == before


def test_helpers_are_forbidden(api, world, engine):
    before = account_count(engine)

    body = create(api, world["people"]["helper"].token, household=gid("Household", world["in_c1"]))

    assert body["data"]["staffAccountCreate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["message"] == "You are not allowed to do this."
    assert account_count(engine) == before


def test_a_caseworker_creates_a_representative_for_a_household_in_their_area(api, world):
    body = create(
        api, world["people"]["caseworker"].token, household=gid("Household", world["in_c1"])
    )

    payload = body["data"]["staffAccountCreate"]
    assert payload["errors"] == []
    assert payload["account"] == {
        "email": "new@example.org",
        "role": "HOUSEHOLD_REPRESENTATIVE",
        "region": None,
        "household": {"publicCode": world["in_c1"]},
        "helper": None,
    }
    # The new representative can log in and sees their own household.
    token = api.data(LOGIN, {"e": "new@example.org", "p": factories.PASSWORD})["tokenCreate"][
        "token"
    ]
    me = api.data("query { me { role household { publicCode } } }", token=token)["me"]
    assert me == {"role": "HOUSEHOLD_REPRESENTATIVE", "household": {"publicCode": world["in_c1"]}}


def test_a_caseworker_cannot_create_a_representative_outside_their_area(api, world, engine):
    before = account_count(engine)

    body = create(
        api, world["people"]["caseworker"].token, household=gid("Household", world["in_c2"])
    )

    assert body["data"]["staffAccountCreate"] == {
        "account": None,
        "errors": [
            {
                "field": "household",
                "code": "FORBIDDEN",
                "message": "You are not allowed to do this.",
            }
        ],
    }
    assert account_count(engine) == before


@pytest.mark.parametrize("role", ["CASEWORKER", "PLATFORM_ADMIN", "HELPER", "ORGANISATION_ADMIN"])
def test_a_caseworker_cannot_create_other_roles(api, world, engine, role):
    before = account_count(engine)

    body = create(
        api,
        world["people"]["caseworker"].token,
        role=role,
        region=gid("Region", world["regions"]["P1-A-C1-T"].id),
    )

    payload = body["data"]["staffAccountCreate"]
    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("role", "FORBIDDEN")]
    assert account_count(engine) == before


def test_a_representative_needs_a_household(api, world):
    payload = create(api, world["people"]["admin"].token)["data"]["staffAccountCreate"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("household", "REQUIRED")]


def test_a_representative_of_an_unknown_household_is_not_found(api, world):
    payload = create(
        api, world["people"]["caseworker"].token, household=gid("Household", "HH-22222222")
    )["data"]["staffAccountCreate"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("household", "NOT_FOUND")]


def test_an_admin_creates_a_caseworker_for_a_region(api, world):
    body = create(
        api,
        world["people"]["admin"].token,
        role="CASEWORKER",
        region=gid("Region", world["regions"]["P2"].id),
    )

    payload = body["data"]["staffAccountCreate"]
    assert payload["errors"] == []
    assert payload["account"]["role"] == "CASEWORKER"
    assert payload["account"]["region"] == {"code": "P2"}


def test_an_admin_creates_a_representative_anywhere(api, world):
    payload = create(
        api, world["people"]["admin"].token, household=gid("Household", world["in_c2"])
    )["data"]["staffAccountCreate"]

    assert payload["errors"] == []
    assert payload["account"]["household"] == {"publicCode": world["in_c2"]}


def test_a_caseworker_without_a_region_is_refused(api, world, engine):
    before = account_count(engine)

    payload = create(api, world["people"]["admin"].token, role="CASEWORKER")["data"][
        "staffAccountCreate"
    ]

    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("region", "REQUIRED")]
    assert account_count(engine) == before


@pytest.mark.parametrize(
    ("region", "code"),
    [
        (gid("Region", 999999), "NOT_FOUND"),
        (gid("Region", "abc"), "INVALID"),
        (gid("Household", 1), "INVALID"),
    ],
)
def test_a_caseworker_region_must_exist_and_be_a_region_id(api, world, engine, region, code):
    before = account_count(engine)

    body = create(api, world["people"]["admin"].token, role="CASEWORKER", region=region)

    payload = body["data"]["staffAccountCreate"]
    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("region", code)]
    assert account_count(engine) == before


def test_a_region_that_is_no_global_id_at_all_is_a_top_level_input_error(api, world, engine):
    before = account_count(engine)

    body = create(api, world["people"]["admin"].token, role="CASEWORKER", region="not base64")

    assert body["data"]["staffAccountCreate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert account_count(engine) == before


def test_the_email_must_be_unused(api, world):
    payload = create(
        api,
        world["people"]["admin"].token,
        email="CW@example.org",
        role="CASEWORKER",
        region=gid("Region", world["regions"]["P2"].id),
    )["data"]["staffAccountCreate"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "DUPLICATE")]
