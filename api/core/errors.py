"""Stable error codes. Expected failures travel as typed `errors` in mutation payloads;
everything else a client can see carries `extensions.code`."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from api.core.i18n import N_, Translator


class ErrorCode(Enum):
    """Stable, machine-readable reason for a failed input or action (the GraphQL enum
    `ErrorCode`, registered in api/graphql/errors.py)."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_STATE = "INVALID_STATE"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105  (a code, not a password)
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    RATE_LIMITED = "RATE_LIMITED"


# What each code means, as the schema describes it.
ERROR_CODE_DESCRIPTIONS: dict[str, str] = {
    "INVALID": "The value is not acceptable.",
    "REQUIRED": "A value is required.",
    "TOO_LONG": "The text is longer than allowed.",
    "OUT_OF_RANGE": "The number or date is outside the allowed range.",
    "UNKNOWN_CODE": "The code is not in this instance's taxonomy.",
    "CURRENCY_MISMATCH": "The currency differs from the one required here.",
    "NOT_FOUND": "No such object is visible to you.",
    "DUPLICATE": "The value is already taken.",
    "INVALID_STATE": "The object's current state does not allow this action.",
    "FORBIDDEN": "Your role or region does not allow this action.",
    "UNAUTHENTICATED": "Log in first (send a bearer token).",
    "INVALID_CREDENTIALS": "The email or password is wrong.",
    "WEAK_PASSWORD": "The password is too short, too common, or contains the email.",
    "IDEMPOTENCY_KEY_REUSED": (
        "This idempotency key was already used with a different input; use a new key for "
        "a new operation."
    ),
    "OUT_OF_STOCK": "Not enough of the product is in stock for the quantity asked for.",
    "RATE_LIMITED": (
        "Too many attempts from this account or address: wait the payload's `retryAfter` "
        "seconds before trying again."
    ),
}


# English source messages, translated by the catalogs in i18n/. Messages with a count
# ({limit}) take plural forms, so they are functions of the translator and the count.
DEFAULT_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INVALID: N_("This value is not valid."),
    ErrorCode.REQUIRED: N_("This value is required."),
    ErrorCode.OUT_OF_RANGE: N_("This value is out of range."),
    ErrorCode.UNKNOWN_CODE: N_("This code is not known to this instance."),
    ErrorCode.CURRENCY_MISMATCH: N_("This amount must be in {currency}."),
    ErrorCode.NOT_FOUND: N_("Not found."),
    ErrorCode.DUPLICATE: N_("This value is already in use."),
    ErrorCode.INVALID_STATE: N_("This action is not possible in the current state."),
    ErrorCode.FORBIDDEN: N_("You are not allowed to do this."),
    ErrorCode.UNAUTHENTICATED: N_("Please log in first."),
    ErrorCode.INVALID_CREDENTIALS: N_("The email or password is incorrect."),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: N_(
        "This idempotency key was already used for a different request."
    ),
    ErrorCode.OUT_OF_STOCK: N_("Not enough of this product is in stock."),
    ErrorCode.RATE_LIMITED: N_("Too many attempts: please wait a little, then try again."),
}

COUNTED_MESSAGES: dict[ErrorCode, Callable[[Translator, int], str]] = {
    ErrorCode.TOO_LONG: lambda t, n: t.ngettext(
        "This text is too long (at most {limit} character).",
        "This text is too long (at most {limit} characters).",
        n,
    ),
    ErrorCode.WEAK_PASSWORD: lambda t, n: t.ngettext(
        "The password must be at least {limit} character long.",
        "The password must be at least {limit} characters long.",
        n,
    ),
}


def error_message(translator: Translator, code: ErrorCode, **params: Any) -> str:
    """The message for `code` in the translator's locale, placeholders filled."""
    counted = COUNTED_MESSAGES.get(code)
    if counted is not None:
        template = counted(translator, int(params.get("limit", 0)))
        return template.format(**translator.localized_params(params))
    return translator.gettext(DEFAULT_MESSAGES[code], **params)


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

    def localized_message(self, translator: Translator) -> str:
        if self.message is None:
            return error_message(translator, self.code, **self.params)
        return translator.gettext(self.message, **self.params)


class ServiceErrors(Exception):  # noqa: N818  (plural of ServiceError, not a new kind)
    """Several field errors found at once (input validation reports them all together)."""

    def __init__(self, errors: list[ServiceError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class CodedError(Exception):
    """A top-level error with a stable `extensions.code`. Its message is an English source
    text (or the standard message of an `ErrorCode`), translated into the request's locale
    when the error reaches the client: where it is raised, e.g. while decoding a cursor,
    the locale may not be known."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        message_of: ErrorCode | None = None,
        **params: Any,
    ) -> None:
        super().__init__(f"{code}: {message or ''}".strip())
        self.code = code
        self.message = message
        self.message_of = message_of or (ErrorCode[code] if message is None else None)
        self.params = params

    def localized_message(self, translator: Translator) -> str:
        if self.message is None:
            assert self.message_of is not None
            return error_message(translator, self.message_of, **self.params)
        return translator.gettext(self.message, **self.params)


def api_error(code: str, message: str, **params: Any) -> CodedError:
    """A top-level error; mark `message` with `N_` so it is extracted for translation."""
    return CodedError(code, message, **params)


def coded_error(code: ErrorCode, *, reported_as: str | None = None, **params: Any) -> CodedError:
    """A top-level error with `code`'s standard message, reported under its own code or
    under `reported_as` (e.g. BAD_USER_INPUT for a query argument)."""
    return CodedError(reported_as or code.name, message_of=code, **params)


def bad_id_error(argument: str, type_name: str) -> CodedError:
    """A query argument that is not the global ID of the expected type."""
    return api_error(
        "BAD_USER_INPUT",
        N_("`{argument}` must be the id of a {type}."),
        argument=argument,
        type=type_name,
    )
