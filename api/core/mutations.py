"""The one way a mutation runs its service: inside a savepoint, so a typed failure leaves
nothing half-written, and with its errors localized for the payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from api.core.context import Context
from api.core.errors import ServiceError, ServiceErrors, UserError, to_user_errors

R = TypeVar("R")


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
        return None, to_user_errors(error, context.locale)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result, []
