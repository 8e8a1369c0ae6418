"""The production profile (AIDBRIDGE_ENV=production): what the schema tells strangers.

No introspection unless AIDBRIDGE_INTROSPECTION=1, no "Did you mean ...?" in any message
(field, argument, type, enum value or input field suggestions map the schema as well as
introspection does), and unexpected errors logged by type and location only: an
exception's message can quote personal data, its frames cannot."""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.types import ExecutionContext, ExecutionResult

from api.core.execution import ThreadedSchema, is_unexpected

log = logging.getLogger("aidbridge.graphql")

INTROSPECTION_FIELDS = {"__schema", "__type"}
INTROSPECTION_DISABLED_MESSAGE = "Introspection is disabled on this server."
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


class ProductionSchema(ThreadedSchema):
    """The schema with suggestions stripped from every error and terse error logs."""

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = super().execute_sync(*args, **kwargs)
        if result.errors:
            for error in result.errors:
                error.message = without_suggestions(error.message)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error) and error.original_error is not None:
                log_unexpected(log, f"unexpected error at {error.path}", error.original_error)
