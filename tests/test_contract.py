"""The SDL in schema/schema.graphql is the contract: the server must print exactly it and
serve exactly it, every frontend document must validate against it, and every part of
it must explain itself to a developer who has never seen the project."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLNamedType,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    parse,
    specified_scalar_types,
    validate,
)
from graphql.language import OperationDefinitionNode
from graphql.utilities.print_schema import print_directive, print_type

from api.frontend.build import operation_documents
from api.schema import schema

ROOT = Path(__file__).resolve().parents[1]
SDL_FILE = ROOT / "schema" / "schema.graphql"
OPERATIONS_DIR = ROOT / "schema" / "operations"
# The frontend's documents share fragments across files (frontend_shell.graphql holds the
# common ones), so they are validated as the one document they form, and each operation
# again exactly as the build sends it, with the fragments it spreads.
FRONTEND_OPERATIONS = sorted(OPERATIONS_DIR.glob("frontend*.graphql"))
OPERATIONS = sorted(set(OPERATIONS_DIR.glob("*.graphql")) - set(FRONTEND_OPERATIONS))
REGENERATE = "aidbridge export-schema --output schema/schema.graphql"


def diff(committed: str | dict[str, str], actual: str | dict[str, str], label: str) -> str:
    def lines(sdl: str | dict[str, str]) -> list[str]:
        text = sdl if isinstance(sdl, str) else "\n\n".join(sdl[k] for k in sorted(sdl)) + "\n"
        return text.splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            lines(committed), lines(actual), "schema/schema.graphql (committed)", label
        )
    )


def test_the_printed_schema_is_the_committed_sdl():
    printed = str(schema) + "\n"
    committed = SDL_FILE.read_text(encoding="utf-8")
    if printed != committed:
        changes = diff(committed, printed, "printed by api.schema")
        pytest.fail(
            f"The schema changed. If that is intended, run `{REGENERATE}`, review the diff "
            f"and note the change in schema/CHANGES.md.\n{changes}",
            pytrace=False,
        )


def test_there_are_operation_documents():
    assert OPERATIONS, "schema/operations/*.graphql: no documents found"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda path: path.name)
def test_operation_document_is_valid_against_the_schema(path):
    errors = validate(schema._schema, parse(path.read_text(encoding="utf-8")))
    assert not errors, "\n".join(f"{path.name}: {error}" for error in errors)


def test_the_frontend_documents_are_valid_against_the_schema():
    text = "\n".join(path.read_text(encoding="utf-8") for path in FRONTEND_OPERATIONS)
    errors = validate(schema._schema, parse(text))
    assert not errors, "\n".join(f"frontend*.graphql: {error}" for error in errors)


def test_each_frontend_operation_as_sent_is_valid():
    documents = operation_documents()
    assert {"PageShell", "PageHome"} <= set(documents)
    for name, document in documents.items():
        errors = validate(schema._schema, parse(document))
        assert not errors, "\n".join(f"{name}: {error}" for error in errors)


def test_operation_names_are_unique_across_documents():
    seen: dict[str, str] = {}
    for path in [*OPERATIONS, *FRONTEND_OPERATIONS]:
        for definition in parse(path.read_text(encoding="utf-8")).definitions:
            if isinstance(definition, OperationDefinitionNode):
                assert definition.name, f"{path.name}: every operation needs a name"
                name = definition.name.value
                assert name not in seen, f"{name} is defined in {seen[name]} and {path.name}"
                seen[name] = path.name


def undocumented(named_type: GraphQLNamedType) -> list[str]:
    """Where `named_type`, its fields, arguments, input fields or values lack a description."""
    name = named_type.name
    missing = [] if named_type.description else [name]
    if isinstance(named_type, GraphQLEnumType):
        values = named_type.values.items()
        missing += [f"{name}.{value}" for value, enum in values if not enum.description]
    fields: dict[str, GraphQLField | GraphQLInputField] = getattr(named_type, "fields", {})
    for field_name, field in fields.items():
        if not field.description:
            missing.append(f"{name}.{field_name}")
        arguments: dict[str, GraphQLArgument] = getattr(field, "args", {})
        missing += [
            f"{name}.{field_name}({argument})"
            for argument, definition in arguments.items()
            if not definition.description
        ]
    return missing


def test_everything_in_the_schema_is_described():
    # No exceptions are needed: the relay types strawberry adds (Node, PageInfo, edges)
    # come with descriptions, and GraphQL's own introspection types and built-in scalars
    # are not ours to describe.
    ours = [
        named_type
        for type_name, named_type in schema._schema.type_map.items()
        if not type_name.startswith("__") and type_name not in specified_scalar_types
    ]
    missing = [where for named_type in ours for where in undocumented(named_type)]
    if missing:
        pytest.fail(
            "Give these a description (description=... on the strawberry type, field, "
            "argument or strawberry.enum_value):\n  " + "\n  ".join(sorted(missing)),
            pytrace=False,
        )


def test_the_live_server_serves_the_committed_sdl(api):
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    result: dict[str, Any] = api.data(query)

    served = definitions(build_client_schema(result))  # type: ignore[arg-type]
    committed = definitions(build_schema(SDL_FILE.read_text(encoding="utf-8")))

    if served != committed:
        changes = diff(committed, served, "served by /graphql")
        pytest.fail(f"The server does not serve schema/schema.graphql:\n{changes}", pytrace=False)


def definitions(graphql_schema: GraphQLSchema) -> dict[str, str]:
    """Each type and directive printed on its own: introspection lists types in another
    order than the SDL file, and that order means nothing."""
    printed = {
        name: print_type(named_type)
        for name, named_type in graphql_schema.type_map.items()
        if not name.startswith("__")
    }
    printed |= {f"@{d.name}": print_directive(d) for d in graphql_schema.directives}
    return printed
