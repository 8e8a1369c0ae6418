"""Demo-data benchmark: time to generate N households, to rebuild the statistics, and to
read them (which should not grow with N).

Usage: python bench/bench_demo_data.py [HOUSEHOLDS] [SEED]

Runs on a temporary SQLite file, and also on PostgreSQL when AIDBRIDGE_TEST_POSTGRES_URL
is set (a scratch database is created next to the one named there and dropped after).
Prints figures; asserts nothing."""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col

from api.core.db import create_db_engine, open_session, unit_of_work
from api.core.settings import DEFAULT_INSTANCE_FILE, load_instance
from api.demo.generate import generate_demo_data
from api.migrations import alembic_config
from api.regions.models import Region
from api.stats.metrics import INSTANCE_SCOPE
from api.stats.service import read_stats, rebuild_stats
from api.tables import metadata

TODAY = date(2026, 3, 1)
READS = 200


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="aidbridge-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    url = make_url(base)
    name = f"aidbridge_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def read_ms(engine: Engine, scope_id: int) -> tuple[float, float]:
    """Median and 95th percentile of read_stats, in ms, on one open session."""
    samples = []
    with open_session(engine) as session:
        read_stats(session, scope_id=scope_id, today=TODAY)  # warm the connection
        for _ in range(READS):
            started = time.perf_counter()
            read_stats(session, scope_id=scope_id, today=TODAY)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(backend: str, url: str, households: int, seed: int) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    instance = load_instance(DEFAULT_INSTANCE_FILE)
    try:
        with unit_of_work(engine) as session:
            started = time.perf_counter()
            summary = generate_demo_data(
                session, households=households, seed=seed, today=TODAY, instance=instance
            )
        total = time.perf_counter() - started  # includes the commit
        with open_session(engine) as session:
            rows = sum(
                session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables
            )
        print(
            f"[{backend}] generated {summary.households:,} households, {summary.helpers:,} "
            f"helpers, {summary.requests:,} requests, {summary.pledges:,} pledges, "
            f"{summary.regions:,} regions in {total:.1f} s "
            f"({rows:,} rows in all tables, {rows / total:,.0f} rows/s)"
        )
        with unit_of_work(engine) as session:
            rebuild = timed(lambda: rebuild_stats(session))
        print(f"[{backend}] rebuild_stats: {rebuild:.2f} s")
        with open_session(engine) as session:
            county = session.execute(
                sa.select(col(Region.id))
                .where(col(Region.level) == 3)
                .order_by(col(Region.id))
                .limit(1)
            ).scalar_one()
        for label, scope in (("instance", INSTANCE_SCOPE), ("county", county)):
            median, p95 = read_ms(engine, scope)
            print(f"[{backend}] read_stats ({label}): median {median:.2f} ms, p95 {p95:.2f} ms")
    finally:
        engine.dispose()


def main() -> None:
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with sqlite_url() as url:
        run("sqlite", url, households, seed)
    base = os.environ.get("AIDBRIDGE_TEST_POSTGRES_URL")
    if base:
        with postgres_url(base) as url:
            run("postgresql", url, households, seed)
    else:
        print("[postgresql] skipped: set AIDBRIDGE_TEST_POSTGRES_URL to include it")


if __name__ == "__main__":
    main()
