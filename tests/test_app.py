"""The HTTP surface around GraphQL: probes, the start page and GraphiQL."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from api.app import create_app
from api.core.db import create_db_engine
from api.core.settings import Settings, load_settings
from api.migrations import alembic_config


def settings_for(database_url: str, workdir: Path) -> Settings:
    return load_settings({"SECRET_KEY": "s" * 40, "DATABASE_URL": database_url}, workdir=workdir)


def get(app: Any, path: str, **kwargs: Any) -> httpx.Response:
    """One request to an app in this process, without a server."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aidbridge") as client:
            return await client.get(path, **kwargs)

    return anyio.run(send)


@pytest.fixture
def app_on(tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """Builds an app on a given database URL; its engines are disposed afterwards."""
    engines: list[sa.Engine] = []

    def build(database_url: str) -> Any:
        engines.append(create_db_engine(database_url))
        return create_app(settings_for(database_url, tmp_path), engines[-1])

    yield build
    for engine in engines:
        engine.dispose()


def test_healthz(api):
    response = api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_migrated(api):
    response = api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("revision", [None, "0001"], ids=["never-migrated", "behind-head"])
def test_readyz_when_migrations_are_pending(app_on, tmp_path, revision):
    url = f"sqlite:///{tmp_path / 'aidbridge.db'}"
    if revision:
        command.upgrade(alembic_config(url), revision)

    response = get(app_on(url), "/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "migrations pending"}


def test_readyz_when_the_database_is_unreachable(app_on):
    with socket.socket() as sock:  # a port nothing listens on once the socket closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/aidbridge"

    response = get(app_on(url), "/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_the_start_page_is_the_donor_frontend(app_on, tmp_path):
    url = f"sqlite:///{tmp_path / 'aidbridge.db'}"

    response = get(app_on(url), "/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<main id="main"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_browsers_get_graphiql(api):
    response = api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
