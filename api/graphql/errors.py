"""Errors in GraphQL: the `ErrorCode` enum and the typed `UserError` of mutation payloads
(api/core/errors.py holds the codes, their messages and the exceptions)."""

from __future__ import annotations

import strawberry

from api.core.errors import ERROR_CODE_DESCRIPTIONS, ErrorCode, ServiceError, ServiceErrors
from api.core.i18n import Translator
from api.graphql.enums import graphql_enum

graphql_enum(
    ErrorCode,
    name="ErrorCode",
    description="Stable, machine-readable reason for a failed input or action.",
    values=ERROR_CODE_DESCRIPTIONS,
)


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, in camelCase, or null for the whole input."
    )
    code: ErrorCode = strawberry.field(description="Stable, machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason in the request's locale.")


def to_user_errors(error: ServiceError | ServiceErrors, translator: Translator) -> list[UserError]:
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    return [
        UserError(field=e.field, code=e.code, message=e.localized_message(translator))
        for e in errors
    ]
