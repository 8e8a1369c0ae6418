"""Property tests over the whole schema: queries and mutations generated from the SDL by
hypothesis-graphql, sent over real HTTP as anonymous and as every role, on both backends.

Whatever is asked, the server answers below 500, with JSON whose every error carries
`extensions.code` (never INTERNAL_SERVER_ERROR, which is an unexpected exception), no
traceback text anywhere, and no household personal field for those who may not read it.

The run is bounded (a fixed number of examples, derandomized so CI is reproducible);
`AIDBRIDGE_FUZZ_EXAMPLES=2000 pytest tests/fuzz -n 2` fuzzes longer (docs/security.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests.crowdfunding import factories as campaigns
from tests.help_requests import factories as f
from tests.help_requests.factories import World
from tests.mall import factories as mall

SDL = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = graphql.build_schema(SDL)
EXAMPLES = int(os.environ.get("AIDBRIDGE_FUZZ_EXAMPLES", "60"))

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
    derandomize=True,
    database=None,
    print_blob=True,
    # One world per test, shared by its examples: fuzzed mutations may change it, as a
    # real instance is changed by its users.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _scalars(ids: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Custom scalars, and IDs that are mostly real (else every lookup is NOT_FOUND)."""
    id_values = st.one_of(st.sampled_from(ids), st.text(max_size=12), st.integers().map(str))
    return {
        "ID": id_values.map(nodes.String),
        "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
        "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z")),
        "MinorUnits": st.integers(-(10**16), 10**16).map(nodes.Int),
        "Upload": st.just(graphql.NullValueNode()),
    }


@pytest.fixture
def fuzz_world(world: World) -> tuple[World, list[str]]:
    """The request world plus what the public can reach (an open request, a product of
    the household's seller, an active campaign), and the global IDs to fuzz with: the
    world's own, foreign-typed and malformed ones."""
    request = f.published(world)
    seller = mall.seller(world)
    product = mall.product(world, seller)
    campaign = campaigns.active(world)
    ids = [f.gid("Household", world.household_code), f.gid("Household", world.other_household_code)]
    ids += [f.gid("Region", region.id) for region in world.regions.values()]
    ids += [f.gid("HelpRequest", request), f.gid("Seller", seller), f.gid("Product", product)]
    ids += [f.gid("Campaign", campaign), f.gid("Helper", world.helper.helper_id)]
    ids += [f.gid("Region", world.household_code), f.gid("Order", 1), f.gid("Nope", 1)]
    ids += ["", "not base64", f.gid("Campaign", "x")]
    return world, ids


def _with_typenames(document: graphql.DocumentNode) -> graphql.DocumentNode:
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


def send_as_everyone(api: Any, world: World, document: graphql.DocumentNode) -> None:
    asked = _with_typenames(document)
    text = graphql.print_ast(asked)
    for who, actor in world.people().items():
        headers = {"Authorization": f"Bearer {actor.token}"} if actor else {}
        response = api.http.post("/graphql", json={"query": text}, headers=headers)
        check_answer(response, who, asked)


def _identity(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


@pytest.fixture
def query_documents(fuzz_world):
    return queries(SCHEMA, custom_scalars=_scalars(fuzz_world[1]), print_ast=_identity)


@pytest.fixture
def mutation_documents(fuzz_world):
    return mutations(
        SCHEMA, fields=MUTATIONS, custom_scalars=_scalars(fuzz_world[1]), print_ast=_identity
    )


@FUZZ
@given(data=st.data())
def test_generated_queries_are_answered_safely_for_every_role(
    api, fuzz_world, query_documents, data
):
    send_as_everyone(api, fuzz_world[0], data.draw(query_documents, label="query"))


@FUZZ
@given(data=st.data())
def test_generated_mutations_are_answered_safely_for_every_role(
    api, fuzz_world, mutation_documents, data
):
    send_as_everyone(api, fuzz_world[0], data.draw(mutation_documents, label="mutation"))


def test_the_personal_field_check_sees_what_insiders_read_and_outsiders_do_not(api, fuzz_world):
    """The fuzzing's leak detector is not vacuous: on a hand-written document it finds the
    admin's personal fields (behind an inline fragment and an alias too) and none of an
    outsider's."""
    world, _ = fuzz_world
    document = _with_typenames(
        graphql.parse(
            "{ households(first: 5) { nodes { headName publicCode } }"
            f' node(id: "{f.gid("Household", world.household_code)}")'
            " { ... on Household { where: exactRegion { code } } } }"
        )
    )
    text = graphql.print_ast(document)
    admin = api.post(text, token=world.admin.token)
    assert set(personal_values(document, admin["data"])) >= {
        ".households.nodes[0].headName",
        ".node.where",
    }
    anonymous = api.post(text)
    assert personal_values(document, anonymous["data"]) == []
    assert {e["extensions"]["code"] for e in anonymous["errors"]} == {"UNAUTHENTICATED"}
