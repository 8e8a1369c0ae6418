"""The public household list's first page (newest registration first, anonymous, and with
the region and cause filters) is a walk of the partial index of public households that
stops at the page size, on both backends, with the statement the live API runs."""

from __future__ import annotations

from pprint import pformat
from typing import Any

import pytest
import sqlalchemy as sa

from tests.plans import (
    analyze,
    capturing,
    forget_statistics,
    global_id,
    load_plan_data,
    plan_problems,
)

LIST = (
    "query($filter: HouseholdFilter, $first: Int!) { households(filter: $filter, first: $first)"
    " { nodes { publicCode membersCount region { name } causes { label } } } }"
)
BIG_TABLES = ("household", "household_cause")


def public_pages(engine: Any, public_level: int) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        region = connection.execute(
            sa.text("SELECT id FROM region WHERE level = :level ORDER BY id LIMIT 1"),
            {"level": public_level},
        ).scalar_one()
        common_cause = connection.execute(
            sa.text(
                "SELECT cause_code FROM household_cause GROUP BY cause_code "
                "ORDER BY count(*) DESC, cause_code LIMIT 1"
            )
        ).scalar_one()
    return {
        "headline": {"first": 50},
        "region": {"first": 50, "filter": {"region": global_id("Region", region)}},
        "cause": {"first": 50, "filter": {"cause": common_cause}},
    }


def bad_plans(api: Any, engine: Any, pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    bad = {}
    for name, variables in pages.items():
        with capturing(engine) as captured:
            assert api.data(LIST, variables)["households"]["nodes"], name
        statement, parameters = captured.listing("household")
        problems, plan = plan_problems(engine, statement, parameters, "household", BIG_TABLES)
        if problems:
            bad[name] = {"problems": problems, "plan": plan, "statement": statement[-400:]}
    return bad


@pytest.fixture
def plan_data(backend, engine, settings):
    load_plan_data(engine, settings.instance)
    yield
    if backend.name == "sqlite":
        forget_statistics(engine)  # the shared test database's later tests plan as before


def test_public_household_pages_walk_an_index_and_stop(api, backend, engine, settings, plan_data):
    pages = public_pages(engine, settings.instance.public_region_level)
    if backend.name == "sqlite":
        # Most embedded databases never ran ANALYZE: the plan must not depend on it.
        forget_statistics(engine)
        bad = bad_plans(api, engine, pages)
        assert not bad, pformat(bad, width=120)
    analyze(engine)
    bad = bad_plans(api, engine, pages)
    assert not bad, pformat(bad, width=120)
