"""The hourly cost budget per client (api/ratelimit): stores that count atomically, the
client's address behind trusted proxies, x-ratelimit-* headers on every /graphql answer,
429 RATE_LIMITED past the budget, and one budget shared by two server processes."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from alembic import command

from api.app import create_app
from api.core.db import create_db_engine
from api.core.settings import ConfigError, RateLimitSettings, load_settings
from api.migrations import alembic_config
from api.ratelimit.clients import client_ip, ip_client
from api.ratelimit.store import (
    BudgetStore,
    DatabaseStore,
    FailoverStore,
    MemoryStore,
    RedisStore,
)
from tests import factories
from tests.conftest import LiveServer
from tests.redisproc import PrivateRedis, closed_port_url, private_redis

REPO = Path(__file__).resolve().parents[2]
REDIS_ENV = "AIDBRIDGE_TEST_REDIS_URL"
QUERY = "query { instance { name } }"
LOGIN = """
mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { token errors { code } } }
"""


def redis_url() -> str:
    """Redis for the shared-store tests: AIDBRIDGE_TEST_REDIS_URL (then a missing server
    fails the test), else the local one if it answers (else the test is skipped)."""
    url = os.environ.get(REDIS_ENV)
    try:
        import redis

        redis.Redis.from_url(url or "redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except Exception as error:
        if url:
            pytest.fail(f"{REDIS_ENV} is set but Redis is unreachable: {error}")
        pytest.skip(f"Redis tests need a Redis at 127.0.0.1:6379 or {REDIS_ENV}")
    return url or "redis://127.0.0.1:6379/0"


def random_ip() -> str:
    """A documentation address (RFC 3849) of its own, so no two tests or runs share a
    budget, also in a Redis that outlives them."""
    return f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}::1"


def scope(peer: str, *forwarded: str) -> dict[str, Any]:
    return {
        "client": (peer, 50000),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


# --- Who the client is -----------------------------------------------------------------


def test_the_socket_peer_is_the_client_unless_it_is_a_trusted_proxy():
    assert client_ip(scope("198.51.100.7", "203.0.113.9"), ()) == "198.51.100.7"
    assert client_ip(scope("198.51.100.7", "203.0.113.9"), ("10.0.0.0/8",)) == "198.51.100.7"


def test_behind_trusted_proxies_the_rightmost_untrusted_forwarded_address_counts():
    proxies = ("10.0.0.0/8", "127.0.0.1/32")
    # The client wrote "1.2.3.4" itself; the proxy appended what it saw.
    assert client_ip(scope("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.1"), proxies) == (
        "203.0.113.9"
    )
    assert client_ip(scope("127.0.0.1", "1.2.3.4", "203.0.113.9"), proxies) == "203.0.113.9"
    # Only trusted hops, or nothing forwarded: the last one we know of.
    assert client_ip(scope("10.0.0.2", "10.0.0.1"), proxies) == "10.0.0.1"
    assert client_ip(scope("10.0.0.2"), proxies) == "10.0.0.2"
    # Garbage stops the walk at the last trusted hop.
    assert client_ip(scope("10.0.0.2", "203.0.113.9, not-an-ip"), proxies) == "10.0.0.2"


def test_an_ipv6_client_is_counted_by_its_64_network():
    assert ip_client("2001:db8:1:2::1") == ip_client("2001:db8:1:2:ffff::9")
    assert ip_client("2001:db8:1:2::1") != ip_client("2001:db8:1:3::1")
    assert ip_client("203.0.113.9") == "ip:203.0.113.9"


# --- The stores ------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis", "redis-down"])
def shared_store(request: pytest.FixtureRequest) -> BudgetStore:
    """The stores that do not depend on the database; "redis-down" is what stands in
    for a Redis that refuses every connection."""
    if request.param == "memory":
        return MemoryStore()
    if request.param == "redis":
        return RedisStore(redis_url())
    return FailoverStore(RedisStore(closed_port_url()), "rate-limit Redis", 60)


@pytest.fixture
def database_store(backend) -> Iterator[BudgetStore]:
    engine = create_db_engine(backend.url)
    yield DatabaseStore(engine)
    engine.dispose()


def check_adds_atomically_up_to_the_limit(store: BudgetStore) -> None:
    key = "test:" + secrets.token_hex(8)
    added: list[bool] = []

    def spend() -> None:
        for _ in range(10):
            added.append(store.add(key, 1, limit=50, ttl=60)[1])

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert added.count(True) == 50
    assert store.get(key) == 50
    assert store.add(key, 1, limit=50, ttl=60) == (50, False)
    assert store.add(key, 100, limit=50, ttl=60) == (50, False)
    assert store.add(key, -1, limit=50, ttl=60) == (49, True)
    store.delete(key)
    assert store.get(key) == 0


def check_gate_lets_one_through_until_its_time(store: BudgetStore) -> None:
    key = "test:gate:" + secrets.token_hex(8)
    now = int(time.time() * 1000)

    assert store.claim(key, now, now + 5000, ttl=60) == 0
    assert store.claim(key, now + 10, now + 9000, ttl=60) == now + 5000
    assert store.claim(key, now + 5001, now + 5001, ttl=60) == 0


def test_a_store_adds_atomically_up_to_the_limit(shared_store: BudgetStore):
    check_adds_atomically_up_to_the_limit(shared_store)


def test_the_database_store_adds_atomically_up_to_the_limit(database_store: BudgetStore):
    check_adds_atomically_up_to_the_limit(database_store)


def test_a_store_gate_lets_one_through_until_its_time(shared_store: BudgetStore):
    check_gate_lets_one_through_until_its_time(shared_store)


def test_the_database_store_gate_lets_one_through_until_its_time(database_store: BudgetStore):
    check_gate_lets_one_through_until_its_time(database_store)


# --- The budget over HTTP --------------------------------------------------------------


def limited_settings(backend, **changes: Any) -> Any:
    limits = RateLimitSettings(
        store="memory" if backend.name == "sqlite" else "database", points_per_hour=5
    )
    return replace(backend.settings, rate_limits=replace(limits, **changes))


@pytest.fixture
def limited(backend) -> Iterator[httpx.Client]:
    """A server whose clients have 5 points an hour."""
    server = LiveServer(create_app(limited_settings(backend), backend.engine))
    client = httpx.Client(base_url=server.url, timeout=30)
    yield client
    client.close()
    server.stop()


def post(client: httpx.Client, ip: str, query: str = QUERY, **kwargs: Any) -> httpx.Response:
    headers = {"X-Forwarded-For": ip, **kwargs.pop("headers", {})}
    return client.post("/graphql", json={"query": query}, headers=headers, **kwargs)


def test_every_answer_says_what_is_left_of_the_hour(limited):
    ip = random_ip()
    before = time.time()

    answers = [post(limited, ip) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["x-ratelimit-used"] for a in answers] == ["1", "2", "3"]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["4", "3", "2"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"5"}
    reset = int(answers[0].headers["x-ratelimit-reset"])
    assert before < reset <= before + 3600
    assert reset % 3600 == 0
    # A request refused before execution costs a point too, and says so.
    malformed = limited.post(
        "/graphql",
        content=b"{not json",
        headers={"X-Forwarded-For": ip, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.headers["x-ratelimit-used"] == "4"


def test_past_the_budget_the_answer_is_429_rate_limited_in_the_callers_language(limited):
    ip = random_ip()
    for _ in range(5):
        assert post(limited, ip).status_code == 200

    refused = post(limited, ip)
    in_french = post(limited, ip, headers={"X-Aidbridge-Locale": "fr"})

    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-remaining"] == "0"
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= 3600
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == pytest.approx(retry_after, abs=2)
    assert error["message"].startswith("Too many requests")
    (french,) = in_french.json()["errors"]
    assert in_french.status_code == 429
    assert french["extensions"]["code"] == "RATE_LIMITED"
    assert french["message"].startswith("Trop de requêtes")
    # Another client is not affected.
    assert post(limited, random_ip()).status_code == 200


COSTLY = "{ campaigns(first: 100) { nodes { backers(first: 10) { nodes { name } } } } }"
TWO_POINTS = "{ campaigns(first: 100) { nodes { backers(first: 1) { nodes { name } } } } }"


def test_each_operation_is_charged_the_cost_computed_before_it_runs(limited):
    """The cost api/graphql/cost.py computes (requested objects / 100) is what is charged."""
    ip = random_ip()
    assert post(limited, ip).headers["x-ratelimit-used"] == "1"
    # 100 campaigns and 10 backers each: 1,100 objects, 11 points; 4 are left.
    refused = post(limited, ip, COSTLY)
    # 100 campaigns and 1 backer each: 200 objects, 2 points.
    fits = post(limited, ip, TWO_POINTS)
    after = post(limited, ip)

    assert refused.status_code == 429
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["cost"] == 11
    assert error["message"].startswith("This operation costs more")
    assert refused.json().get("data") is None
    assert fits.status_code == 200 and "errors" not in fits.json()
    assert fits.headers["x-ratelimit-used"] == "3"
    assert after.headers["x-ratelimit-used"] == "4"


def test_a_logged_in_client_spends_its_accounts_budget_from_any_address(limited, engine, settings):
    factories.helper(engine, settings, email="ada@example.org")
    token = limited.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"email": "ada@example.org", "password": factories.PASSWORD}},
        },
        headers={"X-Forwarded-For": random_ip()},
    ).json()["data"]["tokenCreate"]["token"]
    auth = {"Authorization": f"Bearer {token}"}

    used = [post(limited, random_ip(), headers=auth).headers["x-ratelimit-used"] for _ in range(3)]
    anonymous = post(limited, random_ip())

    assert used == ["1", "2", "3"]
    assert anonymous.headers["x-ratelimit-used"] == "1"


def test_without_trusted_proxies_forwarded_addresses_are_ignored(backend):
    settings = limited_settings(backend, trusted_proxies=())
    app = create_app(settings, backend.engine)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # uvicorn itself must not rewrite the peer either.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    config.proxy_headers = False
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        used = [post(client, random_ip()).headers["x-ratelimit-used"] for _ in range(3)]
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)

    assert used == ["1", "2", "3"]  # one client: the socket's peer


# --- Two server processes, one budget -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    arguments = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(  # noqa: S603  (this interpreter, fixed arguments)
        [sys.executable, "-m", "uvicorn", "api.asgi:app", *arguments],
        cwd=REPO,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.mark.parametrize("shared", ["database", "redis"])
def test_two_server_processes_share_one_budget(backend, shared, tmp_path):
    env = {
        "DATABASE_URL": backend.url,
        "SECRET_KEY": "p" * 40,
        "AIDBRIDGE_RATE_LIMIT_STORE": shared,
        "AIDBRIDGE_RATE_LIMIT_POINTS": "6",
    }
    if shared == "redis":
        env["AIDBRIDGE_REDIS_URL"] = redis_url()
    command.upgrade(alembic_config(backend.url), "head")
    servers = [start_server(env), start_server(env)]
    ip = random_ip()
    try:
        with httpx.Client(timeout=30) as client:
            answers = [
                client.post(
                    servers[i % 2][1] + "/graphql",
                    json={"query": QUERY},
                    headers={"X-Forwarded-For": ip},
                )
                for i in range(8)
            ]
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            process.wait(timeout=20)

    assert [a.status_code for a in answers] == [200] * 6 + [429, 429]
    assert [a.headers["x-ratelimit-used"] for a in answers[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert answers[6].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "retry-after" in answers[7].headers
    if shared == "database":
        with backend.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT amount FROM rate_limit_counter WHERE name LIKE 'budget:%'")
            ).all()
        assert [row[0] for row in rows] == [6]


# --- When the shared store fails ---------------------------------------------------------


def outage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "aidbridge.ratelimit" and record.levelno == logging.WARNING
    ]


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


def serve_with_redis(backend, url: str, **changes: Any) -> LiveServer:
    settings = limited_settings(backend, store="redis", redis_url=url, **changes)
    return LiveServer(create_app(settings, backend.engine))


def test_with_redis_unreachable_the_budget_still_runs_out_in_the_process(backend, caplog):
    caplog.set_level(logging.WARNING, "aidbridge.ratelimit")
    server = serve_with_redis(backend, closed_port_url())
    ip = random_ip()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answers = [post(client, ip) for _ in range(6)]
            other = post(client, random_ip())
    finally:
        server.stop()

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["x-ratelimit-used"] for a in answers] == ["1", "2", "3", "4", "5", "5"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"5"}
    assert answers[5].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "retry-after" in answers[5].headers
    assert other.status_code == 200 and other.headers["x-ratelimit-used"] == "1"
    # One warning for the outage, not one per request; no traceback, no client in it.
    (warning,) = outage_warnings(caplog)
    assert warning.startswith("rate-limit Redis unreachable (ConnectionError: Error 111")
    assert "counting rate limits in this process" in warning
    assert all(record.exc_info is None for record in caplog.records)


def test_a_redis_that_hangs_costs_one_timeout_per_interval_not_one_per_request(backend):
    """A Redis that accepts connections and never answers (a dead host behind a live
    port): one request waits the short timeout, the others count in the process."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        server = serve_with_redis(backend, url, points_per_hour=1000, store_retry_seconds=60)
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                started = time.monotonic()
                answers = [post(client, random_ip()) for _ in range(20)]
                elapsed = time.monotonic() - started
        finally:
            server.stop()

    assert [a.status_code for a in answers] == [200] * 20
    assert {a.headers["x-ratelimit-used"] for a in answers} == {"1"}
    # Without the outage each request would wait 2 x 0.5 s (the peek and the charge):
    # 20 s at least. With it, one waits; the bound leaves room for a loaded machine.
    assert elapsed < 15, elapsed


def test_the_budget_returns_to_redis_when_it_answers_again(backend, redis_server, caplog):
    caplog.set_level(logging.WARNING, "aidbridge.ratelimit")
    server = serve_with_redis(backend, redis_server.url, store_retry_seconds=0.3)
    ip = random_ip()

    def counted_in_redis() -> list[int]:
        with redis_server.client() as direct:
            return [int(direct.get(key)) for key in direct.scan_iter("aidbridge:rl:budget:*")]

    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            shared = [post(client, ip) for _ in range(2)]
            assert counted_in_redis() == [2]

            redis_server.kill()
            during = [post(client, ip) for _ in range(6)]

            redis_server.start()  # empty: it kept nothing on disk
            time.sleep(0.5)  # past the retry interval
            after = [post(client, ip) for _ in range(2)]
            in_redis = counted_in_redis()
    finally:
        server.stop()

    assert [a.headers["x-ratelimit-used"] for a in shared] == ["1", "2"]
    # The process counts on its own: the budget still runs out, with every header.
    assert [a.status_code for a in during] == [200] * 5 + [429]
    assert [a.headers["x-ratelimit-used"] for a in during] == ["1", "2", "3", "4", "5", "5"]
    assert all("x-ratelimit-reset" in a.headers for a in during)
    # Back to the shared count, kept in Redis again.
    assert [a.status_code for a in after] == [200, 200]
    assert [a.headers["x-ratelimit-used"] for a in after] == ["1", "2"]
    assert in_redis == [2]
    unreachable, back = outage_warnings(caplog)
    assert unreachable.startswith("rate-limit Redis unreachable")
    assert back.startswith("rate-limit Redis answers again")


def rate_limit_settings(**env: str) -> RateLimitSettings:
    base = {"SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite:///unused.db"}
    return load_settings({**base, **env}).rate_limits


def test_the_retry_interval_and_the_first_wait_are_seconds_within_bounds():
    assert rate_limit_settings().store_retry_seconds == 5.0
    assert rate_limit_settings(AIDBRIDGE_STORE_RETRY_SECONDS="0.5").store_retry_seconds == 0.5
    assert rate_limit_settings(AIDBRIDGE_LOGIN_BACKOFF_SECONDS="2.5").backoff_seconds == 2.5
    assert rate_limit_settings().backoff_seconds == 1.0
    for setting, value in [
        ("AIDBRIDGE_STORE_RETRY_SECONDS", "0"),
        ("AIDBRIDGE_STORE_RETRY_SECONDS", "301"),
        ("AIDBRIDGE_STORE_RETRY_SECONDS", "soon"),
        ("AIDBRIDGE_STORE_RETRY_SECONDS", "nan"),
        ("AIDBRIDGE_LOGIN_BACKOFF_SECONDS", "-1"),
    ]:
        with pytest.raises(ConfigError) as raised:
            rate_limit_settings(**{setting: value})
        assert raised.value.setting == setting
