"""What every fuzzed answer must satisfy, and the bounds of a fuzzing run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, seed, settings

SDL = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = graphql.build_schema(SDL)
EXAMPLES = int(os.environ.get("AIDBRIDGE_FUZZ_EXAMPLES", "150"))
# Unset: derandomized, the same documents on every run (CI). Set: other documents.
SEED = os.environ.get("AIDBRIDGE_FUZZ_SEED")

# Household fields only caseworkers covering the household and admins may read
# (api/households/types.py, `sensitive(...)`).
HOUSEHOLD_PERSONAL = frozenset(
    name
    for name, field in SCHEMA.type_map["Household"].fields.items()  # type: ignore[union-attr]
    if "Personal data" in (field.description or "")
)
# Both of the world's households are in P1; none of these covers P1 or is an admin.
OUTSIDERS = ("anonymous", "helper", "rep", "far_caseworker")
TRACEBACK_MARKS = ("Traceback", 'File "', '.py", line', "sqlalchemy.exc", "psycopg.")
# Mutations that would only log the fuzzing actors out (making later examples anonymous).
SKIPPED_MUTATIONS = {"tokenRevoke", "tokenRevokeAll"}
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - SKIPPED_MUTATIONS)  # type: ignore[union-attr]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    print_blob=True,
    # One world per test, shared by its examples: fuzzed mutations may change it, as a
    # real instance is changed by its users.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def reseeded(test: Any) -> Any:
    """The test with AIDBRIDGE_FUZZ_SEED as hypothesis's seed, when it is set."""
    return seed(int(SEED))(test) if SEED is not None else test


def with_typenames(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """Every selection set also asks `__typename`, so answers can be read by type."""

    class AddTypename(graphql.Visitor):
        def leave_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> Any:
            typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))
            return graphql.SelectionSetNode(selections=(*node.selections, typename))

    return graphql.visit(document, AddTypename())  # type: ignore[no-any-return]


def personal_values(document: graphql.DocumentNode, data: Any) -> list[str]:
    """Paths of household personal fields that came back non-null."""
    found: list[str] = []
    [operation] = [
        d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
    ]
    root = SCHEMA.get_root_type(operation.operation)
    assert root is not None
    _walk(operation.selection_set, root, data, "", found)
    return found


def _walk(
    selections: graphql.SelectionSetNode,
    parent: graphql.GraphQLNamedType,
    value: Any,
    path: str,
    found: list[str],
) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _walk(selections, parent, item, f"{path}[{index}]", found)
        return
    if not isinstance(value, dict):
        return
    concrete = SCHEMA.get_type(value.get("__typename", parent.name)) or parent
    for selection in selections.selections:
        if isinstance(selection, graphql.InlineFragmentNode):
            condition = selection.type_condition
            target = SCHEMA.get_type(condition.name.value) if condition else concrete
            if target is concrete or (
                isinstance(target, graphql.GraphQLAbstractType | graphql.GraphQLUnionType)
                and SCHEMA.is_sub_type(target, concrete)  # type: ignore[arg-type]
            ):
                _walk(selection.selection_set, concrete, value, path, found)
            continue
        if not isinstance(selection, graphql.FieldNode) or selection.name.value == "__typename":
            continue
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        here = f"{path}.{key}"
        personal = concrete.name == "Household" and name in HOUSEHOLD_PERSONAL
        if personal and value.get(key) is not None:
            found.append(here)
        fields = getattr(concrete, "fields", {})
        if selection.selection_set and name in fields:
            child = graphql.get_named_type(fields[name].type)
            _walk(selection.selection_set, child, value.get(key), here, found)


def check_answer(response: httpx.Response, who: str, document: graphql.DocumentNode) -> None:
    text = response.text
    assert response.status_code < 500, f"{who}: HTTP {response.status_code}: {text[:2000]}"
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{who}: traceback text {mark!r} in {text[:2000]}"
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, f"{who}: an error without extensions.code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"{who}: an unexpected error: {error}"
    if who in OUTSIDERS:
        leaked = personal_values(document, body.get("data"))
        assert not leaked, f"{who} read household personal fields: {leaked}"
