"""How an operation runs: in a worker thread with one unit of work, with limits, and with
a stable `extensions.code` on every error a client can receive."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import anyio.to_thread
import strawberry
from graphql import GraphQLError, OperationType
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionResult

from api.audit.models import AuditEvent
from api.core.context import Context
from api.core.db import utcnow

log = logging.getLogger("aidbridge.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 40
MAX_TOKENS = 4000


class ThreadedSchema(strawberry.Schema):
    """Resolvers are synchronous and talk to the database directly; running the whole
    operation in a worker thread keeps the event loop free for other requests."""

    async def execute(  # type: ignore[override]
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
        try:
            if context._session is not None:
                write_audit_reads(context)
                context.session.commit()
        except Exception:
            log.exception("commit failed")
            if context._session is not None:
                context._session.rollback()
            raise
        finally:
            context.close()


def write_audit_reads(context: Context) -> None:
    if not context.audit_reads:
        return
    principal = context.principal
    now = utcnow()
    context.session.add_all(
        AuditEvent(
            at=now,
            actor_account_id=principal.account_id,
            actor_role=principal.audit_role,
            action=f"{read.subject_type.lower()}.read_sensitive",
            subject_type=read.subject_type,
            subject_id=read.subject_id,
            detail={"fields": sorted(read.fields)},
        )
        for read in context.audit_reads.values()
    )
    context.audit_reads.clear()


class ErrorCodes(SchemaExtension):
    """Give every error a code; hide the text of unexpected ones (they are logged)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [_with_code(error) for error in result.errors]


def _with_code(error: GraphQLError) -> GraphQLError:
    extensions = dict(error.extensions or {})
    original = error.original_error
    if "code" in extensions:
        return error
    if original is None or isinstance(original, GraphQLError):
        nested = getattr(original, "extensions", None) or {}
        if "code" in nested:
            extensions["code"] = nested["code"]
        elif error.path:
            extensions["code"] = "BAD_USER_INPUT"
        else:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
        return GraphQLError(
            error.message, error.nodes, error.source, error.positions, error.path, None, extensions
        )
    log.error("unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        "Internal server error.",
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": "INTERNAL_SERVER_ERROR"},
    )


def schema_extensions() -> list[Any]:
    return [
        ErrorCodes,
        UnitOfWork,
        ParserCache,
        ValidationCache,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
