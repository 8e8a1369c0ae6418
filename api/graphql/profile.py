"""The production profile (AIDBRIDGE_ENV=production): what the schema tells strangers.

No introspection unless AIDBRIDGE_INTROSPECTION=1, no "Did you mean ...?" in any message
(field, argument, type, enum value or input field suggestions map the schema as well as
introspection does), and unexpected errors logged by type and location only: an
exception's message can quote personal data, its frames cannot."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext, ExecutionResult

from api.core.i18n import N_
from api.graphql.context import Context
from api.graphql.execution import ThreadedSchema, is_unexpected

log = logging.getLogger("aidbridge.graphql")

INTROSPECTION_FIELDS = {"__schema", "__type"}
INTROSPECTION_DISABLED_MESSAGE = N_("Introspection is disabled on this server.")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_ROOT = Path(__file__).resolve().parents[2]


class NoIntrospection(ValidationRule):
    """Refuses `__schema` and `__type` anywhere, with a code clients can tell apart
    (`__typename` stays: clients need it and it says nothing about the schema)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    INTROSPECTION_DISABLED_MESSAGE,
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def frames(error: BaseException) -> str:
    """Where an exception was raised, as `file:line in function` from the innermost out,
    without its message or any value."""
    places = []
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        shown = path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path.name
        places.append(f"{shown}:{frame.lineno} in {frame.name}")
    return " <- ".join(places[:12]) or "no traceback"


def log_unexpected(logger: logging.Logger, what: str, error: BaseException) -> None:
    logger.error("%s: %s at %s", what, type(error).__name__, frames(error))


def _settings(context: Any) -> Any:
    return context.settings if isinstance(context, Context) else None


class IntrospectionSwitch(SchemaExtension):
    """Adds NoIntrospection to the operation's validation rules where the server's
    settings turn introspection off (ValidationCache keys on the rules, so a cached
    development result is never reused)."""

    def on_operation(self) -> Iterator[None]:
        settings = _settings(self.execution_context.context)
        if settings is not None and not settings.introspection_enabled:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoIntrospection,
            )
        yield


class ProfiledSchema(ThreadedSchema):
    """One schema for both profiles (strawberry types convert into one schema only); the
    request's settings decide: in production no suggestions in any error and terse logs.
    Refused introspection is reported in the request's locale (the rule has no context)."""

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = super().execute_sync(*args, **kwargs)
        context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
        if result.errors and isinstance(context, Context):
            for error in result.errors:
                if (error.extensions or {}).get("code") == "INTROSPECTION_DISABLED":
                    translator = context.translator_without_lookup()
                    error.message = translator.gettext(INTROSPECTION_DISABLED_MESSAGE)
        settings = _settings(context)
        if result.errors and settings is not None and settings.is_production:
            for error in result.errors:
                error.message = without_suggestions(error.message)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        settings = _settings(execution_context.context if execution_context else None)
        if settings is None or not settings.is_production:
            super().process_errors(errors, execution_context)
            return
        for error in errors:
            if is_unexpected(error) and error.original_error is not None:
                log_unexpected(log, f"unexpected error at {error.path}", error.original_error)
