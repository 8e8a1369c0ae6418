"""Stable error codes. Expected failures travel as typed `errors` in mutation payloads;
everything else a client can see carries `extensions.code`."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError

from api.core.i18n import gettext_for


@strawberry.enum(description="Stable, machine-readable reason for a failed input or action.")
class ErrorCode(Enum):
    INVALID = strawberry.enum_value("INVALID", description="The value is not acceptable.")
    REQUIRED = strawberry.enum_value("REQUIRED", description="A value is required.")
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="The text is longer than allowed.")
    OUT_OF_RANGE = strawberry.enum_value(
        "OUT_OF_RANGE", description="The number or date is outside the allowed range."
    )
    UNKNOWN_CODE = strawberry.enum_value(
        "UNKNOWN_CODE", description="The code is not in this instance's taxonomy."
    )
    CURRENCY_MISMATCH = strawberry.enum_value(
        "CURRENCY_MISMATCH", description="The currency differs from the one required here."
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="No such object is visible to you.")
    DUPLICATE = strawberry.enum_value("DUPLICATE", description="The value is already taken.")
    INVALID_STATE = strawberry.enum_value(
        "INVALID_STATE", description="The object's current state does not allow this action."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="Your role or region does not allow this action."
    )
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description="Log in first (send a bearer token)."
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The email or password is wrong."
    )
    WEAK_PASSWORD = strawberry.enum_value(
        "WEAK_PASSWORD", description="The password is too short or too common."
    )
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "IDEMPOTENCY_KEY_REUSED",
        description=(
            "This idempotency key was already used with a different input; use a new key "
            "for a new operation."
        ),
    )
    OUT_OF_STOCK = strawberry.enum_value(
        "OUT_OF_STOCK",
        description="Not enough of the product is in stock for the quantity asked for.",
    )


# English source messages; catalogs in i18n/ translate them by this exact text.
DEFAULT_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INVALID: "This value is not valid.",
    ErrorCode.REQUIRED: "This value is required.",
    ErrorCode.TOO_LONG: "This text is too long (at most {limit} characters).",
    ErrorCode.OUT_OF_RANGE: "This value is out of range.",
    ErrorCode.UNKNOWN_CODE: "This code is not known to this instance.",
    ErrorCode.CURRENCY_MISMATCH: "This amount must be in {currency}.",
    ErrorCode.NOT_FOUND: "Not found.",
    ErrorCode.DUPLICATE: "This value is already in use.",
    ErrorCode.INVALID_STATE: "This action is not possible in the current state.",
    ErrorCode.FORBIDDEN: "You are not allowed to do this.",
    ErrorCode.UNAUTHENTICATED: "Please log in first.",
    ErrorCode.INVALID_CREDENTIALS: "The email or password is incorrect.",
    ErrorCode.WEAK_PASSWORD: "The password must be at least {limit} characters long.",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "This idempotency key was already used for a different request."
    ),
    ErrorCode.OUT_OF_STOCK: "Not enough of this product is in stock.",
}


class ServiceError(Exception):
    """An expected failure raised by a service; the mutation turns it into a typed error."""

    def __init__(
        self,
        code: ErrorCode,
        *,
        field: str | None = None,
        message: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(f"{code.value} {field or ''}".strip())
        self.code = code
        self.field = field
        self.message = message
        self.params = params

    def localized_message(self, locale: str) -> str:
        template = self.message or DEFAULT_MESSAGES[self.code]
        return gettext_for(locale)(template).format(**self.params)


class ServiceErrors(Exception):  # noqa: N818  (plural of ServiceError, not a new kind)
    """Several field errors found at once (input validation reports them all together)."""

    def __init__(self, errors: list[ServiceError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, in camelCase, or null for the whole input."
    )
    code: ErrorCode = strawberry.field(description="Stable, machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason in the request's locale.")


def to_user_errors(error: ServiceError | ServiceErrors, locale: str) -> list[UserError]:
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    return [
        UserError(field=e.field, code=e.code, message=e.localized_message(locale)) for e in errors
    ]


def api_error(code: str, message: str) -> GraphQLError:
    """A top-level GraphQL error with a stable `extensions.code`."""
    return GraphQLError(message, extensions={"code": code})
