"""`@inContext(language: "fr")`: a reader's explicit choice of language for one operation.

It is the GraphQL counterpart of the `X-Aidbridge-Locale` header and wins over it, since it
is written into the operation itself. An unavailable language is not an error: the
negotiation goes on to the next choice, and `Content-Language` says what was used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import strawberry
from graphql import DirectiveLocation, OperationDefinitionNode, StringValueNode, VariableNode
from strawberry.extensions import SchemaExtension

from api.graphql.context import Context

DIRECTIVE_NAME = "inContext"


@strawberry.directive(
    locations=[DirectiveLocation.QUERY, DirectiveLocation.MUTATION],
    name=DIRECTIVE_NAME,
    description=(
        "Read and write this operation in `language`, e.g. fr, zh-CN or zh_Hans; it wins "
        "over the X-Aidbridge-Locale header, the account's language and Accept-Language. "
        "The response's Content-Language header names the locale used."
    ),
)
def in_context(
    language: Annotated[
        str,
        strawberry.argument(
            description="A locale code or BCP 47 language tag; unavailable ones are skipped."
        ),
    ],
) -> None:
    """Read by `OperationLanguage` before execution; nothing happens per field."""


def operation_language(
    operation: OperationDefinitionNode | None, variables: dict[str, Any] | None
) -> str | None:
    if operation is None:
        return None
    for directive in operation.directives or ():
        if directive.name.value != DIRECTIVE_NAME:
            continue
        for argument in directive.arguments or ():
            value = argument.value
            if isinstance(value, StringValueNode):
                return value.value
            if isinstance(value, VariableNode):
                chosen = (variables or {}).get(value.name.value)
                return chosen if isinstance(chosen, str) else None
    return None


class OperationLanguage(SchemaExtension):
    """Applies `@inContext` before any resolver asks for the locale."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            chosen = operation_language(
                _operation(self.execution_context), self.execution_context.variables
            )
            if chosen:
                context.explicit_locale = chosen
                context._locale = None
        yield


def _operation(execution_context: Any) -> OperationDefinitionNode | None:
    document = execution_context.graphql_document
    if document is None:
        return None
    name = execution_context.operation_name
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation
    return None
