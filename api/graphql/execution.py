"""How an operation runs: in a worker thread with one unit of work, with limits, and with
a stable `extensions.code` on every error a client can receive."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from typing import Any

import anyio.to_thread
import orjson
import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema, GraphQLSyntaxError, validate
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry import relay
from strawberry.extensions import (
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.directives import DirectivesExtension, DirectivesExtensionSync
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.audit.models import AuditEvent, AuditOutcome
from api.core.db import utcnow
from api.core.deadline import (
    TIMEOUT_MESSAGE,
    OperationTimeoutError,
    bound_connection,
    clock,
    deadline,
)
from api.core.errors import CodedError, ServiceError, ServiceErrors
from api.core.i18n import N_, SOURCE_LOCALE, LocalisationConfig, Translator, translator_for
from api.core.pages import MAX_PAGE_SIZE
from api.core.redaction import redact
from api.graphql.context import Context
from api.graphql.cost import (
    DEFAULT_MAX_NODES,
    MAX_ALIASES,
    MAX_DEPTH,
    Measure,
    measure,
    operation_of,
)
from api.graphql.field_resolvers import streamline
from api.graphql.graphql_messages import localized_error
from api.graphql.in_context import OperationLanguage
from api.ratelimit.budget import RateLimit

log = logging.getLogger("aidbridge.graphql")

MAX_TOKENS = 4000
# graphql-core's budget for comparing same-named fields (OverlappingFieldsCanBeMerged),
# quadratic in repeated fields: its default of 500,000 lets a 12 KB document of 500
# repeated selections take a second to validate; this API's own documents need under
# 1,000. Past the budget validation stops with "Validation aborted.".
FIELD_MERGE_BUDGET = 20_000
# Operations whose measure is remembered (api/graphql/cost.py is pure: the same document,
# operation and variables always measure the same), as many as ParserCache's documents
# times a few variable sets.
MEASURE_CACHE_SIZE = 512
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = FIELD_MERGE_BUDGET

INTERNAL_ERROR_MESSAGE = N_("Internal server error.")
# MAX_DEPTH and MAX_ALIASES live with the measure (api/graphql/cost.py); tests import them here.
__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_TOKENS", "ThreadedSchema", "schema_extensions"]


class ThreadedSchema(strawberry.Schema):
    """Resolvers are synchronous and talk to the database directly; running the whole
    operation in a worker thread keeps the event loop free for other requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        streamline(self._schema, self.config)

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """The schema's extensions without strawberry's per-field directive wrapper: the
        only custom directive, `@inContext`, sits on operations and is applied once per
        operation (api/graphql/in_context.py), so that wrapper ran on every field for nothing."""
        return [
            extension
            for extension in super().get_extensions(sync)
            if not isinstance(extension, DirectivesExtension | DirectivesExtensionSync)
        ]

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
                localized_error(  # graphql-core's English, after redaction (graphql_messages)
                    without_input_values(with_code(error, translator), translator, variable_values),
                    translator,
                    context_value,
                )
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
            if _timed_out(self.execution_context.result):
                # Stopped part-way: nothing of it is kept (the client saw no data).
                if context._session is not None:
                    context._session.rollback()
                return
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


def _timed_out(result: Any) -> bool:
    return result is not None and any(
        (error.extensions or {}).get("code") == "TIMEOUT" for error in result.errors or ()
    )


class QueryLimits(SchemaExtension):
    """Depth, aliases and requested objects of the operation, measured in one pass over
    the validated document and the variables (api/graphql/cost.py), before anything runs;
    the cost goes on the context for the rate limit. Listed after ValidationCache, whose
    result it reads."""

    def on_validate(self) -> Iterator[None]:
        execution_context = self.execution_context
        assert execution_context.graphql_document is not None
        if execution_context.pre_execution_errors is None:  # no cache validated it
            execution_context.pre_execution_errors = validate(
                execution_context.schema._schema,
                execution_context.graphql_document,
                execution_context.validation_rules,
            )
        if not execution_context.pre_execution_errors:
            errors = self._check()
            if errors:
                execution_context.pre_execution_errors = errors
        yield

    def _check(self) -> list[GraphQLError]:
        execution_context = self.execution_context
        document = execution_context.graphql_document
        assert document is not None
        operation = operation_of(document, execution_context.operation_name)
        if operation is None:  # strawberry reports the missing operation
            return []
        name = operation.name.value if operation.name else "anonymous"
        try:
            found = measured(
                execution_context.schema._schema,
                document,
                execution_context.operation_name,
                execution_context.variables,
            )
        except RecursionError:
            return [_depth_error(name, operation)]
        if found.depth > MAX_DEPTH:
            return [_depth_error(name, operation)]
        if found.aliases > MAX_ALIASES:
            message = f"{found.aliases} aliases found. Allowed: {MAX_ALIASES}"
            return [GraphQLError(message, [operation])]
        context = execution_context.context
        if found.ids > MAX_PAGE_SIZE:  # counted as a page; refused like one
            translator = _translator(context, during_execution=False)
            message = translator.gettext(TOO_MANY_IDS_MESSAGE, count=found.ids, limit=MAX_PAGE_SIZE)
            extensions = {"code": "BAD_PAGE_SIZE", "limit": MAX_PAGE_SIZE}
            return [GraphQLError(message, [operation], extensions=extensions)]
        limit = DEFAULT_MAX_NODES
        if isinstance(context, Context):
            limit = context.settings.max_query_nodes
            context.cost = found.cost
        if found.nodes <= limit:
            return []
        translator = _translator(context, during_execution=False)
        message = translator.gettext(TOO_COMPLEX_MESSAGE, nodes=found.nodes, limit=limit)
        extensions = {
            "code": "QUERY_TOO_COMPLEX",
            "cost": found.cost,
            "nodes": found.nodes,
            "limit": limit,
        }
        return [GraphQLError(message, [operation], extensions=extensions)]


def measured(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> Measure:
    """The operation's measure, remembered for the same document (ParserCache returns the
    same one for the same text), operation and variables: a repeated read is measured
    once. Variables that are not plain JSON (an upload) are measured every time."""
    try:
        key = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        operation = operation_of(document, operation_name)
        assert operation is not None
        return measure(schema, document, operation, variables)
    return _measured(schema, document, operation_name, key)


@lru_cache(maxsize=MEASURE_CACHE_SIZE)
def _measured(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: bytes
) -> Measure:
    operation = operation_of(document, operation_name)
    assert operation is not None
    return measure(schema, document, operation, orjson.loads(variables))


TOO_COMPLEX_MESSAGE = N_(
    "This query asks for too much at once (estimated size {nodes}, limit {limit}). "
    "Ask for smaller pages with `first` or for fewer nested lists."
)


TOO_MANY_IDS_MESSAGE = N_(
    "`nodes(ids:)` takes at most {limit} IDs at once; got {count}. Ask in several requests."
)


def _depth_error(name: str, operation: Any) -> GraphQLError:
    # strawberry's wording (its QueryDepthLimiter did this before).
    return GraphQLError(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", [operation])


class OperationDeadline(SchemaExtension):
    """The operation's time limit (Settings.operation_timeout, counted from when its
    worker thread starts it): each field checks it before resolving (in its resolver,
    api/graphql/field_resolvers.py, not as per-field middleware), and database statements
    are bounded by it (api/core/deadline.py). Past it, the result is one TIMEOUT
    error and no data, and UnitOfWork rolls the transaction back."""

    at = float("inf")  # no deadline outside a request context

    def on_operation(self) -> Iterator[None]:
        self.started = clock()
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if not isinstance(context, Context):
            yield
            return
        self.at = self.started + context.settings.operation_timeout
        with deadline(self.at, context.engine):
            if context._session is not None and context._session.in_transaction():
                # Opened before execution (e.g. to look up the caller): bound it now.
                bound_connection(context._session.connection())
            yield
        result = self.execution_context.result
        if result is not None and result.errors:
            stopped = [
                e for e in result.errors if isinstance(e.original_error, OperationTimeoutError)
            ]
            if stopped:
                # One error, in the locale already chosen: the session may be unusable.
                message = context.translator_without_lookup().gettext(TIMEOUT_MESSAGE)
                result.data = None
                result.errors = [_copy(stopped[0], message, {"code": "TIMEOUT"})]


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
        QueryLimits,
        OperationDeadline,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # Last: it charges the cost that the extensions before it computed.
        RateLimit,
    ]
