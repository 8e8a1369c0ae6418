"""Concurrent writes: registrations (`accountRegister`) and logins (`tokenCreate`), both
with production Argon2, and donations (`donationCreate`) per second against two server
processes sharing one database.

Usage:
    python bench/bench_concurrent_writes.py [--logins 150] [--donations 150]
        [--workers 2] [--households 30] [--postgres URL] [--backends sqlite,postgresql]
        [--operation-timeout SECONDS]

For each backend it builds a fresh demo instance (`aidbridge demo-data`) in a temporary
SQLite file, or in a PostgreSQL database it creates on the server of `--postgres`
(default: $AIDBRIDGE_TEST_POSTGRES_URL; the user needs CREATEDB) and drops afterwards,
starts `aidbridge serve --workers N` on a free loopback port with the rate limits out of
reach, and fires, all at once over HTTP/1.1:

- `register`: that many concurrent `accountRegister` (helpers with new emails);
- `logins`: that many concurrent `tokenCreate`, one per account (accounts written to the
  database before the server starts, with one production Argon2 hash);
- `donations`: that many concurrent anonymous `donationCreate` to the general fund;
- `mixed`: the logins and the donations together, each rate over the whole run.

Each registration and login comes from its own client address (`X-Forwarded-For`, which
the server believes from the loopback), as from many people, so attempt limits and their
gates are per person as in production. It prints, per backend and load, the rate,
p50/p99 latency, and how many answers were typed successes, typed errors (a payload's
`errors`), GraphQL errors (with their `extensions.code`), HTTP errors, transport failures
and "database is locked" texts, then what the server logged (tracebacks, exceptions).
With the default operation timeout (10 s) a burst larger than the machine hashes in 10 s
ends in TIMEOUT answers for the last ones; `--operation-timeout 120` measures throughput
instead. Prints figures; asserts nothing. Run from the repository root with the project's venv;
on a 2-core machine the login figures are bound by Argon2 (about 0.2 s of one core a hash)."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# This checkout's `api` (for seeding accounts), not an installed one.
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-2026-not-common"  # noqa: S105  (the bench accounts' password)
REGISTER = """mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { id } errors { field code } } }"""
LOGIN = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { token errors { field code } } }"""
DONATE = """mutation($input: DonationCreateInput!) {
  donationCreate(input: $input) { donation { id } errors { field code } } }"""
# Out of reach: every request of the benchmark comes from one address.
UNLIMITED_ENV = {
    "AIDBRIDGE_RATE_LIMIT_POINTS": str(10**12),
    "AIDBRIDGE_LOGIN_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_IP_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_IP_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_BACKOFF_MAX_SECONDS": "0",
}


@dataclass
class Outcome:
    """What the clients saw in one load."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)

    def record(self, name: str, latency: float, kind: str) -> None:
        self.latencies.setdefault(name, []).append(latency)
        self.kinds[kind] += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def email(turn: int, kind: str = "login") -> str:
    return f"bench-{kind}-{turn}@bench.aidbridge.org"


def seed_accounts(database_url: str, count: int) -> None:
    """The accounts the logins use, all with PASSWORD (hashed once, as in production)."""
    import sqlalchemy as sa

    from api.accounts.models import Account
    from api.core.db import create_db_engine, utcnow
    from api.core.roles import Role
    from api.core.security import hash_password

    password_hash = hash_password(PASSWORD)
    rows = [
        {
            "email": email(n),
            "password_hash": password_hash,
            "display_name": f"Bench Helper {n}",
            "role": Role.HELPER.value,
            "is_active": True,
            "created_at": utcnow(),
        }
        for n in range(count)
    ]
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.insert(Account), rows)
    finally:
        engine.dispose()


def client_address(turn: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{turn // 65536 % 256}.{turn // 256 % 256}.{turn % 256}"}


def register_request(turn: int) -> dict[str, Any]:
    data = {"email": email(turn, "register"), "password": PASSWORD, "displayName": "Newcomer"}
    return {"query": REGISTER, "variables": {"input": data}}


def login_request(turn: int) -> dict[str, Any]:
    data = {"email": email(turn), "password": PASSWORD}
    return {"query": LOGIN, "variables": {"input": data}}


def donation_request(turn: int) -> dict[str, Any]:
    data = {
        "target": {"generalFund": True},
        "amount": {"amountMinor": 1_000 + turn, "currency": "USD"},
        "provider": "offline",
        "donorName": "Bench Donor",
        "idempotencyKey": str(uuid.uuid4()),
    }
    return {"query": DONATE, "variables": {"input": data}}


def classify(name: str, response: httpx.Response) -> str:
    if "database is locked" in response.text:
        return "database_locked"
    if response.status_code != 200:
        return f"http_{response.status_code}"
    body = response.json()
    if body.get("errors"):
        codes = sorted({(e.get("extensions") or {}).get("code", "NO_CODE") for e in body["errors"]})
        return "graphql_error:" + ",".join(codes)
    payload = (body.get("data") or {}).get(name) or {}
    if payload.get("errors"):
        return "typed_error:" + ",".join(sorted({e["code"] for e in payload["errors"]}))
    return "ok"


async def fire(
    http: httpx.AsyncClient,
    outcome: Outcome,
    name: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    started = time.perf_counter()
    try:
        response = await http.post("/graphql", json=body, headers=headers)
        kind = classify(name, response)
    except httpx.HTTPError as error:
        kind = f"transport:{type(error).__name__}"
    outcome.record(name, time.perf_counter() - started, kind)


async def run_load(url: str, registrations: int, logins: int, donations: int) -> Outcome:
    outcome = Outcome()
    limits = httpx.Limits(max_connections=registrations + logins + donations + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:
        calls = [
            fire(http, outcome, "accountRegister", register_request(n), client_address(n))
            for n in range(registrations)
        ]
        calls += [
            fire(http, outcome, "tokenCreate", login_request(n), client_address(n))
            for n in range(logins)
        ]
        calls += [
            fire(http, outcome, "donationCreate", donation_request(n)) for n in range(donations)
        ]
        started = time.perf_counter()
        await asyncio.gather(*calls)
        outcome.seconds = time.perf_counter() - started
    return outcome


def report(backend: str, load: str, outcome: Outcome) -> None:
    for name, latencies in sorted(outcome.latencies.items()):
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        rate = len(latencies) / outcome.seconds if outcome.seconds else 0.0
        print(
            f"{backend:10} {load:9} {name:16} n={len(latencies):4} "
            f"rate={rate:7.2f}/s p50={statistics.median(ordered):6.2f}s p99={p99:6.2f}s"
        )
    kinds = ", ".join(f"{kind}={count}" for kind, count in sorted(outcome.kinds.items()))
    print(f"{backend:10} {load:9} answers: {kinds}  wall={outcome.seconds:.2f}s")


def summarize_log(backend: str, text: str) -> None:
    """How often the server logged a lock error or a traceback, and which exceptions."""
    exceptions = Counter(
        line.split(":", 1)[0]
        for line in text.splitlines()
        if re.match(r"^[\w.]+(Error|Exception|Timeout)\b", line)
    )
    named = ", ".join(f"{name}={count}" for name, count in exceptions.most_common(5))
    # uvicorn's supervisor kills a worker that does not answer its health check in 5 s
    # (a CPU-starved machine); its connections then end without an answer.
    killed = len(re.findall(r"Child process \[\d+\] died", text))
    print(
        f"{backend:10} server log: {text.count('database is locked')} 'database is locked', "
        f"{text.count('Traceback')} tracebacks, {killed} workers restarted"
        f"{'; ' + named if named else ''}"
    )


def environment(database_url: str, operation_timeout: float | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    env |= {"SECRET_KEY": secrets.token_urlsafe(32), "AIDBRIDGE_ENV": "development"}
    if operation_timeout is not None:
        env["AIDBRIDGE_OPERATION_TIMEOUT"] = str(operation_timeout)
    return env | UNLIMITED_ENV


@contextmanager
def server(
    database_url: str,
    workers: int,
    households: int,
    logins: int,
    log: Path,
    operation_timeout: float | None,
) -> Iterator[str]:
    env = environment(database_url, operation_timeout)
    command = [sys.executable, "-m", "api.cli"]
    subprocess.run(
        [*command, "demo-data", "--households", str(households)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    seed_accounts(database_url, logins)
    port = free_port()
    serve = [*command, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as output:
        process = subprocess.Popen(
            serve, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                # Both workers answer once each has started; give the second a moment.
                time.sleep(1.0)
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready after 180 s")


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"aidbridge_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def database(backend: str, postgres_url: str | None, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'bench-writes.db'}"
        return
    assert postgres_url is not None
    with postgres_database(postgres_url) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--logins", type=int, default=150)
    parser.add_argument("--donations", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("AIDBRIDGE_TEST_POSTGRES_URL"))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--operation-timeout", type=float, default=None)
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if "postgresql" in backends and not args.postgres:
        print("postgresql skipped: no --postgres URL nor AIDBRIDGE_TEST_POSTGRES_URL")
        backends.remove("postgresql")
    timeout = args.operation_timeout or "default"
    print(
        f"workers={args.workers} logins={args.logins} donations={args.donations} "
        f"operation_timeout={timeout} cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}"
    )
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="aidbridge-bench-writes-") as directory:
            tmp = Path(directory)
            with (
                database(backend, args.postgres, tmp) as url,
                server(
                    url,
                    args.workers,
                    args.households,
                    args.logins,
                    tmp / "server.log",
                    args.operation_timeout,
                ) as base,
            ):
                for load, registrations, logins, donations in (
                    ("register", args.logins, 0, 0),
                    ("logins", 0, args.logins, 0),
                    ("donations", 0, 0, args.donations),
                    ("mixed", 0, args.logins, args.donations),
                ):
                    outcome = asyncio.run(run_load(base, registrations, logins, donations))
                    report(backend, load, outcome)
                summarize_log(backend, (tmp / "server.log").read_text(errors="replace"))


if __name__ == "__main__":
    main()
