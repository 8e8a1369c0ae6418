"""Test fixtures: every database test runs on SQLite and, when
AIDBRIDGE_TEST_POSTGRES_URL is set, on PostgreSQL (a missing server is then a failure).

API tests talk real HTTP to a uvicorn server started once per backend."""

from __future__ import annotations

import os
import secrets
import socket
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
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from api.app import create_app
from api.audit.guard import append_only_triggers_lifted
from api.core import security
from api.core.db import create_db_engine
from api.core.settings import RateLimitSettings, Settings, load_settings
from api.ledger.guard import ledger_triggers_lifted
from api.migrations import alembic_config
from api.tables import metadata

POSTGRES_ENV = "AIDBRIDGE_TEST_POSTGRES_URL"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
BACKENDS = ["sqlite", "postgresql"]
# The shared test servers answer every test of a session from one address, and reuse
# accounts' emails across tests: their limits are out of reach, kept in the process.
# tests/core/test_ratelimit.py and tests/accounts/test_login_limits.py start their own.
UNLIMITED = RateLimitSettings(
    store="memory",
    points_per_hour=10**12,
    login_free_attempts=10**9,
    login_max_failures=10**12,
    login_ip_free_attempts=10**9,
    login_ip_max_failures=10**12,
    backoff_max_seconds=0,
    reset_free_requests=10**9,
    reset_max_requests=10**12,
    reset_ip_max_requests=10**12,
)


def test_settings(database_url: str) -> Settings:
    base = load_settings({"SECRET_KEY": "t" * 40, "DATABASE_URL": database_url})
    # The test instance works in two currencies, so figures kept per currency are
    # exercised; tests use EUR where money must be refused as a currency it does not take.
    instance = replace(base.instance, currencies=("USD", "CNY"))
    # Campaigns are settled by the tests themselves (tests/crowdfunding/test_closer.py
    # runs the server's own closer).
    return replace(
        base,
        database_url=database_url,
        instance=instance,
        rate_limits=UNLIMITED,
        campaign_close_interval=0,
    )


class Backend:
    """A migrated database, its engine, and a live server on it."""

    def __init__(self, name: str, url: str, cleanup: Any) -> None:
        self.name = name
        self.url = url
        self.cleanup = cleanup
        command.upgrade(alembic_config(url), "head")
        self.engine = create_db_engine(url)
        self.settings = test_settings(url)
        self.server: LiveServer | None = None

    def live_server(self) -> LiveServer:
        if self.server is None:
            self.server = LiveServer(create_app(self.settings, self.engine))
        return self.server

    def truncate(self) -> None:
        tables = [t.name for t in reversed(metadata.sorted_tables)]
        with self.engine.begin() as connection:
            if self.name == "postgresql":
                connection.exec_driver_sql(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            else:
                connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                # SQLite has no TRUNCATE; the DELETE triggers of the audit log and the
                # ledger are lifted for this one maintenance transaction only.
                with append_only_triggers_lifted(connection), ledger_triggers_lifted(connection):
                    for table in tables:
                        # Table names come from our own metadata, not from input.
                        connection.exec_driver_sql(f'DELETE FROM "{table}"')  # noqa: S608
                if _has_sqlite_sequence(connection):
                    connection.exec_driver_sql("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.engine.dispose()
        self.cleanup()


def _has_sqlite_sequence(connection: sa.Connection) -> bool:
    return bool(
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'"
        ).first()
    )


class LiveServer:
    def __init__(self, app: Any) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _postgres_database() -> tuple[str, Any]:
    base_url = os.environ.get(POSTGRES_ENV)
    if not base_url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    url = make_url(base_url)
    name = f"aidbridge_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    except sa.exc.OperationalError as error:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {error}")

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with small parameters: tests create many accounts, and production's
    deliberately slow hashing (~0.4 s here) would dominate the run. Same algorithm, same
    stored format, so verification is exercised as in production."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", CHEAP_HASHER)
        yield


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Backend]]:
    created: dict[str, Backend] = {}
    yield created
    for backend in created.values():
        backend.close()


def _backend(name: str, backends: dict[str, Backend], tmp: Path) -> Backend:
    if name not in backends:
        if name == "sqlite":
            url, cleanup = f"sqlite:///{tmp / 'aidbridge-test.db'}", (lambda: None)
        else:
            url, cleanup = _postgres_database()
        backends[name] = Backend(name, url, cleanup)
    return backends[name]


@pytest.fixture(params=BACKENDS)
def backend(
    request: pytest.FixtureRequest,
    _backends: dict[str, Backend],
    tmp_path_factory: pytest.TempPathFactory,
) -> Backend:
    """A clean, migrated database on each backend."""
    chosen = _backend(request.param, _backends, tmp_path_factory.getbasetemp())
    chosen.truncate()
    return chosen


@pytest.fixture
def engine(backend: Backend) -> Engine:
    return backend.engine


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def sql_counter(engine: Engine) -> Iterator[StatementCounter]:
    counter = StatementCounter(engine)
    yield counter
    counter.close()


class GraphQLClient:
    """Posts GraphQL documents over real HTTP to the live server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        locale: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if locale:
            all_headers["X-Aidbridge-Locale"] = locale
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Like post, but fails the test on any top-level error."""
        body = self.post(query, variables, **kwargs)
        assert not body.get("errors"), body.get("errors")
        data: dict[str, Any] = body["data"]
        return data

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def api(backend: Backend) -> Iterator[GraphQLClient]:
    client = GraphQLClient(backend.live_server().url)
    yield client
    client.close()


ZONED_TIMEZONE = "Asia/Shanghai"  # UTC+8, no daylight saving time


@pytest.fixture
def zoned_api(backend: Backend) -> Iterator[GraphQLClient]:
    """The API of the same database for an instance in `ZONED_TIMEZONE`, so a test can show
    that `...Formatted` days are the instance's local day (20:30 UTC is the next day there)."""
    instance = replace(backend.settings.instance, timezone=ZONED_TIMEZONE)
    server = LiveServer(create_app(replace(backend.settings, instance=instance), backend.engine))
    client = GraphQLClient(server.url)
    try:
        yield client
    finally:
        client.close()
        server.stop()
