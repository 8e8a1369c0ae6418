"""What an operation may ask for and how long it may run: its cost is measured from the
document and variables in linear time and refused over the limit before anything runs,
and an operation past its time limit stops with TIMEOUT and leaves nothing written. The
attacks of issue 10 are replayed over real HTTP on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from graphql import OperationDefinitionNode, parse, print_ast
from sqlmodel import Session, select

from api.app import create_app
from api.core.deadline import clock, deadline
from api.core.http_limits import MAX_JSON_ARRAY
from api.core.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from api.core.roles import Role
from api.core.settings import ConfigError, load_settings
from api.frontend.build import operation_documents
from api.graphql import cost
from api.graphql.cost import (
    DEFAULT_MAX_NODES,
    INTROSPECTION_NODES,
    LIST_ESTIMATE,
    Measure,
    measure,
    operation_of,
)
from api.regions import service as regions
from api.regions.models import Region
from api.schema import schema
from tests import factories
from tests.conftest import LiveServer

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "schema" / "operations"
# The list fan-out of issue 10: within depth 12, 40 aliases and 4,000 tokens, it ran 35 s.
FAN_OUT = (
    "{ "
    + " ".join(
        f"a{i}: helpRequests(first: 100) {{ edges {{ node {{ household {{ openRequests {{"
        " household { openRequests { household { openRequests { household {"
        " thanks { message } } } } } } } } } } }"
        for i in range(40)
    )
    + " }"
)
CAMPAIGN_BACKERS = (
    "campaigns(first: $campaigns) { nodes { backers(first: $backers) { nodes { name } } } }"
)
# 5 * (campaigns + campaigns * backers) objects: 5 * (100 + 100 * 99) is the limit exactly.
NEAR_THE_LIMIT = (
    "query($campaigns: Int!, $backers: Int!) { "
    + " ".join(f"c{i}: {CAMPAIGN_BACKERS}" for i in range(5))
    + " }"
)


def fragment_fan_out(count: int, leaf: str = "__typename") -> str:
    """`query{...F0}`, each fragment spreading the next twice: 2^(count-1) paths."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)]
    fragments.append(f"fragment F{count - 1} on Query {{ {leaf} }}")
    return "query { ...F0 } " + " ".join(fragments)


def measured(document: str, variables: dict[str, Any] | None = None) -> Measure:
    parsed = parse(document)
    operation = operation_of(parsed, None)
    assert operation is not None
    return measure(schema._schema, parsed, operation, variables)


def timed_post(api: Any, body: dict[str, Any]) -> tuple[httpx.Response, float]:
    """The response, and the best of three round trips in seconds (so a busy machine's
    one slow moment does not decide a test about the server's work)."""
    api.http.post("/graphql", json={"query": "{ instance { name } }"})  # warm up
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        response = api.http.post("/graphql", json=body)
        best = min(best, time.perf_counter() - started)
    return response, best


def codes(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


# The measure: GitHub's node count.


def test_a_page_counts_its_objects_and_first_0_costs_nothing():
    assert measured("{ regions(first: 7) { nodes { id } } }").nodes == 7
    assert measured("{ regions(first: 0) { nodes { id } } }") == Measure(2, 0, 0)
    assert measured("{ regions(first: 0) { nodes { id } } }").cost == 1


def test_a_missing_first_counts_the_fields_default_page():
    assert measured("{ regions { nodes { id } } }").nodes == DEFAULT_PAGE_SIZE
    # Campaign.updates takes `first` with its own default, 5.
    assert measured("{ campaigns(first: 1) { nodes { updates { title } } } }").nodes == 1 + 5


def test_page_sizes_are_clamped_to_the_largest_page():
    assert measured("{ regions(first: 5000) { nodes { id } } }").nodes == MAX_PAGE_SIZE
    assert measured("{ regions(first: -5) { nodes { id } } }").nodes == 0


def test_nested_connections_multiply():
    document = (
        "{ campaigns(first: 10) { edges { node { backers(first: 30) { nodes { name } } } } } }"
    )
    assert measured(document).nodes == 10 + 10 * 30
    assert measured(document).cost == 4  # 310 objects per hundred, rounded up


def test_page_sizes_come_from_variables_and_their_defaults():
    document = "query($n: Int!) { regions(first: $n) { nodes { id } } }"
    assert measured(document, {"n": 42}).nodes == 42
    with_default = "query($n: Int = 9) { regions(first: $n) { nodes { id } } }"
    assert measured(with_default).nodes == 9
    assert measured(with_default, {"n": 3}).nodes == 3


def test_lists_without_a_page_count_an_estimate_or_their_ids():
    document = "{ helpRequests(first: 2) { nodes { household { openRequests { id } } } } }"
    assert measured(document).nodes == 2 + 2 * LIST_ESTIMATE
    ids = "query($ids: [ID!]!) { nodes(ids: $ids) { id } } "
    assert measured(ids, {"ids": ["a", "b", "c"]}).nodes == 3
    assert measured('{ nodes(ids: ["a", "b"]) { id } }').nodes == 2
    assert measured("{ instance { name } }").nodes == 0


def test_introspection_has_a_fixed_weight():
    assert (
        measured("{ __schema { types { name fields { name } } } }").nodes
        == (INTROSPECTION_NODES["__schema"])
    )
    aliased = (
        "{ " + " ".join(f"s{i}: __schema {{ queryType {{ name }} }}" for i in range(40)) + " }"
    )
    assert measured(aliased).nodes > DEFAULT_MAX_NODES
    assert measured("{ __typename }").nodes == 0


def test_fragments_are_measured_once_and_count_where_they_spread(monkeypatch):
    # Counted in visits, not seconds: a busy machine must not decide it.
    visits = 0
    original = cost._Measurer.selections

    def counting(self: Any, *args: Any) -> Measure:
        nonlocal visits
        visits += 1
        return original(self, *args)

    monkeypatch.setattr(cost._Measurer, "selections", counting)
    found = measured(fragment_fan_out(200, "regions(first: 100) { nodes { id } }"))
    assert visits <= 3 * 200  # each fragment's selection once (and the page below it)
    assert found.nodes == 2**199 * 100
    assert found.depth == 2
    inline = '{ node(id: "x") { ... on Region { children: parent { name } } } }'
    assert measured(inline) == Measure(2, 1, 0)


def test_the_depth_counts_fields_with_selections():
    assert measured("{ regions { nodes { parent { parent { id } } } } }").depth == 4


def test_every_registered_operation_is_well_under_the_limit():
    """The frontend's documents (as the build sends them) and every other registered one,
    with their default variables, and with every page-size variable at the largest page."""
    documents = dict(operation_documents(OPERATIONS_DIR))
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        if not path.name.startswith("frontend"):
            documents[path.name] = path.read_text(encoding="utf-8")
    seen = 0
    for name, text in documents.items():
        parsed = parse(text)
        for operation in parsed.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            largest = {
                definition.variable.name.value: MAX_PAGE_SIZE
                for definition in operation.variable_definitions or ()
                if print_ast(definition.type).rstrip("!") == "Int"
            }
            for variables in ({}, largest):
                found = measure(schema._schema, parsed, operation, variables)
                assert found.nodes < DEFAULT_MAX_NODES / 10, (name, operation.name, found)
            seen += 1
    assert seen > 100


# The limits over HTTP.


def test_the_list_fan_out_is_refused_at_once_with_its_cost(api):
    response, seconds = timed_post(api, {"query": FAN_OUT})

    assert codes(response) == ["QUERY_TOO_COMPLEX"]
    assert seconds < 0.1
    body = response.json()
    assert body.get("data") is None
    error = body["errors"][0]
    per_alias = 100 + 100 * (10 + 10 * (10 + 10 * (10 + 10 * 10)))
    assert error["extensions"]["nodes"] == 40 * per_alias
    assert error["extensions"]["cost"] == 40 * per_alias // 100
    assert error["extensions"]["limit"] == DEFAULT_MAX_NODES
    assert "50,000" in error["message"]


def test_the_refusal_is_in_the_requests_language(api):
    response = api.http.post(
        "/graphql", json={"query": FAN_OUT}, headers={"X-Aidbridge-Locale": "fr"}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "50" in error["message"] and "This query" not in error["message"]


def test_nodes_with_more_ids_than_a_page_is_refused_before_it_runs(api):
    # Given as many IDs as a request's JSON array may hold (40,000 ran into the timeout).
    ids = ["UmVnaW9uOjE="] * MAX_JSON_ARRAY
    document = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Region { name } } }"

    response, seconds = timed_post(api, {"query": document, "variables": {"ids": ids}})

    assert codes(response) == ["BAD_PAGE_SIZE"]
    assert seconds < 0.5
    assert response.json().get("data") is None
    error = response.json()["errors"][0]
    assert error["extensions"]["limit"] == MAX_PAGE_SIZE
    assert "1,000" in error["message"]
    french = api.http.post(
        "/graphql",
        json={"query": document, "variables": {"ids": ids[:101]}},
        headers={"X-Aidbridge-Locale": "fr"},
    )
    message = french.json()["errors"][0]["message"]
    assert "101" in message and "at most" not in message
    exactly_a_page = {"query": document, "variables": {"ids": ids[:MAX_PAGE_SIZE]}}
    assert codes(api.http.post("/graphql", json=exactly_a_page)) == []


@pytest.mark.parametrize("count", [20, 30])
def test_the_fragment_fan_out_is_answered_at_once(api, count):
    response, seconds = timed_post(api, {"query": fragment_fan_out(count)})

    assert codes(response) == []
    assert response.json()["data"] == {"__typename": "Query"}
    assert seconds < 0.1


@pytest.mark.parametrize("count", [20, 30])
def test_a_fragment_fan_out_over_a_list_is_refused_at_once(api, count):
    document = fragment_fan_out(count, "regions(first: 100) { nodes { id } }")
    response, seconds = timed_post(api, {"query": document})

    assert codes(response) == ["QUERY_TOO_COMPLEX"]
    assert seconds < 0.1


def test_repeated_selections_are_validated_at_once(api):
    """graphql-core compares same-named fields pairwise; its budget is lowered so 500
    repeated selections (12 KB, within the token limit) stop quickly."""
    document = "{ " + " ".join(["regions { nodes { id } }"] * 500) + " }"
    response, seconds = timed_post(api, {"query": document})

    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert seconds < 0.1


def test_forty_aliased_schemas_are_refused(api):
    aliased = (
        "{ " + " ".join(f"s{i}: __schema {{ queryType {{ name }} }}" for i in range(40)) + " }"
    )
    assert codes(api.http.post("/graphql", json={"query": aliased})) == ["QUERY_TOO_COMPLEX"]
    one = api.http.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert codes(one) == []


def test_a_document_at_the_limit_passes_and_one_just_over_fails(api):
    at_the_limit = {"campaigns": 100, "backers": 99}
    assert measured(NEAR_THE_LIMIT, at_the_limit).nodes == DEFAULT_MAX_NODES
    passed = api.http.post("/graphql", json={"query": NEAR_THE_LIMIT, "variables": at_the_limit})
    assert codes(passed) == []
    assert passed.json()["data"]["c0"] == {"nodes": []}

    over = {"campaigns": 100, "backers": 100}
    refused = api.http.post("/graphql", json={"query": NEAR_THE_LIMIT, "variables": over})
    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused.json()["errors"][0]["extensions"]["nodes"] == 5 * (100 + 100 * 100)


def test_the_depth_and_alias_limits_still_hold_through_fragments(api):
    nested = "id"
    for _ in range(13):
        nested = f"parent {{ {nested} }}"
    document = f"{{ ...R }} fragment R on Query {{ regions {{ nodes {{ {nested} }} }} }}"
    response = api.http.post("/graphql", json={"query": document})
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in response.json()["errors"][0]["message"]

    aliases = " ".join(f"a{i}: instance {{ name }}" for i in range(21))
    twice = f"{{ ...A ...A }} fragment A on Query {{ {aliases} }}"
    response = api.http.post("/graphql", json={"query": twice})
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "42 aliases" in response.json()["errors"][0]["message"]


def test_the_node_limit_is_a_setting(backend):
    server = LiveServer(create_app(replace(backend.settings, max_query_nodes=10), backend.engine))
    try:
        small = "{ regions(first: 10) { nodes { id } } }"
        assert codes(httpx.post(f"{server.url}/graphql", json={"query": small})) == []
        large = "{ regions(first: 11) { nodes { id } } }"
        refused = httpx.post(f"{server.url}/graphql", json={"query": large})
        assert codes(refused) == ["QUERY_TOO_COMPLEX"]
        assert refused.json()["errors"][0]["extensions"]["limit"] == 10
    finally:
        server.stop()


# The time limit.


@pytest.fixture
def hasty(backend) -> Iterator[str]:
    """A server whose operations may take 0.3 s."""
    server = LiveServer(
        create_app(replace(backend.settings, operation_timeout=0.3), backend.engine)
    )
    yield server.url
    server.stop()


SLOW_SQL = {
    # Runs for seconds unless stopped.
    "postgresql": "SELECT pg_sleep(5)",
    "sqlite": (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000000)"
        " SELECT count(*) FROM c"
    ),
}
CREATE_REGIONS = """
mutation {
  first: regionCreate(input: {code: "T1", name: "One", level: 1}) { region { code } }
  second: regionCreate(input: {code: "T2", name: "Two", level: 1}) { region { code } }
}
"""


def region_codes(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Region.code)).all())


def test_a_slow_statement_is_stopped_by_the_database_at_the_deadline(backend, engine):
    started = clock()
    with (
        deadline(clock() + 0.2, engine),
        engine.connect() as connection,
        pytest.raises(sa.exc.OperationalError),
    ):
        connection.exec_driver_sql(SLOW_SQL[backend.name])
    assert clock() - started < 2
    with engine.connect() as connection:  # outside a deadline nothing is bounded
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_an_operation_past_its_deadline_is_a_timeout_and_writes_nothing(
    hasty, backend, engine, settings, monkeypatch
):
    admin = factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org")
    original = regions.create_region

    def slow_create_region(session: Session, **kwargs: Any) -> Region:
        created = original(session, **kwargs)
        session.execute(sa.text(SLOW_SQL[backend.name]))  # stopped at the deadline
        return created

    monkeypatch.setattr(regions, "create_region", slow_create_region)
    started = time.perf_counter()
    response = httpx.post(
        f"{hasty}/graphql",
        json={"query": CREATE_REGIONS},
        headers={"Authorization": f"Bearer {admin.token}"},
        timeout=30,
    )

    assert time.perf_counter() - started < 3
    assert codes(response) == ["TIMEOUT"]
    assert response.json()["data"] is None
    assert region_codes(engine) == []


def test_a_query_doing_too_much_work_times_out(backend, engine, settings):
    """Work in Python between fields, each quick, is stopped by the field-level check."""
    with Session(engine) as session:
        for i in range(100):
            regions.create_region(
                session, instance=settings.instance, code=f"R{i}", name="R", parent_id=None
            )
        session.commit()
    many = (
        "{ "
        + " ".join(
            f"r{i}: regions(first: 100) {{ nodes {{ code name levelName parent {{ name }} }} }}"
            for i in range(40)
        )
        + " }"
    )
    timeout = 0.05
    server = LiveServer(
        create_app(replace(backend.settings, operation_timeout=timeout), backend.engine)
    )
    try:
        started = time.perf_counter()
        response = httpx.post(f"{server.url}/graphql", json={"query": many}, timeout=30)
        seconds = time.perf_counter() - started
    finally:
        server.stop()

    assert codes(response) == ["TIMEOUT"]
    assert response.json()["data"] is None
    assert len(response.json()["errors"]) == 1
    assert seconds < timeout + 1


def test_operations_within_their_time_are_untouched(hasty, engine, settings):
    factories.region_tree(engine, settings)
    response = httpx.post(f"{hasty}/graphql", json={"query": "{ regions { nodes { code } } }"})
    assert codes(response) == []
    assert response.json()["data"]["regions"]["nodes"] == [{"code": "P1"}, {"code": "P2"}]


# Settings.


def test_the_limits_default_and_are_read_from_the_environment(tmp_path):
    defaults = load_settings({"SECRET_KEY": "k" * 40}, workdir=tmp_path)
    assert (defaults.max_query_nodes, defaults.operation_timeout) == (50_000, 10.0)
    chosen = load_settings(
        {
            "SECRET_KEY": "k" * 40,
            "AIDBRIDGE_MAX_QUERY_NODES": "2000",
            "AIDBRIDGE_OPERATION_TIMEOUT": "2.5",
        },
        workdir=tmp_path,
    )
    assert (chosen.max_query_nodes, chosen.operation_timeout) == (2000, 2.5)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("AIDBRIDGE_MAX_QUERY_NODES", "0"),
        ("AIDBRIDGE_MAX_QUERY_NODES", "lots"),
        ("AIDBRIDGE_OPERATION_TIMEOUT", "0"),
        ("AIDBRIDGE_OPERATION_TIMEOUT", "soon"),
        ("AIDBRIDGE_OPERATION_TIMEOUT", "nan"),
    ],
)
def test_invalid_limits_stop_start_up(tmp_path, setting, value):
    with pytest.raises(ConfigError) as raised:
        load_settings({"SECRET_KEY": "k" * 40, setting: value}, workdir=tmp_path)
    assert raised.value.setting == setting


def test_nodes_counts_every_id_it_is_given():
    ids = "query($ids: [ID!]!) { nodes(ids: $ids) { id } } "
    found = measured(ids, {"ids": ["a"] * 250})
    assert found.ids == 250
    assert found.nodes == 100  # the page it may return: more is refused


def test_enum_labels_count_one_label_set_per_name():
    document = "query($e: [String!]) { enumLabels(enums: $e) { values { label } } }"
    assert measured(document, {"e": ["Urgency"] * 30}).nodes == 30 + 30 * LIST_ESTIMATE
