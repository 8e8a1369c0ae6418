"""Query plans of the statements the real API runs, for the plan tests (test_plans.py).

A statement is captured at the cursor, exactly as the live server sends it (literals and
parameters included) while a real HTTP request runs, then explained on the same database:
SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN (FORMAT JSON)`. The data is the demo
generator's at a few thousand households, with the planner's statistics as a deployment
has them (SQLite: none, and after ANALYZE; PostgreSQL: after ANALYZE, which autovacuum
runs)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api.demo.generate import generate_demo_data

# The demo generator's instance at a small size, its households (with their causes) and
# requests then copied: enough rows that a plan which reads or sorts a whole table costs
# what it would in production (6,000 households, 7,500 requests), loaded in seconds.
DEMO_HOUSEHOLDS = 500
COPIES = 12
TODAY = date(2026, 3, 1)


def load_plan_data(engine: Engine, instance: Any) -> None:
    generate_demo_data(engine, households=DEMO_HOUSEHOLDS, seed=23, today=TODAY, instance=instance)
    metadata = sa.MetaData()
    household, cause, request = (
        sa.Table(name, metadata, autoload_with=engine)
        for name in ("household", "household_cause", "help_request")
    )
    with engine.begin() as connection:
        households = connection.execute(sa.select(sa.func.max(household.c.id))).scalar_one()
        requests = connection.execute(sa.select(sa.func.max(request.c.id))).scalar_one()
        for copy in range(1, COPIES):
            changed = {
                household: {
                    "id": household.c.id + copy * households,
                    "public_code": household.c.public_code + f"-{copy}",
                },
                cause: {"household_id": cause.c.household_id + copy * households},
                request: {
                    "id": request.c.id + copy * requests,
                    "household_id": request.c.household_id + copy * households,
                },
            }
            for table, replaced in changed.items():
                source = table.c.household_id if table is not household else table.c.id
                columns = [replaced.get(c.name, c) for c in table.columns]
                connection.execute(
                    sa.insert(table).from_select(
                        [c.name for c in table.columns],
                        sa.select(*columns).where(source <= households),
                    )
                )


def analyze(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()  # new connections read the new statistics
    forget_cached_answers(engine)


def forget_cached_answers(engine: Engine) -> None:
    """Every table's generation moves on, so the response cache answers nothing it kept
    from a page measured before: the next query runs its statements again."""
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE cache_generation SET generation = generation + 1")


def forget_statistics(engine: Engine) -> None:
    """SQLite as most embedded databases are: never analyzed."""
    with engine.begin() as connection:
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first():
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    engine.dispose()  # connections keep the statistics they read
    forget_cached_answers(engine)


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


@dataclass
class Captured:
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def listing(self, table: str) -> tuple[str, Any]:
        """The one statement that reads a page of `table` (ordered, limited)."""
        found = [
            (statement, parameters)
            for statement, parameters in self.statements
            if re.search(rf"\bFROM {table}\b", statement)
            and "ORDER BY" in statement
            and "LIMIT" in statement
        ]
        assert len(found) == 1, [s for s, _ in self.statements]
        return found[0]


@contextmanager
def capturing(engine: Engine) -> Iterator[Captured]:
    captured = Captured()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def sqlite_plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The details of `EXPLAIN QUERY PLAN`, one line per step."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return [str(row[3]) for row in rows]


def sqlite_walk_problems(plan: list[str], tables: tuple[str, ...]) -> list[str]:
    """What makes the plan read more than a page: a table read without an index, an IN
    list built from a subquery, a sort of the rows found."""
    problems = []
    for step in plan:
        scanned = re.match(r"SCAN (\w+)", step)
        if scanned and scanned.group(1) in tables and "USING" not in step:
            problems.append(step)
        if "TEMP B-TREE" in step or step.startswith("LIST SUBQUERY"):
            problems.append(step)
    return problems


def postgres_plan(engine: Engine, statement: str, parameters: Any) -> dict[str, Any]:
    with engine.connect() as connection:
        raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
        document = raw.scalar_one()
    plan = json.loads(document) if isinstance(document, str) else document
    top: dict[str, Any] = plan[0]["Plan"]
    return top


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def postgres_walk_problems(plan: dict[str, Any], table: str, tables: tuple[str, ...]) -> list[str]:
    """What makes the plan read more than a page: no Limit on top, a sequential or bitmap
    read of a big table, a sort, a hash of a big table; and `table` must be read through
    an index scan (in the list's order)."""
    problems = []
    if plan["Node Type"] != "Limit":
        problems.append(f"top node {plan['Node Type']}, not Limit")
    walked = False
    for node in _nodes(plan):
        kind = node["Node Type"]
        relation = node.get("Relation Name")
        if kind in ("Sort", "Incremental Sort", "Hash", "Materialize"):
            problems.append(kind)
        if relation in tables and kind in ("Seq Scan", "Bitmap Heap Scan"):
            problems.append(f"{kind} on {relation}")
        if relation == table and kind in ("Index Scan", "Index Only Scan"):
            walked = True
    if not walked:
        problems.append(f"no index scan of {table}")
    return problems


def outline(node: dict[str, Any], depth: int = 0) -> list[str]:
    """A PostgreSQL plan, one line per node: what it does, to what, how many rows."""
    where = node.get("Index Name") or node.get("Relation Name") or ""
    line = f"{'  ' * depth}{node['Node Type']} {where} rows={node.get('Plan Rows')}"
    return [line] + [row for child in node.get("Plans", []) for row in outline(child, depth + 1)]


def plan_problems(
    engine: Engine, statement: str, parameters: Any, table: str, tables: tuple[str, ...]
) -> tuple[list[str], Any]:
    """The problems of the statement's plan, and the plan (for the failure message)."""
    if engine.dialect.name == "sqlite":
        steps = sqlite_plan(engine, statement, parameters)
        return sqlite_walk_problems(steps, tables), steps
    tree = postgres_plan(engine, statement, parameters)
    return postgres_walk_problems(tree, table, tables), outline(tree)
