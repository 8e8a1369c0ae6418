"""The benchmark's floor (bench/floor.py) answers with our /graphql's bytes, and a dataset
copied from SQLite to PostgreSQL (bench/datasets.py) holds the same rows: on a small demo
instance, over real HTTP, on both backends. bench/run.py checks the same before timing; this
keeps the floor from drifting away from the API between benchmark runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from api.core.db import create_db_engine
from api.demo.generate import generate_demo_data
from api.migrations import alembic_config
from bench.datasets import copy_sqlite_to_postgres
from bench.floor import create_floor
from bench.operations import FILTERED, HEADLINE
from tests.conftest import Backend, LiveServer, _backend

HOUSEHOLDS = 100
TODAY = date(2026, 12, 1)


def _post(base_url: str, query: str) -> bytes:
    response = httpx.post(f"{base_url}/graphql", json={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture
def floor(backend: Backend) -> Iterator[str]:
    server = LiveServer(create_floor(backend.url, backend.settings.instance))
    try:
        yield server.url
    finally:
        server.stop()


def test_floor_answers_with_the_bytes_of_graphql(backend: Backend, floor: str) -> None:
    # Given a demo instance
    generate_demo_data(
        backend.engine,
        households=HOUSEHOLDS,
        seed=5,
        today=TODAY,
        instance=backend.settings.instance,
    )
    api = backend.live_server().url
    for query in (HEADLINE, FILTERED):
        # When the floor and /graphql answer the same document
        ours, theirs = _post(api, query), _post(floor, query)
        # Then the bodies are the same bytes, and a page of requests
        assert theirs == ours
        assert b'"errors"' not in ours
        assert ours.count(b'"publicCode"') >= 5


def test_floor_refuses_other_documents(backend: Backend, floor: str) -> None:
    response = httpx.post(f"{floor}/graphql", json={"query": "{ stats { requestsMade } }"})
    assert response.status_code == 400


@pytest.fixture
def postgres(_backends: dict[str, Backend], tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """The clean PostgreSQL backend alone (skipped like every PostgreSQL test without
    AIDBRIDGE_TEST_POSTGRES_URL)."""
    chosen = _backend("postgresql", _backends, tmp_path_factory.getbasetemp())
    chosen.truncate()
    return chosen


def test_copy_to_postgres_keeps_every_row(postgres: Backend, tmp_path: Path) -> None:
    backend = postgres
    # Given a demo instance on SQLite
    source = tmp_path / "source.db"
    url = f"sqlite:///{source}"
    command.upgrade(alembic_config(url), "head")
    sqlite_engine = create_db_engine(url)
    generate_demo_data(
        sqlite_engine,
        households=HOUSEHOLDS,
        seed=5,
        today=TODAY,
        instance=backend.settings.instance,
    )
    # When it is copied into an empty, migrated PostgreSQL database
    copied = copy_sqlite_to_postgres(source, backend.engine)
    # Then every table holds as many rows on both
    tables = sa.MetaData()
    tables.reflect(backend.engine)
    total = 0
    for table in tables.tables.values():
        if table.name == "alembic_version":
            continue
        query = sa.select(sa.func.count()).select_from(table)
        with sqlite_engine.connect() as a, backend.engine.connect() as b:
            expected = a.execute(query).scalar_one()
            assert b.execute(query).scalar_one() == expected, table.name
            total += expected
    assert copied == total
    # and PostgreSQL answers the headline read with the bytes the floor reads from SQLite
    floor = LiveServer(create_floor(url, backend.settings.instance))
    try:
        assert _post(backend.live_server().url, HEADLINE) == _post(floor.url, HEADLINE)
    finally:
        floor.stop()
        sqlite_engine.dispose()
    # and new rows get ids after the copied ones (the sequences moved past them)
    with backend.engine.begin() as connection:
        largest = connection.execute(sa.text("SELECT MAX(id) FROM region")).scalar_one()
        next_id = connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence('region', 'id'))")
        ).scalar_one()
        assert next_id > largest
