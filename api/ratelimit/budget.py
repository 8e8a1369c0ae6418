"""The hourly cost budget of each client on /graphql.

An operation is charged its cost (`Context.cost`, computed from the document and
variables before it runs) once validation is done and before any resolver runs; one that
does not fit in what is left is refused with RATE_LIMITED and HTTP 429, and charges
nothing. A request that never gets that far (a malformed body, a parse error) costs 1.
An anonymous client whose budget is spent is refused before its body is even parsed."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.core.i18n import N_, Translator
from api.core.settings import RateLimitSettings
from api.ratelimit.attempts import AttemptLimiter, AttemptPolicy
from api.ratelimit.clients import account_client, ip_client
from api.ratelimit.store import BudgetStore

WINDOW_SECONDS = 3600
# Where the HTTP layer leaves this request's limits for the schema extension and resolvers.
SCOPE_KEY = "aidbridge.limits"
RATE_LIMITED = "RATE_LIMITED"
BUDGET_SPENT_MESSAGE = N_(
    "Too many requests: this client's hourly budget is spent. Try again after the time in "
    "the Retry-After header."
)
COST_OVER_BUDGET_MESSAGE = N_(
    "This operation costs more than is left of this client's hourly budget. Try again after "
    "the time in the Retry-After header."
)


@dataclass(frozen=True)
class Budget:
    """One client's budget in the current window, as the x-ratelimit-* headers tell it."""

    limit: int
    used: int
    reset: int  # epoch seconds when the window ends
    allowed: bool = True

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def retry_after(self, now: float | None = None) -> int:
        return max(1, math.ceil(self.reset - (time.time() if now is None else now)))

    def headers(self) -> dict[str, str]:
        headers = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(min(self.used, self.limit)),
            "x-ratelimit-reset": str(self.reset),
        }
        if not self.allowed:
            headers["retry-after"] = str(self.retry_after())
        return headers


def _window(now: float) -> int:
    return int(now // WINDOW_SECONDS) * WINDOW_SECONDS


class CostBudget:
    """Points per client per fixed hour, counted in the store (which stands in for a
    shared store that fails, api/ratelimit/store.py: a budget never goes unlimited)."""

    def __init__(self, store: BudgetStore, points_per_hour: int) -> None:
        self.store = store
        self.limit = points_per_hour

    def _key(self, client: str, window: int) -> str:
        return f"budget:{client}:{window}"

    def peek(self, client: str) -> Budget:
        window = _window(time.time())
        used = self.store.get(self._key(client, window))
        return Budget(self.limit, used, window + WINDOW_SECONDS, used < self.limit)

    def charge(self, client: str, cost: int) -> Budget:
        window = _window(time.time())
        used, added = self.store.add(
            self._key(client, window), cost, limit=self.limit, ttl=WINDOW_SECONDS + 60
        )
        return Budget(self.limit, used, window + WINDOW_SECONDS, added)


@dataclass
class Limits:
    """Everything an app limits with, built once per process from the settings."""

    budget: CostBudget
    logins: AttemptLimiter
    resets: AttemptLimiter
    trusted_proxies: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: RateLimitSettings, store: BudgetStore) -> Limits:
        backoff = (settings.backoff_seconds, settings.backoff_max_seconds)
        return cls(
            budget=CostBudget(store, settings.points_per_hour),
            logins=AttemptLimiter(
                store,
                "login",
                AttemptPolicy(settings.login_free_attempts, settings.login_max_failures, *backoff),
                AttemptPolicy(
                    settings.login_ip_free_attempts, settings.login_ip_max_failures, *backoff
                ),
            ),
            resets=AttemptLimiter(
                store,
                "reset",
                AttemptPolicy(settings.reset_free_requests, settings.reset_max_requests, *backoff),
                AttemptPolicy(
                    settings.reset_ip_max_requests, settings.reset_ip_max_requests, *backoff
                ),
            ),
            trusted_proxies=settings.trusted_proxies,
        )


@dataclass
class RequestLimits:
    """This request's client and what it was charged (None until charged)."""

    limits: Limits
    ip: str
    client: str | None  # None: a bearer token not yet resolved to an account
    budget: Budget | None = None
    headers: dict[str, str] = field(default_factory=dict)


def request_limits(context: Any) -> RequestLimits | None:
    """The limits of the request behind a GraphQL context, if it came over HTTP."""
    request = getattr(context, "request", None)
    if request is None:
        return None
    found = request.scope.get(SCOPE_KEY)
    return found if isinstance(found, RequestLimits) else None


def rate_limited_error(translator: Translator, budget: Budget, cost: int) -> GraphQLError:
    spent = cost <= 1 or budget.remaining == 0
    message = BUDGET_SPENT_MESSAGE if spent else COST_OVER_BUDGET_MESSAGE
    return GraphQLError(
        translator.gettext(message),
        extensions={
            "code": RATE_LIMITED,
            "retryAfter": budget.retry_after(),
            "cost": cost,
            "limit": budget.limit,
            "remaining": budget.remaining,
        },
    )


class RateLimit(SchemaExtension):
    """Charges the operation's cost before it executes; it must come after the extension
    that computes the cost (api/graphql/cost.py), whose hooks run first."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        limits = request_limits(context)
        if limits is not None and limits.budget is None:
            if limits.client is None:
                principal = context.principal
                limits.client = (
                    account_client(principal.account_id)
                    if principal.account_id is not None
                    else ip_client(limits.ip)
                )
            if limits.client is not None:
                cost = max(1, int(getattr(context, "cost", 1) or 1))
                limits.budget = limits.limits.budget.charge(limits.client, cost)
                if not limits.budget.allowed:
                    error = rate_limited_error(context.translator, limits.budget, cost)
                    self.execution_context.result = GraphQLExecutionResult(
                        data=None, errors=[error]
                    )
        yield
