"""The account's own profile (accountUpdate), logging out everywhere (tokenRevokeAll), and
the account's global ID (Viewer.id, node)."""

from __future__ import annotations

import base64

import pytest
from sqlmodel import Session, select

from api.accounts.models import Account
from api.audit.models import AuditEvent

UPDATE = """
mutation($input: AccountUpdateInput!) {
  accountUpdate(input: $input) {
    account { id displayName locale }
    errors { field code message }
  }
}
"""
ME = "query { me { id email displayName locale } }"
REVOKE_ALL = "mutation { tokenRevokeAll { revoked errors { code } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Viewer { email role } } }"


def viewer_id(account_id: int) -> str:
    return base64.b64encode(f"Viewer:{account_id}".encode()).decode()


def test_me_has_the_accounts_global_id_which_node_resolves_for_its_owner(api, world):
    me = api.data(ME, token=world.helper.token)["me"]

    assert me["id"] == viewer_id(world.helper.account_id)
    assert api.data(NODE, {"id": me["id"]}, token=world.helper.token)["node"] == {
        "id": me["id"],
        "email": world.helper.email,
        "role": "HELPER",
    }


@pytest.mark.parametrize("who", ["anonymous", "rep", "far_caseworker", "admin"])
def test_nobody_else_reads_an_account_through_node(api, world, who):
    actor = world.people()[who]
    body = api.data(
        NODE, {"id": viewer_id(world.helper.account_id)}, token=actor.token if actor else None
    )
    assert body["node"] is None


def test_an_account_changes_its_name_and_locale(api, world, engine):
    payload = api.data(
        UPDATE,
        {"input": {"displayName": "  Ada Lovelace ", "locale": "sw"}},
        token=world.helper.token,
    )["accountUpdate"]

    assert payload == {
        "account": {
            "id": viewer_id(world.helper.account_id),
            "displayName": "Ada Lovelace",
            "locale": "sw",
        },
        "errors": [],
    }
    # From now on, messages come in the preferred locale.
    response = api.http.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {world.helper.token}"},
    )
    assert response.headers["Content-Language"] == "sw"
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "account.update"))
    assert event.detail == {"fields": ["displayName", "locale"]}


def test_omitted_fields_stay_and_a_null_locale_is_cleared(api, world):
    api.data(UPDATE, {"input": {"locale": "fr"}}, token=world.helper.token)

    kept = api.data(UPDATE, {"input": {"displayName": "Ada"}}, token=world.helper.token)
    cleared = api.data(UPDATE, {"input": {"locale": None}}, token=world.helper.token)

    assert kept["accountUpdate"]["account"]["locale"] == "fr"
    assert cleared["accountUpdate"]["account"] == {
        "id": viewer_id(world.helper.account_id),
        "displayName": "Ada",
        "locale": None,
    }


def test_a_locale_outside_the_instance_and_a_bad_name_are_refused_together(api, world, engine):
    payload = api.data(
        UPDATE, {"input": {"displayName": "x" * 121, "locale": "tlh"}}, token=world.helper.token
    )["accountUpdate"]

    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("displayName", "TOO_LONG"),
        ("locale", "INVALID"),
    ]
    with Session(engine) as session:
        account = session.get(Account, world.helper.account_id)
    assert (account.display_name, account.locale) == ("helper", None)


def test_errors_come_in_the_callers_language(api, world):
    payload = api.data(
        UPDATE, {"input": {"displayName": "   "}}, token=world.helper.token, locale="fr"
    )["accountUpdate"]
    assert payload["errors"] == [
        {"field": "displayName", "code": "REQUIRED", "message": "Cette valeur est obligatoire."}
    ]


def test_log_out_everywhere_revokes_every_token_of_the_account_only(api, world):
    second = api.data(
        'mutation { tokenCreate(input: {email: "helper@example.org", '
        'password: "correct-horse-battery"}) { token } }'
    )["tokenCreate"]["token"]

    payload = api.data(REVOKE_ALL, token=second)["tokenRevokeAll"]

    assert payload == {"revoked": 2, "errors": []}
    assert api.data(ME, token=second)["me"] is None
    assert api.data(ME, token=world.helper.token)["me"] is None
    # Other accounts stay logged in.
    assert api.data(ME, token=world.other_helper.token)["me"]["email"] == world.other_helper.email
