"""accountRegister: helpers sign themselves up; the input is checked field by field."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from api.accounts.models import Account
from api.core.security import MIN_PASSWORD_LENGTH
from api.helpers.models import Helper
from api.stats.metrics import INSTANCE_SCOPE, helpers_metric
from api.stats.models import RegionStat

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    account { email displayName role helper { displayName kind verified } }
    errors { field code message }
  }
}
"""


def register(api, **fields):
    values = {"email": "ada@example.org", "password": "correct-horse-battery", "displayName": "Ada"}
    values.update(fields)
    return api.data(REGISTER, {"input": values})["accountRegister"]


def helpers_registered(engine, kind):
    with Session(engine) as session:
        value = session.exec(
            select(RegionStat.value).where(
                RegionStat.scope_id == INSTANCE_SCOPE, RegionStat.metric == helpers_metric(kind)
            )
        ).first()
    return value or 0


def test_an_individual_registers_as_a_helper(api, engine):
    payload = register(api, email="  Ada@Example.ORG ")

    assert payload["errors"] == []
    assert payload["account"] == {
        "email": "ada@example.org",
        "displayName": "Ada",
        "role": "HELPER",
        "helper": {"displayName": "Ada", "kind": "INDIVIDUAL", "verified": False},
    }
    assert helpers_registered(engine, "INDIVIDUAL") == 1


def test_an_enterprise_registers_with_an_organisation_admin_account(api, engine):
    payload = register(
        api, email="csr@acme.example", kind="ENTERPRISE", organisationName="Acme Tea Co."
    )

    assert payload["errors"] == []
    account = payload["account"]
    assert account["role"] == "ORGANISATION_ADMIN"
    assert account["displayName"] == "Ada"
    assert account["helper"] == {
        "displayName": "Acme Tea Co.",
        "kind": "ENTERPRISE",
        "verified": False,
    }
    with Session(engine) as session:
        helpers = session.exec(select(Helper)).all()
    assert [(h.kind, h.display_name) for h in helpers] == [("ENTERPRISE", "Acme Tea Co.")]
    assert helpers_registered(engine, "ENTERPRISE") == 1
    assert helpers_registered(engine, "INDIVIDUAL") == 0


def test_a_duplicate_email_is_refused_whatever_its_case(api, engine):
    register(api, email="ada@example.org")

    payload = register(api, email="ADA@example.org")

    assert payload["account"] is None
    assert payload["errors"] == [
        {"field": "email", "code": "DUPLICATE", "message": "This value is already in use."}
    ]
    with Session(engine) as session:
        assert len(session.exec(select(Account)).all()) == 1
        assert len(session.exec(select(Helper)).all()) == 1
    assert helpers_registered(engine, "INDIVIDUAL") == 1


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "two@@example.org", "sp ace@example.org", ""]
)
def test_a_malformed_email_is_invalid(api, email):
    payload = register(api, email=email)

    assert payload["account"] is None
    assert payload["errors"] == [
        {"field": "email", "code": "INVALID", "message": "This value is not valid."}
    ]


def test_a_short_password_is_weak_and_the_message_names_the_minimum(api, engine):
    payload = register(api, password="x" * (MIN_PASSWORD_LENGTH - 1))

    assert payload["account"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("password", "WEAK_PASSWORD")
    assert str(MIN_PASSWORD_LENGTH) in error["message"]
    assert (
        error["message"] == f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    )
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []
        assert session.exec(select(Helper)).all() == []
    assert helpers_registered(engine, "INDIVIDUAL") == 0


def test_an_absurdly_long_password_is_too_long_not_weak(api):
    payload = register(api, password="x" * 1025)

    assert payload["errors"] == [
        {
            "field": "password",
            "code": "TOO_LONG",
            "message": "This text is too long (at most 1,024 characters).",  # CLDR grouping
        }
    ]


def test_an_empty_display_name_is_required(api):
    payload = register(api, displayName="   ")

    assert payload["errors"] == [
        {"field": "displayName", "code": "REQUIRED", "message": "This value is required."}
    ]


def test_passwords_are_stored_as_argon2_hashes_never_in_plain_text(api, engine):
    register(api, password="correct-horse-battery")

    with Session(engine) as session:
        account = session.exec(select(Account)).one()
    assert account.password_hash.startswith("$argon2id$")
    assert "correct-horse-battery" not in account.password_hash


def test_every_input_error_is_reported_at_once(api, engine):
    register(api, email="ada@example.org")

    payload = register(
        api,
        email="ADA@example.org",
        password="short",
        displayName="",
        kind="ORGANISATION",
        organisationName="x" * 201,
    )

    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("email", "DUPLICATE"),
        ("password", "WEAK_PASSWORD"),
        ("displayName", "REQUIRED"),
        ("organisationName", "TOO_LONG"),
    ]
    with Session(engine) as session:
        assert len(session.exec(select(Helper)).all()) == 1


def test_an_organisation_without_a_name_is_shown_under_the_person_s_name(api):
    payload = register(api, kind="ORGANISATION", organisationName="  ")

    assert payload["errors"] == []
    assert payload["account"]["helper"]["displayName"] == "Ada"
