"""Schemathesis over every root field: for each of the schema's queries and mutations, valid
documents (positive mode) and documents that break the schema on purpose (negative mode:
wrong argument types, missing required arguments, unknown enum values), sent over real
HTTP as anonymous, as a helper and as an admin, judged by the same rules as
test_graphql_fuzz.py.

Schemathesis's built-in GraphQL checks are not used: they count every `errors` entry
that is not a validation error as a server failure, while this API reports expected
refusals (NOT_FOUND, FORBIDDEN, BAD_PAGE_SIZE...) as coded top-level errors by design.

`AIDBRIDGE_FUZZ_EXAMPLES` raises the examples per field and mode too (docs/security.md)."""

from __future__ import annotations

import os
from typing import Any

import graphql
import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes

from tests.fuzz.rules import (
    FUZZ,
    SDL,
    SKIPPED_MUTATIONS,
    Caller,
    check_answer,
    instrumented,
    note_reached,
    reseeded,
)

# One example per root field and mode by default (130 fields, 2 modes, 3 callers: ~800
# requests); a long run scales it with the other fuzz module's examples.
PER_FIELD = max(1, int(os.environ.get("AIDBRIDGE_FUZZ_EXAMPLES", "0")) // 60)
CALLERS = ("anonymous", "helper", "admin")

schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar(
    "DateTime", st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z"))
)
schemathesis.graphql.scalar("MinorUnits", st.integers(-(10**16), 10**16).map(nodes.Int))
schemathesis.graphql.scalar(
    "Upload", st.one_of(st.just(graphql.NullValueNode()), st.text(max_size=8).map(nodes.String))
)

OPERATIONS = [
    result.ok()
    for result in schemathesis.graphql.from_file(SDL).get_all_operations()
    if result.ok().label.partition(".")[2] not in SKIPPED_MUTATIONS
]


def _parsed(text: str) -> graphql.DocumentNode | None:
    try:
        return graphql.parse(text)
    except graphql.GraphQLSyntaxError:
        return None


def send(api: Any, callers: dict[str, Caller], text: str) -> None:
    document = _parsed(text)
    if document is not None:  # asked by type, so answers can be checked for personal data
        document = instrumented(document, personal=True)
        text = graphql.print_ast(document)
    for who in CALLERS:
        caller = callers[who]
        response = api.http.post("/graphql", json={"query": text}, headers=caller.headers)
        # A document that does not parse cannot have data to look into.
        readings = check_answer(response, caller, document or graphql.parse("{ __typename }"))
        note_reached(readings, caller)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_root_field_is_answered_safely(api, callers, mode: GenerationMode) -> None:
    for operation in OPERATIONS:

        @reseeded
        @settings(FUZZ, max_examples=PER_FIELD)
        @given(case=operation.as_strategy(generation_mode=mode))
        def probe(case: Any) -> None:
            send(api, callers, str(case.body))

        try:
            probe()
        except Exception as error:
            error.add_note(f"schemathesis operation {operation.label}, {mode.value} mode")
            raise
