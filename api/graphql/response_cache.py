"""The response cache: anonymous GraphQL queries answered again from the bytes of an
earlier answer, as long as nothing they were read from was written since.

An ASGI middleware in front of the GraphQL view, inside the rate limit (a hit is charged
what the operation cost when it ran, and carries the x-ratelimit-* headers) and inside
gzip. Only requests without an Authorization header (the API authenticates by bearer
token only, never by cookie), only queries, only answers with data and no error.

The key is everything that changes the bytes: the method, the negotiated media type,
the effective locale (X-Aidbridge-Locale, else Accept-Language; `@inContext` is in the
document), the document (by SHA-256, and how it was named: text, persisted hash or
documentId), operationName, variables and extensions as canonical JSON.

An answer stores the generation of each table its statements touched, as read before it
ran (api/core/cache_generations.py); a hit checks the current generations of those
tables in one small statement and serves only if none moved, so a committed write on any
process invalidates it. Answers older than the max age are not served either: some
fields depend on the clock, not on a write (docs/response-cache.md).

Every /graphql answer gets a Cache-Control: `public, max-age=N, must-revalidate` with a
strong ETag for a cacheable one (If-None-Match on GET is answered 304), `private,
no-store` when the request carried credentials, `no-store` otherwise."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationType, parse
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.answer_store import AnswerStore, CachedAnswer, MemoryAnswers, RedisAnswers
from api.core.cache_generations import current_generations, recording
from api.core.http_errors import LOCALE_HEADER
from api.core.http_limits import MalformedJSONError, parse_json
from api.core.locales import negotiate_locale
from api.core.settings import ResponseCacheSettings, Settings
from api.graphql.cost import measure, operation_of
from api.ratelimit.budget import SCOPE_KEY, Budget, RequestLimits

log = logging.getLogger("aidbridge.cache")

KEY_VERSION = 1
# Documents longer than this are not cached (the token limit refuses far shorter ones).
MAX_DOCUMENT_CHARACTERS = 32 * 1024
# The view's own gzip threshold (api/app.py): answers this size or more are compressed.
GZIP_MINIMUM_SIZE = 1024
PRIVATE = b"private, no-store"
NO_STORE = b"no-store"
# Accept-Encoding is added by the gzip middleware outside, or below when gzipped here.
VARY = b"Accept, Accept-Language, X-Aidbridge-Locale, Authorization"
_PARSED_DOCUMENTS = 256

DocumentResolver = Callable[[str | None, dict[str, Any] | None, Any], Awaitable[str | None]]


@dataclass(frozen=True)
class Lookup:
    """The cache's verdict before running: a hit (with the budget charged), or a miss
    with the generations of every table as they stand now, or a refusal to cache."""

    answer: CachedAnswer | None = None
    budget: Budget | None = None
    before: dict[str, int] | None = None


class ResponseCache:
    """ASGI middleware for the /graphql route (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        engine: Engine,
        *,
        graphql_schema: GraphQLSchema,
        resolve_document: DocumentResolver,
        media_type_of: Callable[[str | None], str],
    ) -> None:
        self.app = app
        self.settings = settings
        self.config: ResponseCacheSettings = settings.response_cache
        self.engine = engine
        self.schema = graphql_schema
        self.resolve_document = resolve_document
        self.media_type_of = media_type_of
        self.store = answer_store(settings)
        self.cache_control = f"public, max-age={self.config.http_max_age}, must-revalidate".encode()
        self._documents: OrderedDict[str, DocumentNode | None] = OrderedDict()
        self._documents_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "authorization" in headers:
            await self.app(scope, receive, _with_cache_control(send, PRIVATE))
            return
        if not self.config.enabled or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, _with_cache_control(send, NO_STORE))
            return
        body, receive = await _buffered(scope, receive)
        request = await self._request(scope, headers, body)
        document = self._query_document(request) if request is not None else None
        if request is None or document is None:
            await self.app(scope, receive, _with_cache_control(send, NO_STORE))
            return
        lookup = await anyio.to_thread.run_sync(self._lookup, request.key, scope.get(SCOPE_KEY))
        if lookup.answer is not None:
            limits = scope.get(SCOPE_KEY)
            if isinstance(limits, RequestLimits):
                limits.budget = lookup.budget
            await self._send_answer(send, request, headers, lookup.answer)
            return
        if lookup.before is None:
            await self.app(scope, receive, _with_cache_control(send, NO_STORE))
            return
        await self._run_and_store(scope, receive, send, request, document, lookup.before)

    async def _request(
        self, scope: Scope, headers: Headers, body: bytes | None
    ) -> CacheableRequest | None:
        """The request's cache key and query, or None when it is not one to cache."""
        parameters = _parameters(scope, headers, body)
        if parameters is None:
            return None
        query = parameters.get("query")
        try:
            document = await self.resolve_document(
                query, parameters.get("extensions"), parameters.get("documentId")
            )
        except Exception:  # refused (persisted operations): the view answers it
            return None
        if document is None or len(document) > MAX_DOCUMENT_CHARACTERS:
            return None
        instance = self.settings.instance
        locale = negotiate_locale(
            explicit=headers.get(LOCALE_HEADER),
            preferred=None,
            accept_language=headers.get("accept-language"),
            available=instance.locales,
            default=instance.default_locale,
        )
        document_hash = hashlib.sha256(document.encode()).hexdigest()
        material = [
            KEY_VERSION,
            scope["method"],
            self.media_type_of(headers.get("accept")),
            locale,
            document_hash,
            query is not None,
            parameters.get("documentId"),
            parameters.get("extensions"),
            parameters.get("operationName"),
            parameters.get("variables"),
            _environment(),
        ]
        try:
            canonical = orjson.dumps(material, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # numbers orjson cannot write (beyond 64 bits): not cached
            return None
        return CacheableRequest(
            key=hashlib.sha256(canonical).hexdigest(),
            document=document,
            document_hash=document_hash,
            operation_name=parameters.get("operationName"),
            variables=parameters.get("variables"),
            gzip="gzip" in headers.get("accept-encoding", ""),
            is_get=scope["method"] == "GET",
        )

    def _lookup(self, key: str, limits: Any) -> Lookup:
        """In a worker thread: the stored answer if it is fresh, its tables unchanged
        and the client's budget holds its cost; else what a miss needs."""
        try:
            answer = self.store.get(key)
            if answer is not None and self._still_valid(answer):
                budget = None
                if isinstance(limits, RequestLimits) and limits.client is not None:
                    budget = limits.limits.budget.charge(limits.client, answer.cost)
                    if not budget.allowed:
                        return Lookup()  # the view refuses it, with the same error as ever
                return Lookup(answer=answer, budget=budget)
            return Lookup(before=current_generations(self.engine))
        except Exception:  # e.g. not migrated yet: answer without the cache
            log.warning("response cache unavailable", exc_info=True)
            return Lookup()

    def _still_valid(self, answer: CachedAnswer) -> bool:
        if time.time() - answer.stored_at >= self.config.max_age:
            return False
        current = current_generations(self.engine, answer.generations.keys())
        return all(current.get(table, 0) == seen for table, seen in answer.generations.items())

    async def _run_and_store(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: CacheableRequest,
        document: DocumentNode,
        before: dict[str, int],
    ) -> None:
        captured = _CapturedResponse()
        with recording() as reads:
            await self.app(scope, receive, captured.send)
        answer = None
        if reads.cacheable and captured.complete:
            answer = self._answer(captured, request, document, reads.tables, before)
        if answer is None:
            await captured.replay(send, NO_STORE)
            return
        if isinstance(self.store, MemoryAnswers):
            self.store.put(request.key, answer)
        else:
            await anyio.to_thread.run_sync(self.store.put, request.key, answer)
        await self._send_answer(send, request, Headers(scope=scope), answer)

    def _answer(
        self,
        captured: _CapturedResponse,
        request: CacheableRequest,
        document: Any,
        tables: Collection[str],
        before: dict[str, int],
    ) -> CachedAnswer | None:
        """The answer to keep, or None: only a 200 with data and no error."""
        start = captured.start
        if start is None or start["status"] != 200:
            return None
        response_headers = Headers(raw=start.get("headers", []))
        if "content-encoding" in response_headers or "set-cookie" in response_headers:
            return None
        content_type = response_headers.get("content-type", "")
        if "json" not in content_type:
            return None
        body = captured.body
        try:
            result = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(result, dict) or "errors" in result or result.get("data") is None:
            return None
        operation = operation_of(document, request.operation_name)
        assert operation is not None
        try:
            cost = measure(self.schema, document, operation, request.variables).cost
        except (GraphQLError, RecursionError, ValueError, TypeError):
            return None
        return CachedAnswer(
            body=body,
            gzipped=gzip.compress(body, compresslevel=6, mtime=0),
            content_type=content_type,
            content_language=response_headers.get("content-language", ""),
            etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
            generations={table: before.get(table, 0) for table in sorted(tables)},
            cost=cost,
            stored_at=time.time(),
        )

    def _query_document(self, request: CacheableRequest) -> DocumentNode | None:
        """The parsed document when the operation it runs is a query, else None."""
        document = self._parsed(request)
        if document is None:
            return None
        operation = operation_of(document, request.operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        return document

    def _parsed(self, request: CacheableRequest) -> DocumentNode | None:
        """The document, parsed once per process (None when it does not parse: the view
        answers that)."""
        with self._documents_lock:
            if request.document_hash in self._documents:
                self._documents.move_to_end(request.document_hash)
                return self._documents[request.document_hash]
        try:
            document: DocumentNode | None = parse(request.document, max_tokens=4000)
        except GraphQLError:
            document = None
        with self._documents_lock:
            self._documents[request.document_hash] = document
            while len(self._documents) > _PARSED_DOCUMENTS:
                self._documents.popitem(last=False)
        return document

    async def _send_answer(
        self,
        send: Send,
        request: CacheableRequest,
        headers: Headers,
        answer: CachedAnswer,
    ) -> None:
        """The answer (gzipped for a client that takes it, as the view's middleware
        would), or 304 when a GET already holds it."""
        compressible = len(answer.body) >= GZIP_MINIMUM_SIZE
        compressed = request.gzip and compressible
        etag = f'"{answer.etag}-gzip"' if compressed else f'"{answer.etag}"'
        cache_headers = [(b"cache-control", self.cache_control), (b"etag", etag.encode())]
        # A POST is not a conditional request (RFC 9110 13.1.2 would make a match a 412).
        if request.is_get and _matches(headers.get("if-none-match"), answer):
            vary = VARY + b", Accept-Encoding" if compressible else VARY
            cache_headers.append((b"vary", vary))
            await send({"type": "http.response.start", "status": 304, "headers": cache_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        # The gzip middleware adds Accept-Encoding to an answer it could compress.
        cache_headers.append((b"vary", VARY + b", Accept-Encoding" if compressed else VARY))
        body = answer.gzipped if compressed else answer.body
        response_headers = [
            (b"content-type", answer.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *cache_headers,
        ]
        if answer.content_language:
            response_headers.append((b"content-language", answer.content_language.encode()))
        if compressed:
            response_headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class CacheableRequest:
    key: str
    document: str
    document_hash: str
    operation_name: str | None
    variables: dict[str, Any] | None
    gzip: bool  # the client takes gzip (the check of starlette's GZipMiddleware)
    is_get: bool


def answer_store(settings: Settings) -> AnswerStore:
    """Redis when AIDBRIDGE_REDIS_URL is set (entries shared by every process on the
    same database), else this process's LRU."""
    config = settings.response_cache
    if config.redis_url:
        namespace = hashlib.sha256(_database_identity(settings.database_url).encode()).hexdigest()
        return RedisAnswers(config.redis_url, namespace[:16], config.max_age, config.max_bytes)
    return MemoryAnswers(config.max_entries, config.max_bytes)


def _database_identity(url: str) -> str:
    """The database URL without its password: processes on the same database share
    entries, other databases (a test run's, a staging copy's) never see them."""
    scheme, _, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}{at}{location}"


_EXPECTED = {
    "query": str,
    "operationName": str,
    "variables": dict,
    "extensions": dict,
    "documentId": str,
}


def _parameters(scope: Scope, headers: Headers, body: bytes | None) -> dict[str, Any] | None:
    """The GraphQL over HTTP parameters as the view reads them, or None for anything the
    view would refuse or treat otherwise (it answers those itself)."""
    if scope["method"] == "GET":
        params = QueryParams(scope.get("query_string", b""))
        data: dict[str, Any] = {name: params.get(name) for name in _EXPECTED if name in params}
        for name in ("variables", "extensions"):
            if isinstance(data.get(name), str):
                try:
                    data[name] = parse_json(data[name])
                except MalformedJSONError:
                    return None
    else:
        if body is None or not _is_json(headers):
            return None
        try:
            parsed = parse_json(body)
        except MalformedJSONError:
            return None
        if not isinstance(parsed, dict):
            return None
        data = parsed
    for name, kind in _EXPECTED.items():
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            return None
    return data


def _environment() -> str:
    """The process's AIDBRIDGE_* variables, hashed: some settings are read per call from
    the environment (api/payments/config.py), so an answer listing payment providers
    follows a change of them like the uncached one does."""
    items = sorted((k, v) for k, v in os.environ.items() if k.startswith("AIDBRIDGE_"))
    return hashlib.sha256(repr(items).encode()).hexdigest()


def _is_json(headers: Headers) -> bool:
    """application/json in UTF-8, the only body the view takes a query from besides an
    upload."""
    media_type, _, parameters = headers.get("content-type", "").partition(";")
    charset = parameters.strip().lower().removeprefix("charset=").strip('"') or "utf-8"
    return media_type.strip().lower() == "application/json" and charset in ("utf-8", "utf8")


async def _buffered(scope: Scope, receive: Receive) -> tuple[bytes | None, Receive]:
    """A POST's whole body (the body limit outside still counts it) and a `receive`
    that hands it to the view again."""
    if scope["method"] != "POST" or not _is_json(Headers(scope=scope)):
        return None, receive  # an upload (multipart) is never a cached query: not read here
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, _replaying([message], receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replaying([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class _CapturedResponse:
    """The view's answer, held back until it is known whether it is kept."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def replay(self, send: Send, cache_control: bytes) -> None:
        if self.start is None:
            return
        _set_cache_control(self.start, cache_control)
        await send(self.start)
        await send({"type": "http.response.body", "body": self.body})


def _set_cache_control(message: Message, value: bytes) -> None:
    headers = MutableHeaders(scope=message)
    if "cache-control" not in headers:
        headers["cache-control"] = value.decode()


def _with_cache_control(send: Send, value: bytes) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            _set_cache_control(message, value)
        await send(message)

    return sending


def _matches(if_none_match: str | None, answer: CachedAnswer) -> bool:
    """If-None-Match by weak comparison (RFC 9110 13.1.2), either encoding's tag."""
    if not if_none_match:
        return False
    ours = {f'"{answer.etag}"', f'"{answer.etag}-gzip"'}
    for tag in if_none_match.split(","):
        tag = tag.strip().removeprefix("W/")
        if tag == "*" or tag in ours:
            return True
    return False
