"""The one way a mutation runs its service: inside a savepoint, so a typed failure leaves
nothing half-written, and with its errors localized for the payload.

Slow work (Argon2, picture encoding) is never done in the write transaction: on SQLite
that transaction holds the database's one write lock from its first statement, and every
other writer of every process waits for it. A mutation with slow work `prepare`s it first
(read what it needs in a short read-only transaction, then compute without a session),
and its service, run by `run_service`, re-checks in the write transaction what the
preparation relied on (a compare-and-set: the password hash it verified is still the
stored one, the token still unused). The operation still has one commit point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from sqlmodel import Session

from api.core.errors import ServiceError, ServiceErrors
from api.graphql.context import Context
from api.graphql.errors import UserError, to_user_errors

R = TypeVar("R")
T = TypeVar("T")
A = TypeVar("A")
P = TypeVar("P")
INPUT_DESCRIPTION = "What to do; see the input type."
# `input: MutationInput[XInput]`: the one described argument every mutation takes.
MutationInput = Annotated[T, strawberry.argument(description=INPUT_DESCRIPTION)]


def run_service(
    info: strawberry.Info[Context, Any], action: Callable[[], R]
) -> tuple[R | None, list[UserError]]:
    context = info.context
    savepoint = context.session.begin_nested()
    try:
        result = action()
        context.session.flush()
    except (ServiceError, ServiceErrors) as error:
        savepoint.rollback()
        return None, to_user_errors(error, context.translator)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    # Rows cached by reads earlier in this request may predate the change: the payload
    # reads what the service wrote.
    context.cache.clear()
    return result, []


def prepare(
    info: strawberry.Info[Context, Any],
    read: Callable[[Session], A],
    compute: Callable[[A], P],
) -> tuple[P | None, list[UserError]]:
    """A mutation's slow step, before its write transaction: `read` gathers plain values
    in the read-only transaction of `Context.read_session`, which ends before `compute`
    runs (so no snapshot, connection or lock is held while it hashes or encodes); a
    typed failure of either is the payload's errors, and nothing is written.

    Called before anything opened the operation's write transaction. A second mutation
    in the same document (after one that wrote) reads in that transaction instead, and
    its slow step then runs inside it: correct, only not concurrent."""
    context = info.context
    try:
        found = read(context.read_session)
        context.end_reads()
        return compute(found), []
    except (ServiceError, ServiceErrors) as error:
        context.end_reads()
        return None, to_user_errors(error, context.translator)
