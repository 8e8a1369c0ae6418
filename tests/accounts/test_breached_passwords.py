"""New passwords are refused when they are in the shipped list of leaked and common
passwords, or made of the account's email; each rule has its own localized message."""

from __future__ import annotations

import gzip

import pytest

from api.accounts.passwords import COMMON_PASSWORDS_FILE, check_password, common_passwords
from api.core.errors import ServiceError
from tests import factories
from tests.accounts.test_passwords import CHANGE

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { email } errors { field code message } }
}
"""
COMMON_EN = (
    "This password appears in lists of leaked passwords that attackers try first: choose "
    "another one."
)
COMMON_FR = (
    "Ce mot de passe figure dans des listes de mots de passe divulgués que les attaquants "
    "essaient en premier : choisissez-en un autre."
)
EMAIL_EN = "The password must not contain your email address or the name before the @."
EMAIL_ZH = "密码不得包含您的电子邮件地址或 @ 前面的名称。"


def register(api, password: str, email: str = "ada.lovelace@example.org", locale: str = "en"):
    values = {"email": email, "password": password, "displayName": "Ada"}
    return api.data(REGISTER, {"input": values}, locale=locale)["accountRegister"]


def test_the_shipped_list_holds_at_least_100000_passwords():
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        assert sum(1 for _ in lines) >= 100_000
    assert "1234567890" in common_passwords()
    assert "qwertyuiop" in common_passwords()


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password123", "iloveyou12"])
def test_a_leaked_password_is_weak_in_the_callers_language(api, password):
    english = register(api, password)
    french = register(api, password, locale="fr")

    assert english["account"] is None
    assert english["errors"] == [
        {"field": "password", "code": "WEAK_PASSWORD", "message": COMMON_EN}
    ]
    assert french["errors"] == [
        {"field": "password", "code": "WEAK_PASSWORD", "message": COMMON_FR}
    ]


def test_the_ten_as_of_the_issue_are_refused(api):
    assert register(api, "aaaaaaaaaa")["errors"][0]["code"] == "WEAK_PASSWORD"


@pytest.mark.parametrize(
    "password", ["Ada.Lovelace-2026!", "my ADA.LOVELACE@EXAMPLE.ORG", "xxada.lovelacexx"]
)
def test_a_password_made_of_the_email_is_weak(api, password):
    english = register(api, password)
    chinese = register(api, password, locale="zh-Hans")

    assert english["errors"] == [
        {"field": "password", "code": "WEAK_PASSWORD", "message": EMAIL_EN}
    ]
    assert chinese["errors"][0]["message"] == EMAIL_ZH


def test_a_short_local_part_is_not_held_against_the_password(api):
    assert register(api, "correct-horse-battery-jo", email="jo@example.org")["errors"] == []


def test_the_project_and_demo_passwords_pass_the_rules():
    for password in (factories.PASSWORD, "demo-password-2026", "a-brand-new-passphrase"):
        assert check_password(password, email="admin@demo.aidbridge.org") == password
    with pytest.raises(ServiceError):
        check_password("Password1234")


def test_a_new_password_by_change_is_checked_too(api, engine, settings):
    helper = factories.helper(engine, settings, email="ada@example.org")

    payload = api.data(
        CHANGE,
        {"input": {"currentPassword": factories.PASSWORD, "newPassword": "ada-2026-forever"}},
        token=helper.token,
    )["passwordChange"]

    assert payload["changed"] is False
    assert payload["errors"] == [
        {"field": "newPassword", "code": "WEAK_PASSWORD", "message": EMAIL_EN}
    ]
