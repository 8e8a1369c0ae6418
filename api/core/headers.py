"""Security headers on every response, and the CORS allow-list.

A response that sets its own policy keeps it (the donor pages and pictures have theirs;
GraphiQL gets one that lets it load from its CDN); every other answer is JSON nobody
should render, frame or sniff, so it gets the strictest policy."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# strawberry's GraphiQL page (development only): React, GraphiQL and its explorer plugin
# from unpkg, one inline bootstrap script, and requests to this API.
GRAPHIQL_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'unsafe-inline' https://unpkg.com",
        "style-src 'unsafe-inline' https://unpkg.com",
        "font-src https://unpkg.com data:",
        "img-src 'self' data: https://unpkg.com",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
DEFAULT_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
# What a page on an allowed origin may send and read.
CORS_ALLOW_HEADERS = [
    "authorization",
    "content-type",
    "accept",
    "accept-language",
    "x-aidbridge-locale",
    "idempotency-key",
]
CORS_EXPOSE_HEADERS = [
    "content-language",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
]


class SecurityHeaders:
    """ASGI middleware adding the headers above where a response has not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                policy = headers.get("content-security-policy")
                if policy is None:
                    headers["content-security-policy"] = API_CSP
                elif "frame-ancestors" not in policy:
                    headers["content-security-policy"] = f"{policy}; frame-ancestors 'none'"
                for name, value in DEFAULT_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if over_tls and "strict-transport-security" not in headers:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """Browsers on these origins may call the API (bearer tokens, never cookies: no
    credentials are allowed); none by default, so only same-origin pages can."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=CORS_EXPOSE_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    ]
