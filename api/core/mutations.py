"""The one way a mutation runs its service: inside a savepoint, so a typed failure leaves
nothing half-written, and with its errors localized for the payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from api.core.context import Context
from api.core.errors import ServiceError, ServiceErrors, UserError, to_user_errors

R = TypeVar("R")
T = TypeVar("T")
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
