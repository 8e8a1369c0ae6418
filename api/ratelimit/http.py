"""The HTTP side of the budget: who the client is, refusing a spent anonymous client
before anything is parsed, and the x-ratelimit-* headers on every /graphql answer."""

from __future__ import annotations

import json

import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts.tokens import principal_for_token
from api.core.http_errors import request_translator
from api.core.settings import Settings
from api.ratelimit.budget import (
    BUDGET_SPENT_MESSAGE,
    RATE_LIMITED,
    SCOPE_KEY,
    Budget,
    Limits,
    RequestLimits,
)
from api.ratelimit.clients import account_client, client_ip, ip_client
from api.ratelimit.store import create_store


def limits_for(settings: Settings, engine: Engine) -> Limits:
    store = create_store(settings.rate_limits, engine)
    return Limits.from_settings(settings.rate_limits, store)


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class RateLimitMiddleware:
    """Wraps the GraphQL view. The view's schema extension (api.ratelimit.budget.RateLimit)
    charges what an operation costs; requests that never reach execution cost 1 here."""

    def __init__(self, app: ASGIApp, settings: Settings, engine: Engine) -> None:
        self.app = app
        self.settings = settings
        self.engine = engine
        self.limits = limits_for(settings, engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        ip = client_ip(scope, self.limits.trusted_proxies)
        token = bearer_token(headers)
        state = RequestLimits(self.limits, ip, None if token else ip_client(ip))
        scope[SCOPE_KEY] = state
        if state.client is not None:
            budget = await anyio.to_thread.run_sync(self.limits.budget.peek, state.client)
            if not budget.allowed:
                state.budget = budget
                await self._refuse(scope, receive, send, headers, budget)
                return

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state.budget is None:
                    state.budget = await anyio.to_thread.run_sync(self._charge_one, state, token)
                response_headers = MutableHeaders(scope=message)
                for name, value in state.budget.headers().items():
                    response_headers[name] = value
                if not state.budget.allowed:
                    message["status"] = 429
            await send(message)

        await self.app(scope, receive, send_with_budget)

    def _charge_one(self, state: RequestLimits, token: str | None) -> Budget:
        """A request refused before execution: 1 point, to the token's account if any."""
        if state.client is None:
            state.client = ip_client(state.ip)
            if token is not None:
                with Session(self.engine) as session:
                    principal = principal_for_token(session, token, self.settings.secret_key)
                if principal.account_id is not None:
                    state.client = account_client(principal.account_id)
        budget = self.limits.budget.charge(state.client, 1)
        # Refused or not, the answer is already decided; it only reports the budget.
        return Budget(budget.limit, budget.used, budget.reset, True)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers, budget: Budget
    ) -> None:
        translator = request_translator(self.settings, headers)
        body = {
            "errors": [
                {
                    "message": translator.gettext(BUDGET_SPENT_MESSAGE),
                    "extensions": {
                        "code": RATE_LIMITED,
                        "retryAfter": budget.retry_after(),
                        "limit": budget.limit,
                        "remaining": 0,
                    },
                }
            ]
        }
        content = json.dumps(body).encode()
        response_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"content-language", translator.locale.replace("_", "-").encode()),
            *((name.encode(), value.encode()) for name, value in budget.headers().items()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": response_headers})
        await send({"type": "http.response.body", "body": content})
