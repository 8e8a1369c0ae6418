"""Cheap execution, checked over real HTTP: a repeated document is parsed, validated and
measured once (bounded caches), the limits still refuse on every request, no per-field
wrapper runs for directives or plain fields, and responses are the same JSON text as
before orjson wrote them."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import httpx
from graphql import GraphQLObjectType
from strawberry.extensions.directives import DirectivesExtension, DirectivesExtensionSync
from strawberry.extensions.parser_cache import DEFAULT_MAXSIZE, _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.permission import PermissionExtension

from api.app import create_app
from api.graphql import execution
from api.graphql.field_resolvers import DEFINITION
from api.schema import schema
from tests import factories
from tests.conftest import LiveServer

# The caches strawberry's ParserCache and ValidationCache share across requests (the
# pinned strawberry keeps them per maxsize, module-wide).
PARSED = _get_parse_cache(DEFAULT_MAXSIZE)
VALIDATED = _get_validate_cache(DEFAULT_MAXSIZE)
MEASURED = execution._measured


def misses() -> tuple[int, int, int]:
    return (PARSED.cache_info().misses, VALIDATED.cache_info().misses, MEASURED.cache_info().misses)


def unique_document(variables: str = "", first: str = "5") -> str:
    """A document no other test sent (the alias differs), so cache counts are its own."""
    alias = f"page_{uuid.uuid4().hex}"
    return f"query Page{variables} {{ {alias}: helpRequests(first: {first}) {{ nodes {{ id }} }} }}"


def post(url: str, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response


def test_a_repeated_document_is_parsed_validated_and_measured_once(backend):
    url = backend.live_server().url
    query = unique_document()
    before = misses()
    for _ in range(3):
        assert "errors" not in post(url, query).json()
    assert [after - first for after, first in zip(misses(), before, strict=True)] == [1, 1, 1]


def test_other_variables_are_measured_again_but_not_parsed_or_validated_again(backend):
    url = backend.live_server().url
    query = unique_document("($first: Int)", "$first")
    post(url, query, {"first": 5})
    before = misses()
    post(url, query, {"first": 6})
    post(url, query, {"first": 6})
    assert [after - first for after, first in zip(misses(), before, strict=True)] == [0, 0, 1]


def test_the_limits_refuse_a_cached_operation_every_time(backend):
    server = LiveServer(create_app(replace(backend.settings, max_query_nodes=60), backend.engine))
    try:
        aliases = " ".join(f"a{i}: __typename" for i in range(execution.MAX_ALIASES + 1))
        many = f"{{ {aliases} }}"
        page = unique_document("($first: Int)", "$first")
        for _ in range(2):
            errors = post(server.url, many).json()["errors"]
            assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert "aliases" in errors[0]["message"]
            assert "errors" not in post(server.url, page, {"first": 10}).json()
            body = post(server.url, page, {"first": 100}).json()
            assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    finally:
        server.stop()


def test_the_caches_are_bounded():
    assert PARSED.cache_info().maxsize == DEFAULT_MAXSIZE
    assert VALIDATED.cache_info().maxsize == DEFAULT_MAXSIZE
    assert MEASURED.cache_info().maxsize == execution.MEASURE_CACHE_SIZE


def test_no_directive_wrapper_runs_per_field_and_in_context_stays_in_the_schema():
    extensions = schema.get_extensions(sync=True) + schema.get_extensions()
    assert not [
        e for e in extensions if isinstance(e, DirectivesExtension | DirectivesExtensionSync)
    ]
    assert "directive @inContext(" in schema.as_str()
    # Nothing per field but the fields' own resolvers: no extension hooks `resolve`.
    assert not [e for e in extensions if e._implements_resolve()]


def test_only_fields_with_a_permission_carry_one_and_every_check_is_synchronous():
    public = schema._schema.type_map["HelpRequest"].fields
    for name in ("id", "title", "urgency", "status", "category", "target", "household"):
        assert not public[name].extensions[DEFINITION].extensions, name
    for named_type in schema._schema.type_map.values():
        if not isinstance(named_type, GraphQLObjectType):
            continue
        for field in named_type.fields.values():
            definition = field.extensions.get(DEFINITION)
            for extension in getattr(definition, "extensions", ()):
                if isinstance(extension, PermissionExtension):
                    assert extension.supports_sync, f"{named_type.name}.{field.name}"


def test_responses_are_the_json_text_json_dumps_wrote(backend, engine, settings):
    factories.region_tree(engine, settings)
    url = backend.live_server().url
    for locale in ("zh_Hans", "ar", "en"):
        response = httpx.post(
            f"{url}/graphql",
            json={
                "query": "{ instance { povertyCauses { code label } } regions { nodes { name } } }"
            },
            headers={"X-Aidbridge-Locale": locale},
        )
        assert response.status_code == 200
        assert response.content == json.dumps(response.json(), separators=(",", ":")).encode()
    refused = httpx.post(
        f"{url}/graphql", json={"query": "{ nope }"}, headers={"X-Aidbridge-Locale": "zh_Hans"}
    )
    assert refused.content == json.dumps(refused.json(), separators=(",", ":")).encode()
