"""Property tests over the whole schema: queries and mutations generated from the SDL by
hypothesis-graphql, sent over real HTTP as anonymous and as every role, on both backends.

Whatever is asked, the server answers below 500, with JSON whose every error carries
`extensions.code` (never INTERNAL_SERVER_ERROR, which is an unexpected exception), no
traceback text anywhere, and no personal field for those who may not read it
(tests/fuzz/rules.py: households' personal data, login emails, shipping addresses, the
names and messages of anonymous donors and backers).

The run is bounded (a fixed number of examples, derandomized so CI is reproducible);
`AIDBRIDGE_FUZZ_EXAMPLES=2000 pytest tests/fuzz -n 2` fuzzes longer, and
`AIDBRIDGE_FUZZ_SEED=<n>` with other documents (docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests.fuzz.rules import (
    EXAMPLES,
    FUZZ,
    MUTATIONS,
    PERSONAL_ROOTS,
    SCHEMA,
    SEED,
    Caller,
    check_answer,
    instrumented,
    note_reached,
    reseeded,
)

# A third of the general queries' examples, on the few root fields with personal data.
PERSONAL_EXAMPLES = max(20, EXAMPLES // 3)


def _scalars(
    ids: list[str], *, only_real: bool = False
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Custom scalars, and IDs that are mostly real (else every lookup is NOT_FOUND), or
    only real."""
    id_values = st.sampled_from(ids)
    if not only_real:
        id_values = st.one_of(id_values, st.text(max_size=12), st.integers().map(str))
    return {
        "ID": id_values.map(nodes.String),
        "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
        "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z")),
        "MinorUnits": st.integers(-(10**16), 10**16).map(nodes.Int),
        # Not a file part: a literal in the document (test_upload_fuzz.py sends files).
        "Upload": st.one_of(
            st.just(graphql.NullValueNode()), st.text(max_size=8).map(nodes.String)
        ),
    }


def send_as_everyone(
    api: Any, callers: Iterable[Caller], document: graphql.DocumentNode
) -> set[tuple[str, str]]:
    """Send the document as each caller and judge the answers; returns which guarded
    types each caller read."""
    asked = instrumented(document, personal=True)
    text = graphql.print_ast(asked)
    reached: set[tuple[str, str]] = set()
    for caller in callers:
        response = api.http.post("/graphql", json={"query": text}, headers=caller.headers)
        readings = check_answer(response, caller, asked)
        note_reached(readings, caller)
        reached |= {(caller.name, reading.owner_type) for reading in readings}
    return reached


def _identity(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


@pytest.fixture
def query_documents(fuzz_world):
    return queries(SCHEMA, custom_scalars=_scalars(fuzz_world.ids), print_ast=_identity)


@pytest.fixture
def personal_query_documents(fuzz_world):
    return queries(
        SCHEMA,
        fields=PERSONAL_ROOTS,
        # The IDs of objects with personal fields, so `node` and `nodes` find them (the
        # other tests send malformed and foreign IDs).
        custom_scalars=_scalars(fuzz_world.personal_ids, only_real=True),
        print_ast=_identity,
    )


@pytest.fixture
def mutation_documents(fuzz_world):
    return mutations(
        SCHEMA, fields=MUTATIONS, custom_scalars=_scalars(fuzz_world.ids), print_ast=_identity
    )


@reseeded
@FUZZ
@given(data=st.data())
def test_generated_queries_are_answered_safely_for_every_role(api, callers, query_documents, data):
    send_as_everyone(api, callers.values(), data.draw(query_documents, label="query"))


@reseeded
@FUZZ
@given(data=st.data())
def test_generated_mutations_are_answered_safely_for_every_role(
    api, callers, mutation_documents, data
):
    send_as_everyone(api, callers.values(), data.draw(mutation_documents, label="mutation"))


def test_generated_queries_of_personal_data_are_answered_safely_for_every_role(
    api, callers, personal_query_documents
):
    """Queries over the root fields that lead to accounts, orders, donations and backings
    (rules.PERSONAL_ROOTS), so the leak check has their personal fields to judge: in the
    default (derandomized) run, someone reads each of those types."""
    reached: set[tuple[str, str]] = set()

    @reseeded
    @settings(FUZZ, max_examples=PERSONAL_EXAMPLES)
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        reached.update(send_as_everyone(api, callers.values(), data.draw(personal_query_documents)))

    probe()
    if SEED is None:
        assert {"Viewer", "Order", "Donation", "Backing"} <= {kind for _, kind in reached}, reached
