"""The benchmark's datasets: the demo generator's data at 10k, 100k and 1M help requests, on
SQLite and PostgreSQL, built once and kept between runs.

Usage: python -m bench.datasets [--size 10k,100k,1m] [--backend sqlite,postgresql] [--rebuild]

Every dataset has the seed platform's ratio (40,000 households to 50,000 requests, so
4 households to 5 requests), seed 1 and a fixed `today`, so the same size is the same data
on every machine. SQLite files live in `$AIDBRIDGE_BENCH_DATA` (default
`~/.cache/aidbridge-bench`); PostgreSQL datasets are databases named
`aidbridge_bench_<size>` on `$AIDBRIDGE_BENCH_POSTGRES_URL` (default the local server with
trust auth), never the `test` database the test suite uses.

A dataset is built under a temporary name and renamed when complete, and carries a label
(a JSON sidecar for SQLite, the database comment on PostgreSQL) with what it was built
from: an interrupted build is never mistaken for a dataset, and a rerun reuses what is
there. Each use migrates it to the current head first (new indexes arrive that way, as
they would in a deployment), which costs nothing when there is nothing to apply.

PostgreSQL datasets are loaded from the SQLite one of the same size with COPY (see
`copy_sqlite_to_postgres`): the generator inserts row by row through the driver, which on
PostgreSQL runs at about half its SQLite rate, and copying makes both backends hold the same
rows, so their figures compare the same data."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from api.core.db import create_db_engine
from api.core.settings import DEFAULT_INSTANCE_FILE, load_instance
from api.demo.generate import generate_demo_data
from api.migrations import alembic_config

# Bump when the generator's output changes in a way that should invalidate cached datasets.
DATASET_VERSION = 1
SEED = 1
TODAY = date(2026, 12, 1)
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
BACKENDS = ("sqlite", "postgresql")
HOUSEHOLDS_PER_REQUEST = 40_000 / 50_000
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "aidbridge_bench_"


@dataclass(frozen=True)
class Label:
    """What a dataset was built from; a cached dataset is reused only when it matches."""

    version: int
    requests: int
    households: int
    seed: int
    today: str

    @classmethod
    def for_size(cls, size: str) -> Label:
        requests = SIZES[size]
        return cls(
            version=DATASET_VERSION,
            requests=requests,
            households=round(requests * HOUSEHOLDS_PER_REQUEST),
            seed=SEED,
            today=TODAY.isoformat(),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Label | None:
        try:
            return cls(**json.loads(text or ""))
        except (ValueError, TypeError):
            return None


def data_dir() -> Path:
    folder = Path(
        os.environ.get("AIDBRIDGE_BENCH_DATA") or Path.home() / ".cache" / "aidbridge-bench"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def postgres_server_url() -> sa.URL:
    return make_url(os.environ.get("AIDBRIDGE_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL)


def log(message: str) -> None:
    print(f"[datasets] {message}", file=sys.stderr, flush=True)


# --- SQLite --------------------------------------------------------------------------------


def sqlite_path(size: str) -> Path:
    return data_dir() / f"sqlite-{size}.db"


def _sqlite_label(path: Path) -> Label | None:
    sidecar = path.with_suffix(".json")
    if not path.is_file() or not sidecar.is_file():
        return None
    return Label.from_json(sidecar.read_text(encoding="utf-8"))


def build_sqlite(size: str) -> Path:
    """The SQLite dataset of `size`, generated unless a matching one is cached."""
    label = Label.for_size(size)
    path = sqlite_path(size)
    if _sqlite_label(path) == label:
        return path
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{partial}"
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    started = time.perf_counter()
    try:
        summary = generate_demo_data(
            engine,
            households=label.households,
            seed=label.seed,
            today=TODAY,
            instance=load_instance(DEFAULT_INSTANCE_FILE),
        )
    finally:
        engine.dispose()
    finisher = sqlite3.connect(partial, isolation_level=None)
    try:
        finisher.execute("ANALYZE")  # what a deployment's `PRAGMA optimize` would leave
        finisher.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        finisher.close()
    seconds = time.perf_counter() - started
    log(
        f"sqlite {size}: {summary.households:,} households, {summary.requests:,} requests in "
        f"{seconds:.0f} s ({summary.requests / seconds:,.0f} requests/s with their rows)"
    )
    path.with_suffix(".json").unlink(missing_ok=True)
    os.replace(partial, path)
    path.with_suffix(".json").write_text(label.to_json(), encoding="utf-8")
    return path


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_database(size: str) -> str:
    return f"{DATABASE_PREFIX}{size}"


def postgres_url(size: str) -> str:
    url = postgres_server_url().set(database=postgres_database(size))
    return url.render_as_string(hide_password=False)


@contextmanager
def _server() -> Iterator[sa.Connection]:
    engine = sa.create_engine(
        postgres_server_url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _postgres_label(connection: sa.Connection, name: str) -> Label | None:
    comment = connection.execute(
        sa.text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"
        ),
        {"name": name},
    ).scalar()
    return Label.from_json(comment)


def build_postgres(size: str) -> str:
    """The PostgreSQL dataset of `size`, copied from the SQLite one unless cached."""
    label = Label.for_size(size)
    name = postgres_database(size)
    with _server() as server:
        if _postgres_label(server, name) == label:
            return postgres_url(size)
    source = build_sqlite(size)
    partial = f"{name}_building"
    with _server() as server:
        server.exec_driver_sql(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        server.exec_driver_sql(f'CREATE DATABASE "{partial}" TEMPLATE template0')
    url = postgres_server_url().set(database=partial).render_as_string(hide_password=False)
    started = time.perf_counter()
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    try:
        rows = copy_sqlite_to_postgres(source, engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    log(f"postgresql {size}: copied {rows:,} rows in {seconds:.0f} s")
    with _server() as server:
        server.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.exec_driver_sql(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
        server.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{label.to_json()}'")
    return postgres_url(size)


def copy_sqlite_to_postgres(source: Path, engine: sa.Engine) -> int:
    """Copy every table of a migrated SQLite database into a migrated, empty PostgreSQL
    one with COPY, then move each id sequence past the largest id. Returns the rows copied.

    Values go over as SQLite stores them, as text PostgreSQL parses (timestamps are stored
    in UTC, so the session's time zone is UTC; booleans are 0 and 1). Foreign keys and the
    append-only triggers are set aside for the load (`session_replication_role`), as
    pg_restore does, since some tables reference each other in a circle. Tables are read
    from the databases themselves, not from the models, so the copy follows the migrations
    whatever the code's layout."""
    target = sa.MetaData()
    target.reflect(engine)
    total = 0
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        present = {
            name for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'UTC'")
                cursor.execute("SET session_replication_role = replica")
                # The target's own response-cache generations (bumped by its migrations and
                # earlier writes) give way to the source's, so both hold the same rows.
                cursor.execute("DELETE FROM cache_generation")
                for table in target.tables.values():
                    if table.name in present and table.name != "alembic_version":
                        total += _copy_table(reader, table, cursor)
                cursor.execute("SET session_replication_role = DEFAULT")
            _reset_sequences(connection, target)
    finally:
        reader.close()
    return total


def _copy_table(reader: sqlite3.Connection, table: sa.Table, cursor: Any) -> int:
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    count = 0
    rows = reader.execute(f'SELECT {names} FROM "{table.name}"')  # noqa: S608
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        while batch := rows.fetchmany(20_000):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    return count


def _reset_sequences(connection: sa.Connection, target: sa.MetaData) -> None:
    for table in target.tables.values():
        if "id" not in table.columns:
            continue
        sequence = connection.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        ).scalar()
        if sequence:
            largest = connection.execute(
                sa.text(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')  # noqa: S608
            ).scalar_one()
            connection.execute(
                sa.text("SELECT setval(:sequence, :value, false)"),
                {"sequence": sequence, "value": int(largest) + 1},
            )


# --- Either --------------------------------------------------------------------------------


def dataset_url(backend: str, size: str) -> str:
    """The database URL of the dataset, built if needed and migrated to the current head."""
    if backend == "sqlite":
        url = f"sqlite:///{build_sqlite(size)}"
    elif backend == "postgresql":
        url = build_postgres(size)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    command.upgrade(alembic_config(url), "head")
    return url


def drop(backend: str, size: str) -> None:
    if backend == "sqlite":
        path = sqlite_path(size)
        for stale in (path, path.with_suffix(".json"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
    else:
        with _server() as server:
            server.exec_driver_sql(
                f'DROP DATABASE IF EXISTS "{postgres_database(size)}" WITH (FORCE)'
            )


def csv(value: str, allowed: Iterable[str]) -> list[str]:
    chosen = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(unknown)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=lambda v: csv(v, SIZES), default=["10k", "100k"])
    parser.add_argument("--backend", type=lambda v: csv(v, BACKENDS), default=list(BACKENDS))
    parser.add_argument("--rebuild", action="store_true", help="drop and build again")
    args = parser.parse_args(argv)
    for size in args.size:
        for backend in args.backend:
            if args.rebuild:
                drop(backend, size)
            print(f"{backend} {size}: {dataset_url(backend, size)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
