"""Log in (tokenCreate), log out (tokenRevoke), and what an unusable token means."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from api.accounts.models import AccessToken
from api.core.db import utcnow
from tests import factories

LOGIN = """
mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) {
    token
    account { email role }
    errors { field code message }
  }
}
"""
LOGOUT = "mutation { tokenRevoke { revoked errors { code } } }"
ME = "query { me { email role } }"
# Any mutation that needs a logged-in caller will do.
PROTECTED = 'mutation { helperProfileUpdate(input: {about: "hi"}) { errors { code } } }'


def login(api, email, password=factories.PASSWORD):
    return api.data(LOGIN, {"input": {"email": email, "password": password}})["tokenCreate"]


def test_a_token_from_tokencreate_authenticates_me(api, engine, settings):
    factories.helper(engine, settings, email="ada@example.org")

    payload = login(api, " ADA@example.org")

    assert payload["errors"] == []
    assert payload["account"] == {"email": "ada@example.org", "role": "HELPER"}
    assert payload["token"].startswith("ab_")
    assert api.data(ME, token=payload["token"])["me"] == {
        "email": "ada@example.org",
        "role": "HELPER",
    }


def test_only_a_keyed_hash_of_the_token_is_stored(api, engine, settings):
    factories.helper(engine, settings, email="ada@example.org")
    token = login(api, "ada@example.org")["token"]

    with Session(engine) as session:
        hashes = session.exec(select(AccessToken.token_hash)).all()
    assert token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_wrong_password_and_unknown_email_fail_alike(api, engine, settings):
    factories.helper(engine, settings, email="ada@example.org")

    wrong_password = login(api, "ada@example.org", "not-the-password")
    unknown_email = login(api, "nobody@example.org")

    expected = {
        "token": None,
        "account": None,
        "errors": [
            {
                "field": None,
                "code": "INVALID_CREDENTIALS",
                "message": "The email or password is incorrect.",
            }
        ],
    }
    assert wrong_password == expected
    assert unknown_email == expected


def test_anonymous_me_is_null(api):
    assert api.data(ME)["me"] is None


def test_a_revoked_token_no_longer_authenticates(api, engine, settings):
    factories.helper(engine, settings, email="ada@example.org")
    token = login(api, "ada@example.org")["token"]
    other = login(api, "ada@example.org")["token"]

    assert api.data(LOGOUT, token=token)["tokenRevoke"] == {"revoked": True, "errors": []}

    assert api.data(ME, token=token)["me"] is None
    body = api.post(PROTECTED, token=token)
    assert body["data"]["helperProfileUpdate"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == "Please log in first."
    # Logging out one session leaves the others alone.
    assert api.data(ME, token=other)["me"]["email"] == "ada@example.org"


def test_logging_out_needs_a_token(api):
    body = api.post(LOGOUT)

    assert body["data"]["tokenRevoke"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_an_expired_token_is_anonymous(api, engine, settings, session):
    ada = factories.helper(engine, settings, email="ada@example.org")
    access = session.exec(select(AccessToken).where(AccessToken.account_id == ada.account_id)).one()
    access.expires_at = utcnow() - timedelta(seconds=1)
    session.add(access)
    session.commit()

    assert api.data(ME, token=ada.token)["me"] is None
    body = api.post(PROTECTED, token=ada.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_an_unknown_or_malformed_token_is_anonymous(api):
    assert api.data(ME, token="ab_not-a-real-token")["me"] is None
    assert api.data(ME, headers={"Authorization": "Basic Zm9vOmJhcg=="})["me"] is None
