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
HOUSEHOLD = SCHEMA.type_map["Household"]
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
    """Every selection set also asks `__typename`, and `publicCode` where the object may
    be a household, so answers can be read by type and household."""
    type_info = graphql.TypeInfo(SCHEMA)

    class AskType(graphql.Visitor):
        def leave_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> Any:
            added: list[graphql.SelectionNode] = [_field("__typename")]
            parent = type_info.get_parent_type()
            if parent is HOUSEHOLD:
                added.append(_field("publicCode"))
            elif _may_be_household(parent):
                added.append(_household_code_fragment())
            return graphql.SelectionSetNode(selections=(*node.selections, *added))

    visitor = graphql.TypeInfoVisitor(type_info, AskType())
    return graphql.visit(document, visitor)  # type: ignore[no-any-return]


def _may_be_household(parent: Any) -> bool:
    abstract = isinstance(parent, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType)
    return abstract and SCHEMA.is_sub_type(parent, HOUSEHOLD)  # type: ignore[arg-type]


def _field(name: str) -> graphql.FieldNode:
    return graphql.FieldNode(name=graphql.NameNode(value=name))


def _household_code_fragment() -> graphql.InlineFragmentNode:
    return graphql.InlineFragmentNode(
        type_condition=graphql.NamedTypeNode(name=graphql.NameNode(value="Household")),
        selection_set=graphql.SelectionSetNode(selections=(_field("publicCode"),)),
    )


def personal_values(document: graphql.DocumentNode, data: Any) -> list[tuple[str, str | None]]:
    """Household personal fields that came back non-null: their paths, with the public
    code of the household they belong to."""
    found: list[tuple[str, str | None]] = []
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
    found: list[tuple[str, str | None]],
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
            found.append((here, value.get("publicCode")))
        fields = getattr(concrete, "fields", {})
        if selection.selection_set and name in fields:
            child = graphql.get_named_type(fields[name].type)
            _walk(selection.selection_set, child, value.get(key), here, found)


def check_answer(
    response: httpx.Response,
    who: str,
    document: graphql.DocumentNode,
    readable: frozenset[str] | None = frozenset(),
) -> None:
    """The rules of every answer. `readable`: the households whose personal fields `who`
    may read (None: all of them)."""
    text = response.text
    assert response.status_code < 500, f"{who}: HTTP {response.status_code}: {text[:2000]}"
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{who}: traceback text {mark!r} in {text[:2000]}"
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, f"{who}: an error without extensions.code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"{who}: an unexpected error: {error}"
    if readable is not None:
        found = personal_values(document, body.get("data"))
        leaked = [(path, code) for path, code in found if code not in readable]
        assert not leaked, f"{who} read household personal fields: {leaked}"


def readable_households(world: Any, who: str) -> frozenset[str] | None:
    """Whose personal fields each of the world's people may read: the caseworker covers
    the county of `household` only (`other_household` is in the next county), admins
    every household, the others none."""
    if who == "admin":
        return None
    if who == "caseworker":
        return frozenset({world.household_code})
    assert who in OUTSIDERS, who
    return frozenset()
