"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and can be undone and replayed."""

from __future__ import annotations

import os
import pprint
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.core.db import create_db_engine
from api.migrations import alembic_config
from api.migrations.revisions import code_heads, database_revisions
from api.tables import metadata
from tests.conftest import BACKENDS, _postgres_database

HOW_TO_FIX = (
    "The migrations and the models disagree. Before the first release, rebuild the initial "
    "migration with `python -m api.migrations.regenerate_initial`; after it, add a revision "
    "with `alembic revision --autogenerate`."
)


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database: nothing shared with other tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url, drop = _postgres_database()
    yield url
    drop()


def differences(url: str) -> list[object]:
    engine = create_db_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            # The same comparison options as api/migrations/env.py.
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def current_revisions(url: str) -> set[str]:
    engine = create_db_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_there_is_one_line_of_migrations():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: merge them"


def test_upgrading_an_empty_database_gives_the_models_schema(empty_database):
    command.upgrade(alembic_config(empty_database), "head")

    found = differences(empty_database)

    assert not found, HOW_TO_FIX + "\n" + pprint.pformat(found)


def test_downgrading_to_base_and_upgrading_again(empty_database):
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    head, tables = current_revisions(empty_database), table_names(empty_database)

    command.downgrade(config, "base")
    assert current_revisions(empty_database) == set()
    assert table_names(empty_database) == {"alembic_version"}

    command.upgrade(config, "head")
    assert current_revisions(empty_database) == head
    assert table_names(empty_database) == tables


def test_the_servers_own_reading_of_revisions_agrees_with_alembic(empty_database, tmp_path):
    """api/migrations/revisions.py reads heads and the database's revision without Alembic;
    the answers are Alembic's, before, during and after migrating, and for a branch."""
    engine = create_db_engine(empty_database)
    try:

        def alembic_current() -> set[str]:
            with engine.connect() as connection:
                return set(MigrationContext.configure(connection).get_current_heads())

        assert database_revisions(engine) == alembic_current() == set()
        config = alembic_config(empty_database)
        command.upgrade(config, "0004")
        assert database_revisions(engine) == alembic_current() == {"0004"}
        command.upgrade(config, "head")
        assert database_revisions(engine) == alembic_current() == code_heads()
    finally:
        engine.dispose()
    scripts = ScriptDirectory.from_config(alembic_config(empty_database))
    assert code_heads() == set(scripts.get_heads())
    # Two revisions on one parent are two heads; a merge of both is one.
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    (versions / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    assert code_heads(versions) == {"b", "c"}
    (versions / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    assert code_heads(versions) == {"d"}


def test_the_server_does_not_import_alembic():
    """Alembic is for `aidbridge migrate`; each API worker is about 10 MB lighter without it."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, api.asgi; print('alembic' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert done.stdout.strip() == "False", done.stderr
