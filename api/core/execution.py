"""How an operation runs: in a worker thread with one unit of work, with limits, and with
a stable `extensions.code` on every error a client can receive."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import anyio.to_thread
import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry import relay
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.audit.models import AuditEvent, AuditOutcome
from api.core.context import Context
from api.core.db import utcnow
from api.core.errors import CodedError, ServiceError, ServiceErrors
from api.core.i18n import N_, SOURCE_LOCALE, LocalisationConfig, Translator, translator_for
from api.core.in_context import OperationLanguage
from api.core.redaction import redact

log = logging.getLogger("aidbridge.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 40
MAX_TOKENS = 4000

INTERNAL_ERROR_MESSAGE = N_("Internal server error.")


class ThreadedSchema(strawberry.Schema):
    """Resolvers are synchronous and talk to the database directly; running the whole
    operation in a worker thread keeps the event loop free for other requests."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        run = partial(
            self.execute_sync,
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        return await anyio.to_thread.run_sync(run)

    def execute_sync(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = super().execute_sync(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        # Done here rather than in an extension hook: a parse error raised by ParserCache
        # skips the operation hooks, but every result passes through this line.
        if result.errors:
            translator = _translator(context_value, during_execution=False)
            result.errors = [
                without_input_values(with_code(error, translator), translator, variable_values)
                for error in result.errors
            ]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what clients do not see (unexpected errors, with their traceback); errors
        caused by the request itself are the client's business, not the operator's."""
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)


class UnitOfWork(SchemaExtension):
    """One transaction per operation: audit events of sensitive reads are written with it,
    it is committed once at the end, and the session is always closed."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.is_mutation = self.execution_context.operation_type == OperationType.MUTATION
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context):
            return
        if context.response is not None:
            # Say which locale messages, labels and formats were produced in.
            context.response.headers["Content-Language"] = context.locale.replace("_", "-")
        try:
            # Refused reads are recorded even when nothing else opened the session.
            if context._session is not None or context.audit_reads:
                write_audit_reads(context)
                context.session.commit()
        except Exception:
            # The error reaches the client masked and the log through process_errors.
            if context._session is not None:
                context._session.rollback()
            raise
        finally:
            context.close()


def write_audit_reads(context: Context) -> None:
    """Reads of personal fields, and refused attempts at them (a distinct action with
    outcome REFUSED), written with the operation: a query commits even when some of its
    fields were refused."""
    if not context.audit_reads:
        return
    principal = context.principal
    now = utcnow()
    context.session.add_all(
        AuditEvent(
            at=now,
            actor_account_id=principal.account_id,
            actor_role=principal.audit_role,
            action=f"{read.subject_type.lower()}.read_sensitive"
            + ("_refused" if read.refused else ""),
            outcome=AuditOutcome.REFUSED if read.refused else AuditOutcome.ALLOWED,
            subject_type=read.subject_type,
            subject_id=read.subject_id,
            household_id=read.household_id,
            region_path=read.region_path,
            detail={"fields": sorted(read.fields)},
        )
        for read in context.audit_reads.values()
    )
    context.audit_reads.clear()


class ErrorCodes(SchemaExtension):
    """Codes that only the execution phase can tell: an error without a path there is
    about a variable's value, and a service failure that escaped a resolver is still an
    expected one, reported with its own code in the request's locale."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        result.errors = [
            coded for error in result.errors for coded in _execution_error(error, context)
        ]


def _translator(context: Any, *, during_execution: bool = True) -> Translator:
    # Without a request context there is no locale to ask for: the English source text.
    if isinstance(context, Context):
        if during_execution:  # the session is open: the account's language counts
            return context.translator
        return context.translator_without_lookup()
    return translator_for(LocalisationConfig(), SOURCE_LOCALE)


def _execution_error(error: GraphQLError, context: Any) -> list[GraphQLError]:
    original = error.original_error
    if isinstance(original, ServiceError | ServiceErrors):
        translator = _translator(context)
        failures = original.errors if isinstance(original, ServiceErrors) else [original]
        return [
            _copy(
                error,
                failure.localized_message(translator),
                {"code": failure.code.name} | ({"field": failure.field} if failure.field else {}),
            )
            for failure in failures
        ]
    if isinstance(original, CodedError):
        message = original.localized_message(_translator(context))
        return [_copy(error, message, {"code": original.code})]
    if isinstance(original, relay.GlobalIDValueError):  # `node(id:)` naming no Node type
        message = _translator(context).gettext(MALFORMED_ID_MESSAGE)
        return [_copy(error, message, {"code": "BAD_USER_INPUT"})]
    if error.path is None and not is_unexpected(error) and "code" not in (error.extensions or {}):
        return [_copy(error, error.message, {"code": "BAD_USER_INPUT"})]
    return [error]


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(
        original, GraphQLError | ServiceError | ServiceErrors | CodedError
    )


def with_code(error: GraphQLError, translator: Translator) -> GraphQLError:
    """The error as the client sees it: with a stable code, and masked if unexpected."""
    extensions = error.extensions or {}
    if "code" in extensions:
        return error
    if is_unexpected(error):
        return GraphQLError(
            translator.gettext(INTERNAL_ERROR_MESSAGE),
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            {"code": "INTERNAL_SERVER_ERROR"},
        )
    nested = getattr(error.original_error, "extensions", None) or {}
    if "code" in nested:
        code = nested["code"]
    elif isinstance(error, GraphQLSyntaxError):  # also the token limit, checked while parsing
        code = "GRAPHQL_PARSE_FAILED"
    elif error.path:  # raised while resolving a field, e.g. an ID of the wrong format
        code = "BAD_USER_INPUT"
    else:  # the document broke a validation rule, or the depth or alias limit
        code = "GRAPHQL_VALIDATION_FAILED"
    return _copy(error, error.message, {"code": code})


def without_input_values(
    error: GraphQLError, translator: Translator, variables: dict[str, Any] | None
) -> GraphQLError:
    """The error's message with no value the client sent in it (graphql-core quotes them),
    and the malformed-ID message in the request's locale."""
    message = redact(error.message, variables)
    if _MALFORMED_ID in message:
        message = translator.gettext(MALFORMED_ID_MESSAGE)
    if message == error.message:
        return error
    return _copy(error, message, {})


# strawberry's GlobalID scalar, whatever the value: "Value cannot represent a GlobalID: ..."
_MALFORMED_ID = "Value cannot represent a GlobalID"
MALFORMED_ID_MESSAGE = N_(
    "This is not a valid ID: IDs are the opaque `id` values this API returns."
)


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {**(error.extensions or {}), **extensions},
    )


def schema_extensions() -> list[Any]:
    return [
        ErrorCodes,
        UnitOfWork,
        OperationLanguage,
        ParserCache,
        ValidationCache,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
