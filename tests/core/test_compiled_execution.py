"""Compiled query plans (api/graphql/compiled.py) answer exactly what graphql-core's
execution answers, over real HTTP: every registered query of schema/operations/ that runs
without arguments, as each demo role and in two languages, plus documents with aliases,
fragments, `__typename`, variables, errors and directives. An error anywhere falls back to
graphql-core, so errors, paths and partial data are graphql-core's own."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import NonNullTypeNode, OperationDefinitionNode, OperationType, parse

from api.accounts.service import create_token
from api.app import create_app
from api.core.db import unit_of_work
from api.demo.generate import (
    ADMIN_EMAIL,
    CASEWORKER_EMAIL,
    DEMO_PASSWORD,
    HELPER_EMAIL,
    HOUSEHOLD_EMAIL,
    generate_demo_data,
)
from api.graphql import compiled
from api.graphql.compiled import CompiledExecutionContext
from api.graphql.context import Context
from api.schema import schema
from bench.operations import HEADLINE
from tests.conftest import LiveServer

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
LOCALES = ("en", "zh_Hans")
TODAY = date(2026, 3, 1)


def _runnable_queries() -> list[tuple[str, str, str]]:
    """(file, operation name, document) of every query whose variables are all optional."""
    found = []
    for path in sorted(OPERATIONS.glob("*.graphql")):
        text = path.read_text()
        for definition in parse(text).definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.operation != OperationType.QUERY or definition.name is None:
                continue
            required = [
                v
                for v in definition.variable_definitions or ()
                if isinstance(v.type, NonNullTypeNode) and v.default_value is None
            ]
            if not required:
                found.append((path.name, definition.name.value, text))
    return found


QUERIES = _runnable_queries()


@pytest.fixture
def url(backend: Any) -> Iterator[str]:
    """A server of the backend's database without the response cache: every answer here
    is executed, compiled or not."""
    settings = backend.settings
    uncached = replace(settings, response_cache=replace(settings.response_cache, enabled=False))
    server = LiveServer(create_app(uncached, backend.engine))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def demo(backend: Any) -> dict[str, str | None]:
    """The demo instance, and a token for each of its roles (None: anonymous)."""
    generate_demo_data(
        backend.engine,
        households=40,
        seed=3,
        today=date(2026, 3, 1),
        instance=backend.settings.instance,
    )
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, email in (
        ("admin", ADMIN_EMAIL),
        ("caseworker", CASEWORKER_EMAIL),
        ("helper", HELPER_EMAIL),
        ("household", HOUSEHOLD_EMAIL),
    ):
        with unit_of_work(backend.engine) as session:
            _account, token = create_token(
                session, email=email, password=DEMO_PASSWORD, secret_key=backend.settings.secret_key
            )
        tokens[role] = token
    return tokens


def _post(
    url: str,
    document: str,
    *,
    operation: str | None = None,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    locale: str = "en",
) -> str:
    headers = {"X-Aidbridge-Locale": locale}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body: dict[str, Any] = {"query": document, "variables": variables or {}}
    if operation:
        body["operationName"] = operation
    response = httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.text


def _both_ways(
    monkeypatch: pytest.MonkeyPatch, url: str, document: str, **kwargs: Any
) -> tuple[str, str, int, int]:
    """The answer compiled and the answer of graphql-core's execution, and how many runs
    were compiled and how many fell back while the first was answered."""
    compiled_before = CompiledExecutionContext.compiled_runs
    fallback_before = CompiledExecutionContext.deoptimized_runs
    fast = _post(url, document, **kwargs)
    counts = (
        CompiledExecutionContext.compiled_runs - compiled_before,
        CompiledExecutionContext.deoptimized_runs - fallback_before,
    )
    with monkeypatch.context() as patched:
        patched.setattr(compiled, "plan_for", lambda context: None)
        slow = _post(url, document, **kwargs)
    return fast, slow, *counts


@pytest.mark.parametrize("role", ["anonymous", "admin", "caseworker", "helper", "household"])
def test_every_registered_query_answers_the_same_compiled_for_every_role_and_language(
    url, demo, monkeypatch, role
):
    assert len(QUERIES) >= 20
    # Every role in the default language; the roles that see most also in another script.
    locales = LOCALES if role in ("anonymous", "admin") else LOCALES[:1]
    compiled_total = 0
    answered_but_not_compiled = []
    for file, operation, document in QUERIES:
        for locale in locales:
            fast, slow, compiled_runs, _ = _both_ways(
                monkeypatch, url, document, operation=operation, token=demo[role], locale=locale
            )
            assert fast == slow, (file, operation, role, locale)
            compiled_total += compiled_runs
            if compiled_runs == 0 and "errors" not in json.loads(fast):
                answered_but_not_compiled.append((operation, document))
    # Every answer without errors came from the compiled plan, unless its document holds a
    # directive (which plans leave to graphql-core); an answer with errors fell back.
    assert compiled_total > 0
    assert [op for op, document in answered_but_not_compiled if "@" not in document] == []


def test_the_headline_read_runs_compiled_with_the_same_statements(
    url, demo, monkeypatch, sql_counter
):
    _post(url, HEADLINE)  # the plan is compiled on the first run
    sql_counter.reset()
    fast, slow, compiled_runs, fallbacks = _both_ways(monkeypatch, url, HEADLINE)
    statements = sql_counter.statements
    assert (compiled_runs, fallbacks) == (1, 0)
    assert fast == slow
    assert len(json.loads(fast)["data"]["helpRequests"]["nodes"]) > 10
    # The compiled run and graphql-core's ran the same statements.
    half = len(statements) // 2
    assert statements[:half] == statements[half:]


SHAPES = """
query Shapes($first: Int!, $urgent: [Urgency!]) {
  page: helpRequests(first: $first, filter: {urgency: $urgent}) {
    __typename
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...Card } }
  }
  again: helpRequests(first: 2) { nodes { id ... on HelpRequest { urgency } } }
  stats { householdsRegistered }
  __typename
}
fragment Card on HelpRequest {
  id
  __typename
  title { text language isTranslation }
  ...Money
  household { publicCode region { id name } causes { code label } }
  title2: title { text }
}
fragment Money on HelpRequest { target { amountMinor currency formatted } }
"""


@pytest.mark.parametrize(
    "variables", [{"first": 5}, {"first": 3, "urgent": ["HIGH", "CRITICAL"]}, {"first": 0}]
)
def test_aliases_fragments_typenames_and_variables_answer_the_same_compiled(
    url, demo, monkeypatch, variables
):
    fast, slow, compiled_runs, fallbacks = _both_ways(
        monkeypatch, url, SHAPES, variables=variables, locale="zh_Hans"
    )
    assert (compiled_runs, fallbacks) == (1, 0)
    assert fast == slow
    assert "errors" not in json.loads(fast)


def test_an_error_falls_back_and_answers_graphql_cores_errors_and_data(url, demo, monkeypatch):
    """Anonymous callers may not read the audit trail: the field errors, the rest answers."""
    document = "{ stats { householdsRegistered } auditEvents(first: 2) { nodes { id } } }"
    fast, slow, compiled_runs, fallbacks = _both_ways(monkeypatch, url, document)
    assert (compiled_runs, fallbacks) == (0, 1)
    assert fast == slow
    error = json.loads(fast)["errors"][0]
    assert error["path"] == ["auditEvents"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_document_with_a_field_directive_is_not_compiled_and_answers_the_same(
    url, demo, monkeypatch
):
    document = (
        "query($skip: Boolean!) { stats { householdsRegistered requestsMade @skip(if: $skip) } }"
    )
    for skip in (True, False):
        fast, slow, compiled_runs, fallbacks = _both_ways(
            monkeypatch, url, document, variables={"skip": skip}
        )
        assert (compiled_runs, fallbacks) == (0, 0)
        assert fast == slow
        assert ("requestsMade" in fast) is not skip


def test_mutations_never_run_compiled(url, demo, monkeypatch):
    document = "mutation { tokenRevoke { __typename } }"
    _fast, _slow, compiled_runs, fallbacks = _both_ways(monkeypatch, url, document)
    assert (compiled_runs, fallbacks) == (0, 0)


def test_plans_stay_right_while_threads_compile_and_evict_them(backend, monkeypatch):
    """Operations run in worker threads: with room for two plans and eight threads asking
    for forty documents each, every answer is still right and none errors."""
    monkeypatch.setattr(compiled, "MAX_PLANS", 2)
    failures: list[object] = []

    def work(thread: int) -> None:
        for i in range(40):
            alias = f"t{thread}_{i}"
            document = f"{{ {alias}: stats {{ householdsRegistered }} __typename }}"
            context = Context(settings=backend.settings, engine=backend.engine)
            result = schema.execute_sync(document, context_value=context)
            if result.errors or set(result.data or {}) != {alias, "__typename"}:
                failures.append(result.errors or result.data)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(compiled._PLANS) <= 2
