"""Property tests over the whole schema: queries and mutations generated from the SDL by
hypothesis-graphql, sent over real HTTP as anonymous and as every role, on both backends.

Whatever is asked, the server answers below 500, with JSON whose every error carries
`extensions.code` (never INTERNAL_SERVER_ERROR, which is an unexpected exception), no
traceback text anywhere, and no household personal field for those who may not read it.

The run is bounded (a fixed number of examples, derandomized so CI is reproducible);
`AIDBRIDGE_FUZZ_EXAMPLES=2000 pytest tests/fuzz -n 2` fuzzes longer, and
`AIDBRIDGE_FUZZ_SEED=<n>` with other documents (docs/security.md)."""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests.fuzz.rules import (
    FUZZ,
    MUTATIONS,
    SCHEMA,
    check_answer,
    personal_values,
    readable_households,
    reseeded,
    with_typenames,
)
from tests.help_requests import factories as f
from tests.help_requests.factories import World


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


def send_as_everyone(api: Any, world: World, document: graphql.DocumentNode) -> None:
    asked = with_typenames(document)
    text = graphql.print_ast(asked)
    for who, actor in world.people().items():
        headers = {"Authorization": f"Bearer {actor.token}"} if actor else {}
        response = api.http.post("/graphql", json={"query": text}, headers=headers)
        check_answer(response, who, asked, readable_households(world, who))


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


@reseeded
@FUZZ
@given(data=st.data())
def test_generated_queries_are_answered_safely_for_every_role(
    api, fuzz_world, query_documents, data
):
    send_as_everyone(api, fuzz_world[0], data.draw(query_documents, label="query"))


@reseeded
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
    document = with_typenames(
        graphql.parse(
            "{ households(first: 5) { nodes { headName publicCode } }"
            f' node(id: "{f.gid("Household", world.household_code)}")'
            " { ... on Household { where: exactRegion { code } } } }"
        )
    )
    text = graphql.print_ast(document)
    admin = api.post(text, token=world.admin.token)
    code = world.household_code
    assert {(".node.where", code)} <= set(personal_values(document, admin["data"]))
    assert {code, world.other_household_code} <= {
        household for _, household in personal_values(document, admin["data"])
    }
    caseworker = api.post(text, token=world.caseworker.token)
    assert {household for _, household in personal_values(document, caseworker["data"])} == {code}
    anonymous = api.post(text)
    assert personal_values(document, anonymous["data"]) == []
    assert {e["extensions"]["code"] for e in anonymous["errors"]} == {"UNAUTHENTICATED"}
