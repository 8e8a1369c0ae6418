"""Limits on what a request may make the server read: body size on every route, refused
before reading (by Content-Length, or by counting the chunks of a streamed body), and
JSON nesting, refused before parsing (a 100,000-deep `[[[[...` must be a 400, not a
RecursionError)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.http_errors import error_response, request_translator
from api.core.i18n import N_, Translator
from api.core.settings import Settings

# Deeper JSON than any GraphQL request needs (variables are a few levels deep).
MAX_JSON_DEPTH = 64
# Items one JSON array of a request may hold: no list this API takes is longer than a page
# of 100, and graphql-core checks every item of a variable (40,000 wrong enum values took
# seconds of suggestions) before anything else could refuse it.
MAX_JSON_ARRAY = 1_000
# Routes that take no body to speak of (probes, pictures, pages) still get a bound.
DEFAULT_BODY_BYTES = 64 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1


class BodyTooLargeError(Exception):
    """Raised from `receive` once a body passes its limit; the middleware answers 413."""


class MalformedJSONError(ValueError):
    """The body is not JSON this server parses: invalid, not UTF-8, or nested too deep.
    `message` is a marked source message, translated where the refusal is answered."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


TOO_LARGE_MESSAGE = N_("The request body is larger than {limit} bytes.")
TOO_DEEP_MESSAGE = N_("The JSON is nested more than {limit} levels deep.")
NOT_JSON_MESSAGE = N_("Unable to parse the request body as JSON.")
TOO_LONG_MESSAGE = N_("A JSON array in the request has more than {limit} items.")


def too_large(limit: int, translator: Translator) -> JSONResponse:
    return error_response(
        translator,
        413,
        "PAYLOAD_TOO_LARGE",
        TOO_LARGE_MESSAGE,
        {"limit": limit},
        headers={"connection": "close"},
    )


class BodyLimit:
    """ASGI middleware: `limit_for(scope)` is the most a request to that route may send;
    the refusal is in the request's locale among `settings`' (English without them)."""

    def __init__(
        self, app: ASGIApp, limit_for: Callable[[Scope], int], settings: Settings | None = None
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.settings = settings

    def _too_large(self, scope: Scope, limit: int) -> JSONResponse:
        return too_large(limit, request_translator(self.settings, Headers(scope=scope)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._too_large(scope, limit)(scope, receive, send)  # the body is never read
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._too_large(scope, limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused (BodyTooLargeError) as soon as it passes
    `limit`: a handler never holds more than the limit plus one chunk."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def json_depth_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit`, in linear time: strings
    are dropped, each opening bracket counts +1 and each closing one -1, and the running
    sum's peak is the depth (summed in C: ~20 ms for a megabyte of brackets)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return False
    steps = memoryview(brackets.translate(_STEPS)).cast("b")
    return max(accumulate(steps), default=0) > limit


def parse_json(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """JSON from a request, UTF-8 only, nested at most `limit` deep; MalformedJSONError if not."""
    raw = data.encode() if isinstance(data, str) else data
    if json_depth_exceeds(raw, limit):
        raise MalformedJSONError(TOO_DEEP_MESSAGE, limit=limit)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedJSONError(NOT_JSON_MESSAGE) from None
    if longest_array(value) > MAX_JSON_ARRAY:
        raise MalformedJSONError(TOO_LONG_MESSAGE, limit=MAX_JSON_ARRAY)
    return value


def longest_array(value: Any) -> int:
    """The most items any array inside `value` holds (its nesting is already bounded)."""
    longest = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            longest = max(longest, len(item))
            pending.extend(element for element in item if isinstance(element, list | dict))
        elif isinstance(item, dict):
            pending.extend(element for element in item.values() if isinstance(element, list | dict))
    return longest
