"""Logins and password reset requests are limited per email and per address, over real
HTTP: a doubling wait after the free attempts, an hourly ceiling, and refused attempts
answered without computing a single Argon2 hash, even with the right password."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.accounts import service
from api.app import create_app
from api.core.settings import RateLimitSettings
from tests import factories
from tests.conftest import LiveServer
from tests.redisproc import closed_port_url, private_redis

LOGIN = """
mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { token retryAfter errors { field code message } }
}
"""
RESET = """
mutation($input: PasswordResetRequestInput!) {
  passwordResetRequest(input: $input) { accepted retryAfter errors { code message } }
}
"""


def random_ip() -> str:
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


class Client:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.ip = random_ip()

    def call(self, query: str, input: dict[str, Any], locale: str = "en") -> httpx.Response:
        return self.http.post(
            "/graphql",
            json={"query": query, "variables": {"input": input}},
            headers={"X-Forwarded-For": self.ip, "X-Aidbridge-Locale": locale},
        )

    def login(self, email: str, password: str, locale: str = "en") -> dict[str, Any]:
        answer = self.call(LOGIN, {"email": email, "password": password}, locale)
        assert answer.status_code == 200, answer.text
        payload: dict[str, Any] = answer.json()["data"]["tokenCreate"]
        payload["retry-after header"] = answer.headers.get("retry-after")
        return payload


def start(backend, **limits: Any) -> LiveServer:
    base = RateLimitSettings(store="memory" if backend.name == "sqlite" else "database")
    settings = replace(backend.settings, rate_limits=replace(base, **limits))
    return LiveServer(create_app(settings, backend.engine))


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every Argon2 verification the live server (in this process) computes."""
    calls: list[str] = []
    verify = service.verify_password

    def counted(password_hash: str, password: str) -> bool:
        calls.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counted)
    return calls


@pytest.fixture
def ceiling_only(backend) -> Iterator[Client]:
    """Waits off, so a test can reach the hourly ceiling (200) in seconds."""
    server = start(backend, backoff_max_seconds=0)
    client = Client(server.url)
    yield client
    client.http.close()
    server.stop()


@pytest.fixture
def with_backoff(backend) -> Iterator[Client]:
    """The defaults: 5 free failures, then 1 s, 2 s, 4 s..."""
    server = start(backend)
    client = Client(server.url)
    yield client
    client.http.close()
    server.stop()


def test_the_201st_attempt_in_an_hour_is_refused_without_hashing_even_if_right(
    ceiling_only, engine, settings, hashes
):
    factories.staff(engine, settings, factories.Role.PLATFORM_ADMIN, email="admin@example.org")
    hashes.clear()  # the factory logged in once

    wrong = [ceiling_only.login("admin@example.org", f"wrong-{n:04d}-password") for n in range(200)]
    assert all(p["errors"][0]["code"] == "INVALID_CREDENTIALS" for p in wrong)
    assert len(hashes) == 200

    hashes.clear()
    right = ceiling_only.login("ADMIN@example.org ", factories.PASSWORD)

    assert hashes == []
    assert right["token"] is None
    assert right["errors"][0]["code"] == "RATE_LIMITED"
    assert right["errors"][0]["message"] == (
        "Too many attempts: please wait a little, then try again."
    )
    assert 0 < right["retryAfter"] <= 3600
    assert right["retry-after header"] == str(right["retryAfter"])
    # From another address too: the ceiling is the account's.
    elsewhere = Client(str(ceiling_only.http.base_url))
    try:
        from_elsewhere = elsewhere.login("admin@example.org", factories.PASSWORD)
    finally:
        elsewhere.http.close()
    assert from_elsewhere["errors"][0]["code"] == "RATE_LIMITED"
    assert hashes == []


def test_after_five_failures_each_wait_doubles_and_is_refused_unhashed(
    with_backoff, engine, settings, hashes
):
    factories.helper(engine, settings, email="ada@example.org")
    hashes.clear()  # the factory logged in once
    for n in range(5):
        assert with_backoff.login("ada@example.org", f"wrong-{n}-password")["errors"][0][
            "code"
        ] == ("INVALID_CREDENTIALS")
    assert len(hashes) == 5

    refused = with_backoff.login("ada@example.org", factories.PASSWORD, locale="fr")

    assert len(hashes) == 5
    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert refused["errors"][0]["message"].startswith("Trop de tentatives")
    assert refused["retryAfter"] == 1
    time.sleep(1.1)
    # The wait is over: the attempt is heard, and a success clears the account's slate.
    assert with_backoff.login("ada@example.org", factories.PASSWORD)["token"]
    assert len(hashes) == 6
    for n in range(5):
        assert with_backoff.login("ada@example.org", f"again-{n}-wrong")["errors"][0]["code"] == (
            "INVALID_CREDENTIALS"
        )
    assert with_backoff.login("ada@example.org", "again-5-wrong")["errors"][0]["code"] == (
        "RATE_LIMITED"
    )


@pytest.fixture
def long_backoff(backend) -> Iterator[Client]:
    """5 free failures, then 3 s, 6 s...: a wait no slow request outlasts on a loaded
    machine, where a request can take more than the default first second."""
    server = start(backend, backoff_seconds=3)
    client = Client(server.url)
    yield client
    client.http.close()
    server.stop()


def test_the_wait_doubles(long_backoff):
    for n in range(5):
        long_backoff.login("nobody@example.org", f"wrong-{n}-password")
    time.sleep(3.05)
    sixth = long_backoff.login("nobody@example.org", "wrong-5-password")

    seventh = long_backoff.login("nobody@example.org", "wrong-6-password")

    assert sixth["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert seventh["errors"][0]["code"] == "RATE_LIMITED"
    # 6 s from the sixth attempt, less the time the seventh took to come: more than 3.
    assert 3 < seventh["retryAfter"] <= 6


def test_an_unknown_email_is_limited_like_a_known_one(long_backoff, engine, settings, hashes):
    factories.helper(engine, settings, email="ada@example.org")
    known = [long_backoff.login("ada@example.org", f"wrong-{n}-pass")["errors"] for n in range(6)]
    unknown = [long_backoff.login("who@example.org", f"wrong-{n}-pass")["errors"] for n in range(6)]

    assert [e[0]["code"] for e in known] == [e[0]["code"] for e in unknown]
    assert known[-1][0]["code"] == "RATE_LIMITED"


def test_password_reset_requests_are_limited_per_email_whether_or_not_it_has_an_account(
    backend, engine, settings
):
    factories.helper(engine, settings, email="ada@example.org")
    server = start(backend, reset_free_requests=100, reset_max_requests=3)
    client = Client(server.url)
    try:
        answers = {
            email: [
                client.call(RESET, {"email": email}).json()["data"]["passwordResetRequest"]
                for _ in range(4)
            ]
            for email in ("ada@example.org", "nobody@example.org")
        }
        other_address = Client(server.url)
        still_limited = other_address.call(RESET, {"email": "ADA@example.org"}, "fr").json()
        other_address.http.close()
    finally:
        client.http.close()
        server.stop()

    for email, payloads in answers.items():
        assert [p["accepted"] for p in payloads] == [True, True, True, False], email
        assert payloads[3]["errors"][0]["code"] == "RATE_LIMITED"
        assert payloads[3]["retryAfter"] > 0
    assert answers["ada@example.org"][3] == answers["nobody@example.org"][3] | {
        "retryAfter": answers["ada@example.org"][3]["retryAfter"]
    }
    french = still_limited["data"]["passwordResetRequest"]
    assert french["errors"][0]["code"] == "RATE_LIMITED"
    assert french["errors"][0]["message"].startswith("Trop de tentatives")


def test_one_address_trying_many_emails_meets_its_own_ceiling(backend, engine, settings, hashes):
    server = start(backend, backoff_max_seconds=0, login_ip_max_failures=10)
    client = Client(server.url)
    try:
        codes = [
            client.login(f"user{n}@example.org", "some-wrong-password")["errors"][0]["code"]
            for n in range(12)
        ]
        other_address = Client(server.url)
        fresh = other_address.login("user99@example.org", "some-wrong-password")
        other_address.http.close()
    finally:
        client.http.close()
        server.stop()

    assert codes == ["INVALID_CREDENTIALS"] * 10 + ["RATE_LIMITED"] * 2
    assert len(hashes) == 11
    assert fresh["errors"][0]["code"] == "INVALID_CREDENTIALS"


CHANGE = """
mutation($input: PasswordChangeInput!) {
  passwordChange(input: $input) { changed errors { field code } }
}
"""
DELETE = """
mutation($input: AccountDeleteInput!) { accountDelete(input: $input) { deleted errors { code } } }
"""


def test_a_stolen_token_cannot_be_used_to_guess_the_password_behind_it(
    with_backoff, engine, settings, hashes
):
    """passwordChange and accountDelete re-check the password: limited like a login."""
    actor = factories.helper(engine, settings, email="grace@example.org")
    hashes.clear()

    def call(query: str, input: dict[str, Any]) -> dict[str, Any]:
        answer = with_backoff.http.post(
            "/graphql",
            json={"query": query, "variables": {"input": input}},
            headers={"X-Forwarded-For": with_backoff.ip, "Authorization": f"Bearer {actor.token}"},
        )
        data: dict[str, Any] = answer.json()["data"]
        return data

    # A weak new password with the right current one is no failed guess.
    weak = call(CHANGE, {"currentPassword": factories.PASSWORD, "newPassword": "short"})
    assert weak["passwordChange"]["errors"][0]["code"] == "WEAK_PASSWORD"
    for n in range(3):
        guess = {"currentPassword": f"guess-{n}-password", "newPassword": "a fresh passphrase 42"}
        assert call(CHANGE, guess)["passwordChange"]["errors"][0]["code"] == ("INVALID_CREDENTIALS")
    for n in range(2):
        wrong = call(DELETE, {"password": f"guess-{n}-delete"})["accountDelete"]
        assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"
    checked = len(hashes)
    assert checked >= 5  # each guess was verified

    refused = call(DELETE, {"password": factories.PASSWORD})["accountDelete"]
    changed = call(CHANGE, {"currentPassword": factories.PASSWORD, "newPassword": "x" * 12})

    assert refused == {"deleted": False, "errors": [{"code": "RATE_LIMITED"}]}
    assert changed["passwordChange"]["errors"] == [{"field": None, "code": "RATE_LIMITED"}]
    assert len(hashes) == checked  # refused without hashing


# --- When the shared store fails ---------------------------------------------------------


def test_with_redis_unreachable_logins_are_still_refused_unhashed_after_the_limit(
    backend, engine, settings, hashes
):
    """A Redis outage must not turn brute-force protection off: each process counts."""
    factories.helper(engine, settings, email="ada@example.org")
    hashes.clear()
    server = start(
        backend,
        store="redis",
        redis_url=closed_port_url(),
        backoff_max_seconds=0,
        login_max_failures=10,
    )
    client = Client(server.url)
    try:
        wrong = [
            client.call(LOGIN, {"email": "ada@example.org", "password": f"wrong-{n}-pw"})
            for n in range(10)
        ]
        right = client.call(LOGIN, {"email": "ada@example.org", "password": factories.PASSWORD})
    finally:
        client.http.close()
        server.stop()

    assert [a.status_code for a in [*wrong, right]] == [200] * 11
    codes = [a.json()["data"]["tokenCreate"]["errors"][0]["code"] for a in wrong]
    assert codes == ["INVALID_CREDENTIALS"] * 10
    assert len(hashes) == 10
    refused = right.json()["data"]["tokenCreate"]
    assert refused["token"] is None and refused["errors"][0]["code"] == "RATE_LIMITED"
    assert all("x-ratelimit-remaining" in a.headers for a in [*wrong, right])


def test_logins_are_limited_through_a_redis_restart_and_counted_in_it_again(
    backend, engine, settings, hashes
):
    factories.helper(engine, settings, email="ada@example.org")
    hashes.clear()
    with private_redis() as redis_server:
        server = start(
            backend,
            store="redis",
            redis_url=redis_server.url,
            backoff_max_seconds=0,
            login_max_failures=6,
            store_retry_seconds=0.3,
        )
        client = Client(server.url)

        def failures_in_redis() -> list[int]:
            with redis_server.client() as direct:
                keys = direct.scan_iter("aidbridge:rl:login:account:ada@example.org:*")
                return [int(direct.get(key)) for key in keys]

        try:
            before = [client.login("ada@example.org", f"wrong-{n}-pw") for n in range(3)]
            counted_before = failures_in_redis()
            redis_server.kill()
            during = [client.login("ada@example.org", f"again-{n}-pw") for n in range(7)]
            hashed_during = len(hashes) - 3
            redis_server.start()
            time.sleep(0.5)  # past the retry interval
            after = client.login("ada@example.org", "after-wrong-pw")
            counted_after = failures_in_redis()
            logged_in = client.login("ada@example.org", factories.PASSWORD)
        finally:
            client.http.close()
            server.stop()

    assert [p["errors"][0]["code"] for p in before] == ["INVALID_CREDENTIALS"] * 3
    assert counted_before == [3]
    # Redis is gone: the process counts from zero and refuses the 7th without hashing.
    assert [p["errors"][0]["code"] for p in during] == ["INVALID_CREDENTIALS"] * 6 + [
        "RATE_LIMITED"
    ]
    assert hashed_during == 6
    # Redis is back (empty): attempts are counted there again.
    assert after["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert counted_after == [1]
    assert logged_in["token"]


VIEWER = "{ me { email } }"


def test_when_the_counters_table_fails_logins_are_limited_and_the_request_still_commits(
    backend, engine, settings, hashes
):
    """The database store's statement fails (here: its table is gone) while the database
    itself works: the rate-limit step runs on its own connection, so the login's own
    transaction commits; limits go on in the process and return to the table."""
    factories.helper(engine, settings, email="ada@example.org")
    hashes.clear()
    server = start(
        backend,
        store="database",
        backoff_max_seconds=0,
        login_max_failures=4,
        store_retry_seconds=0.3,
    )
    client = Client(server.url)

    def rename(old: str, new: str) -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")

    def failures_in_table() -> list[int]:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT amount FROM rate_limit_counter WHERE name LIKE 'login:account:%'")
            ).all()
        return [row[0] for row in rows]

    rename("rate_limit_counter", "rate_limit_counter_away")
    try:
        logged_in = client.login("ada@example.org", factories.PASSWORD)
        viewer = client.http.post(
            "/graphql",
            json={"query": VIEWER},
            headers={"Authorization": f"Bearer {logged_in['token']}"},
        )
        wrong = [
            client.call(LOGIN, {"email": "ada@example.org", "password": f"wrong-{n}-pw"})
            for n in range(4)
        ]
        hashed = len(hashes)
        refused = client.login("ada@example.org", factories.PASSWORD)
        hashed_refused = len(hashes) - hashed
    finally:
        rename("rate_limit_counter_away", "rate_limit_counter")
    try:
        time.sleep(0.5)  # past the retry interval
        after = client.login("ada@example.org", "after-wrong-pw")
        counted_after = failures_in_table()
    finally:
        client.http.close()
        server.stop()

    assert logged_in["token"] and viewer.json()["data"]["me"]["email"] == "ada@example.org"
    assert [a.status_code for a in wrong] == [200] * 4
    codes = [a.json()["data"]["tokenCreate"]["errors"][0]["code"] for a in wrong]
    assert codes == ["INVALID_CREDENTIALS"] * 4
    assert all("x-ratelimit-used" in a.headers for a in wrong)
    assert refused["errors"][0]["code"] == "RATE_LIMITED" and hashed_refused == 0
    assert after["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert counted_after == [1]


def outcome(body: dict[str, Any]) -> str:
    """The code of a tokenCreate answer: its payload's, else the request's."""
    payload = body["data"]["tokenCreate"]
    code: str = payload["errors"][0]["code"] if payload else body["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.parametrize(
    "email",
    ["a" * 300 + "@example.org", "ada\x00@example.org", "ada\ud800@example.org"],
    ids=["overlong", "nul", "lone-surrogate"],
)
def test_any_email_is_limited_without_upsetting_the_store(backend, caplog, email):
    """An email the store could not take as part of a key (too long for the table's
    names, a NUL PostgreSQL refuses, a lone surrogate no encoder takes) is counted by its
    digest: limited like any other, and no outage for everyone else."""
    caplog.set_level(logging.WARNING, "aidbridge.ratelimit")
    server = start(backend, backoff_max_seconds=0, login_max_failures=3)
    client = Client(server.url)
    try:
        answers = [
            client.http.post(
                "/graphql",
                content=json.dumps(
                    {"query": LOGIN, "variables": {"input": {"email": email, "password": "x"}}}
                ),
                headers={"Content-Type": "application/json", "X-Forwarded-For": client.ip},
            )
            for _ in range(4)
        ]
    finally:
        client.http.close()
        server.stop()

    assert [a.status_code for a in answers] == [200] * 4, answers[-1].text
    # Heard three times (whatever the service then makes of such an email), refused after.
    outcomes = [outcome(a.json()) for a in answers]
    assert "RATE_LIMITED" not in outcomes[:3] and outcomes[3] == "RATE_LIMITED"
    assert [r.getMessage() for r in caplog.records if r.name == "aidbridge.ratelimit"] == []
