"""The public request list's first page is an index walk that stops at the page size: for
the headline page (anonymous, newest first), each common filter and each ordering, on
both backends, with the statement the live API runs on a few thousand requests. A plan
that reads or sorts every public request (what the page cost before: all households
scanned, every public request sorted) fails here, not only in a benchmark."""

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

CARD = (
    "nodes { id title { text } urgency status category { label } target { formatted } "
    "household { publicCode membersCount region { name } causes { label } } }"
)
LIST = (
    "query($filter: HelpRequestFilter, $orderBy: HelpRequestOrder, $first: Int!) {"
    " helpRequests(filter: $filter, orderBy: $orderBy, first: $first) { " + CARD + " } }"
)
BIG_TABLES = ("help_request", "household", "household_cause")


def public_pages(engine: Any, public_level: int) -> dict[str, dict[str, Any]]:
    """The variables of each first page: the headline, the frontend's filters (a region
    at the public level, a category, urgency, status, the commonest cause, kind) and
    orderings, and the home page's featured requests."""
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
        "category": {"first": 50, "filter": {"category": "MEDICAL"}},
        "urgency": {"first": 50, "filter": {"urgency": ["CRITICAL"]}},
        "urgencies": {"first": 50, "filter": {"urgency": ["HIGH", "CRITICAL"]}},
        "status": {"first": 50, "filter": {"status": ["OPEN"]}},
        "cause": {"first": 50, "filter": {"cause": common_cause}},
        "kind": {"first": 50, "filter": {"kind": "IN_KIND"}},
        "most urgent": {"first": 50, "orderBy": {"field": "MOST_URGENT"}},
        "oldest unmet": {"first": 50, "orderBy": {"field": "OLDEST_UNMET"}},
        "deadline soonest": {"first": 50, "orderBy": {"field": "DEADLINE_SOONEST"}},
        "oldest first": {"first": 50, "orderBy": {"field": "NEWEST", "direction": "ASC"}},
        "featured": {
            "first": 3,
            "orderBy": {"field": "MOST_URGENT"},
            "filter": {"status": ["OPEN"]},
        },
        "category, open, most urgent": {
            "first": 12,
            "orderBy": {"field": "MOST_URGENT"},
            "filter": {"status": ["OPEN"], "category": "EDUCATION"},
        },
    }


def bad_plans(api: Any, engine: Any, pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    bad = {}
    for name, variables in pages.items():
        with capturing(engine) as captured:
            nodes = api.data(LIST, variables)["helpRequests"]["nodes"]
        assert nodes, name  # a page with rows: the walk had something to find
        statement, parameters = captured.listing("help_request")
        problems, plan = plan_problems(engine, statement, parameters, "help_request", BIG_TABLES)
        if problems:
            bad[name] = {"problems": problems, "plan": plan, "statement": statement[-400:]}
    return bad


@pytest.fixture
def plan_data(backend, engine, settings):
    load_plan_data(engine, settings.instance)
    yield
    if backend.name == "sqlite":
        forget_statistics(engine)  # the shared test database's later tests plan as before


def test_public_request_pages_walk_an_index_and_stop(api, backend, engine, settings, plan_data):
    pages = public_pages(engine, settings.instance.public_region_level)
    if backend.name == "sqlite":
        # Most embedded databases never ran ANALYZE: the plan must not depend on it.
        forget_statistics(engine)
        bad = bad_plans(api, engine, pages)
        assert not bad, pformat(bad, width=120)
    analyze(engine)
    bad = bad_plans(api, engine, pages)
    assert not bad, pformat(bad, width=120)
