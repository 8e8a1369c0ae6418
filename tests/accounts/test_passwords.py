"""Changing a password, and resetting a forgotten one through a one-time link sent by the
notifier (the default console notifier here; SMTP in test_notifiers.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from api.accounts.models import Account, PasswordResetToken
from api.audit.models import AuditEvent
from api.core.db import utcnow
from tests import factories
from tests.accounts.conftest import reset_token_in

LOGIN = """
mutation($email: String!, $password: String!) {
  tokenCreate(input: {email: $email, password: $password}) { token errors { field code } }
}
"""
ME = "query { me { email } }"
CHANGE = """
mutation($input: PasswordChangeInput!) {
  passwordChange(input: $input) { changed sessionsRevoked errors { field code message } }
}
"""
REQUEST = """
mutation($email: String!) {
  passwordResetRequest(input: {email: $email}) { accepted errors { field code message } }
}
"""
CONFIRM = """
mutation($token: String!, $password: String!) {
  passwordResetConfirm(input: {token: $token, newPassword: $password}) {
    reset errors { field code message }
  }
}
"""
NEW_PASSWORD = "a-brand-new-passphrase"


def login(api, email, password=factories.PASSWORD):
    return api.data(LOGIN, {"email": email, "password": password})["tokenCreate"]["token"]


def me(api, token):
    return api.data(ME, token=token)["me"]


# --- passwordChange ------------------------------------------------------------------------


def test_a_password_change_keeps_this_session_and_logs_out_the_others(api, world):
    this_session = login(api, world.helper.email)
    other_session = login(api, world.helper.email)

    payload = api.data(
        CHANGE,
        {"input": {"currentPassword": factories.PASSWORD, "newPassword": NEW_PASSWORD}},
        token=this_session,
    )["passwordChange"]

    # The world's own token and the second login were logged out; this one was kept.
    assert payload == {"changed": True, "sessionsRevoked": 2, "errors": []}
    assert me(api, this_session) == {"email": world.helper.email}
    assert me(api, other_session) is None
    assert me(api, world.helper.token) is None
    assert login(api, world.helper.email) is None
    assert login(api, world.helper.email, NEW_PASSWORD) is not None


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(api, world, engine):
    with Session(engine) as session:
        before = session.get(Account, world.helper.account_id).password_hash

    payload = api.data(
        CHANGE,
        {"input": {"currentPassword": "not-my-password", "newPassword": "short"}},
        token=world.helper.token,
    )["passwordChange"]

    assert payload["changed"] is False
    assert payload["sessionsRevoked"] == 0
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("currentPassword", "INVALID_CREDENTIALS"),
        ("newPassword", "WEAK_PASSWORD"),
    ]
    assert payload["errors"][0]["message"] == "The password is incorrect."
    assert "short" not in str(payload) and "not-my-password" not in str(payload)
    with Session(engine) as session:
        assert session.get(Account, world.helper.account_id).password_hash == before
    assert me(api, world.helper.token) is not None


def test_a_password_change_is_audited_without_the_password(api, world, engine):
    api.data(
        CHANGE,
        {"input": {"currentPassword": factories.PASSWORD, "newPassword": NEW_PASSWORD}},
        token=world.rep.token,
    )
    with Session(engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "account.password_change")
        ).all()
    assert (event.subject_type, event.subject_id) == ("Account", world.rep.account_id)
    assert event.actor_account_id == world.rep.account_id
    assert event.detail["fields"] == ["password"]
    assert NEW_PASSWORD not in str(event.detail)


@pytest.mark.parametrize(
    "mutation",
    [
        'passwordChange(input: {currentPassword: "a", newPassword: "b"}) { changed }',
        "tokenRevokeAll { revoked }",
        'accountUpdate(input: {displayName: "X"}) { account { email } }',
        'accountDelete(input: {password: "a"}) { deleted }',
    ],
)
def test_account_settings_need_a_login(api, mutation):
    body = api.post("mutation { " + mutation + " }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- passwordResetRequest / passwordResetConfirm -------------------------------------------


def test_a_forgotten_password_is_reset_through_a_one_time_link(
    api, world, engine, settings, console_messages
):
    # Given a helper logged in on two devices, who then forgets the password
    other_session = login(api, world.helper.email)

    # When they ask for a reset link
    asked = api.data(REQUEST, {"email": " " + world.helper.email.upper()})["passwordResetRequest"]

    # Then the notifier gets a message with a link to the frontend, and the database
    # holds only a keyed hash of the token, valid for an hour
    assert asked == {"accepted": True, "errors": []}
    [message] = console_messages()
    assert world.helper.email in message
    assert f"http://127.0.0.1:{settings.port}/password-reset#token=pr_" in message
    token = reset_token_in(message)
    with Session(engine) as session:
        [stored] = session.exec(select(PasswordResetToken)).all()
    assert stored.token_hash != token and token not in stored.token_hash
    assert timedelta(minutes=59) < stored.expires_at - utcnow() <= timedelta(hours=1)

    # When they choose a new password with it
    confirmed = api.data(CONFIRM, {"token": token, "password": NEW_PASSWORD})
    # Then it is set, every session is logged out, and the link no longer works
    assert confirmed["passwordResetConfirm"] == {"reset": True, "errors": []}
    assert me(api, world.helper.token) is None
    assert me(api, other_session) is None
    assert login(api, world.helper.email) is None
    assert login(api, world.helper.email, NEW_PASSWORD) is not None
    again = api.data(CONFIRM, {"token": token, "password": "yet-another-passphrase"})
    assert again["passwordResetConfirm"]["reset"] is False
    assert again["passwordResetConfirm"]["errors"] == [
        {
            "field": "token",
            "code": "INVALID",
            "message": "This password reset link is not valid or has expired; ask for a new one.",
        }
    ]
    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "Account")
            .order_by(sa.text("id"))
        ).all()
    assert actions == ["account.password_reset_request", "account.password_reset"]


def test_a_reset_request_answers_alike_whether_or_not_the_account_exists(
    api, world, engine, console_messages
):
    known = api.post(REQUEST, {"email": world.helper.email})
    unknown = api.post(REQUEST, {"email": "nobody@example.org"})

    assert known == unknown == {"data": {"passwordResetRequest": {"accepted": True, "errors": []}}}
    messages = console_messages()
    assert len(messages) == 1 and world.helper.email in messages[0]
    assert "nobody@example.org" not in str(messages)
    with Session(engine) as session:
        assert len(session.exec(select(PasswordResetToken)).all()) == 1


def test_a_malformed_email_is_refused_without_echoing_it(api, console_messages):
    body = api.data(REQUEST, {"email": "not an email"})["passwordResetRequest"]
    assert body["accepted"] is False
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("email", "INVALID")]
    assert "not an email" not in str(body)
    assert console_messages() == []


def test_a_reset_link_expires(api, world, engine, console_messages):
    api.data(REQUEST, {"email": world.helper.email})
    token = reset_token_in(console_messages()[0])
    with Session(engine) as session:
        session.execute(
            sa.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()

    body = api.data(CONFIRM, {"token": token, "password": NEW_PASSWORD})["passwordResetConfirm"]

    assert body["reset"] is False
    assert [e["code"] for e in body["errors"]] == ["INVALID"]
    assert login(api, world.helper.email) is not None


def test_a_newer_reset_link_replaces_the_older_one(api, world, console_messages):
    api.data(REQUEST, {"email": world.helper.email})
    api.data(REQUEST, {"email": world.helper.email})
    first, second = (reset_token_in(m) for m in console_messages())

    stale = api.data(CONFIRM, {"token": first, "password": NEW_PASSWORD})
    fresh = api.data(CONFIRM, {"token": second, "password": NEW_PASSWORD})

    assert stale["passwordResetConfirm"]["reset"] is False
    assert fresh["passwordResetConfirm"]["reset"] is True


def test_a_weak_new_password_leaves_the_link_usable(api, world, console_messages):
    api.data(REQUEST, {"email": world.helper.email})
    token = reset_token_in(console_messages()[0])

    weak = api.data(CONFIRM, {"token": token, "password": "short"})["passwordResetConfirm"]
    strong = api.data(CONFIRM, {"token": token, "password": NEW_PASSWORD})["passwordResetConfirm"]

    assert weak["reset"] is False
    assert [(e["field"], e["code"]) for e in weak["errors"]] == [("newPassword", "WEAK_PASSWORD")]
    assert strong == {"reset": True, "errors": []}


def test_a_password_change_voids_outstanding_reset_links(api, world, console_messages):
    api.data(REQUEST, {"email": world.helper.email})
    token = reset_token_in(console_messages()[0])
    api.data(
        CHANGE,
        {"input": {"currentPassword": factories.PASSWORD, "newPassword": NEW_PASSWORD}},
        token=world.helper.token,
    )

    body = api.data(CONFIRM, {"token": token, "password": "yet-another-passphrase"})

    assert body["passwordResetConfirm"]["reset"] is False


def test_the_reset_message_is_in_the_accounts_language(api, world, console_messages):
    api.data(
        'mutation { accountUpdate(input: {locale: "fr"}) { errors { code } } }',
        token=world.helper.token,
    )

    # Asked for in English (the request's language); written in the account's.
    api.data(REQUEST, {"email": world.helper.email}, locale="en")

    [message] = console_messages()
    assert "(fr)" in message
    assert "Réinitialisez votre mot de passe Aidbridge" in message
    assert "pendant une heure" in message


def test_a_deleted_or_deactivated_account_gets_no_reset_link(api, world, engine, console_messages):
    with Session(engine) as session:
        session.execute(
            sa.update(Account)
            .where(Account.id == world.helper.account_id)  # type: ignore[arg-type]
            .values(is_active=False)
        )
        session.commit()

    body = api.data(REQUEST, {"email": world.helper.email})["passwordResetRequest"]

    assert body == {"accepted": True, "errors": []}
    assert console_messages() == []
