"""Persisted operations: documents addressed by the SHA-256 of their text.

The registered documents are the named operations of `schema/operations/*.graphql`: the
donor frontend's exactly as `api/frontend/build.py` sends them, the others as graphql-core
prints them with the fragments they spread. A request names one with Apollo's
`extensions.persistedQuery {version: 1, sha256Hash}` or with `documentId: "sha256:<hex>"`.

Modes (AIDBRIDGE_PERSISTED_OPERATIONS): `off` accepts any document and registered ones by
hash too; `apq` also remembers documents sent with their hash (automatic persisted
queries, for developers): in Redis when AIDBRIDGE_REDIS_URL is set, so every process and
replica knows what a client registered with one of them, else (and while Redis fails) in
the process, where another process answers PERSISTED_QUERY_NOT_FOUND and the client
sends the document again, as the protocol has it; `only` accepts registered documents by
hash and nothing else, so an instance runs no query its own clients do not send."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import anyio.to_thread
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from api.core.i18n import N_
from api.core.settings import Settings
from api.frontend.build import OPERATIONS_DIR, document_hash, operation_documents
from api.ratelimit.outage import Outage, redis_client

_HEX = re.compile(r"[0-9a-f]{64}")
# Automatic persisted queries: a longer document runs but is not remembered (the client
# sends it in full each time).
APQ_MAX_DOCUMENT_CHARACTERS = 64 * 1024
# In the process: bounded in number and in total size, least recently used dropped.
APQ_MAX_DOCUMENTS = 1000
APQ_MAX_CHARACTERS = 8 * 1024 * 1024
# In Redis: each document for a day after it was last registered, and at most this many
# bytes registered per day (so at most twice as many stored at any time).
APQ_TTL_SECONDS = 24 * 3600
APQ_MAX_BYTES_PER_DAY = 64 * 1024 * 1024


class PersistedQueryError(Exception):
    """A request that names a document the server cannot or will not run; a request
    error (no `data`), reported with `code`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RegisteredOperation:
    name: str
    kind: str  # query or mutation
    document: str
    source: str  # the file it comes from

    @property
    def sha256(self) -> str:
        return document_hash(self.document)


def _spreads(node: Any) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def _file_operations(path: Path) -> list[RegisteredOperation]:
    """Each operation of one file with the fragments it needs, printed by graphql-core."""
    document = parse(path.read_text(encoding="utf-8"))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        needed: list[str] = []
        pending = sorted(_spreads(definition))
        while pending:
            name = pending.pop(0)
            if name in needed or name not in fragments:
                continue
            needed.append(name)
            pending.extend(sorted(_spreads(fragments[name])))
        text = print_ast(
            DocumentNode(definitions=(definition, *(fragments[f] for f in sorted(needed))))
        )
        operations.append(
            RegisteredOperation(definition.name.value, definition.operation.value, text, path.name)
        )
    return operations


@lru_cache(maxsize=2)
def registered_operations(directory: Path = OPERATIONS_DIR) -> tuple[RegisteredOperation, ...]:
    """Every registered operation, the frontend's first (read once per process)."""
    operations = [
        RegisteredOperation(
            name, "mutation" if text.startswith("mutation") else "query", text, "frontend"
        )
        for name, text in sorted(operation_documents(directory).items())
    ]
    for path in sorted(directory.glob("*.graphql")):
        if not path.name.startswith("frontend"):
            operations.extend(_file_operations(path))
    return tuple(operations)


def manifest(directory: Path = OPERATIONS_DIR) -> dict[str, Any]:
    """The registered operations in Apollo's persisted query manifest format, for client
    builds (`aidbridge operations manifest`)."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": op.sha256, "name": op.name, "type": op.kind, "body": op.document}
            for op in registered_operations(directory)
        ],
    }


def manifest_json(directory: Path = OPERATIONS_DIR) -> str:
    return json.dumps(manifest(directory), indent=2, ensure_ascii=False)


class DocumentCache:
    """A small thread-safe LRU of documents by hash, for automatic persisted queries."""

    def __init__(
        self, max_documents: int = APQ_MAX_DOCUMENTS, max_characters: int = APQ_MAX_CHARACTERS
    ) -> None:
        self.max_documents = max_documents
        self.max_characters = max_characters
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._characters = 0
        self._lock = threading.Lock()

    def get(self, sha256: str) -> str | None:
        with self._lock:
            document = self._documents.get(sha256)
            if document is not None:
                self._documents.move_to_end(sha256)
            return document

    def put(self, sha256: str, document: str) -> None:
        if len(document) > min(self.max_characters, APQ_MAX_DOCUMENT_CHARACTERS):
            return
        with self._lock:
            if sha256 in self._documents:
                self._documents.move_to_end(sha256)
                return
            self._documents[sha256] = document
            self._characters += len(document)
            while (
                len(self._documents) > self.max_documents or self._characters > self.max_characters
            ):
                _, dropped = self._documents.popitem(last=False)
                self._characters -= len(dropped)


# Stores the document unless the day's bytes would pass the cap; one registered again
# lives another day. KEYS: the document, the day's byte count; ARGV: document, ttl, cap.
_REMEMBER_SCRIPT = """
if redis.call('EXPIRE', KEYS[1], ARGV[2]) == 1 then return 1 end
local size = string.len(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used + size > tonumber(ARGV[3]) then return 0 end
redis.call('INCRBY', KEYS[2], size)
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


class RedisDocuments:
    """Automatic persisted queries in Redis, shared by every process and replica: keyed
    by their SHA-256, each kept `APQ_TTL_SECONDS`, at most `APQ_MAX_BYTES_PER_DAY` a day."""

    PREFIX = "aidbridge:apq:"
    BYTES_KEY = "aidbridge:apq-bytes"

    def __init__(self, url: str) -> None:
        self.client = redis_client(url)
        self._remember = self.client.register_script(_REMEMBER_SCRIPT)

    def get(self, sha256: str) -> str | None:
        value = cast(bytes | None, self.client.get(self.PREFIX + sha256))
        if value is None:
            return None
        document = value.decode("utf-8", errors="replace")
        # Whoever else writes to this Redis cannot make a hash run another document.
        return document if document_hash(document) == sha256 else None

    def put(self, sha256: str, document: str) -> None:
        self._remember(
            keys=[self.PREFIX + sha256, self.BYTES_KEY],
            args=[document, APQ_TTL_SECONDS, APQ_MAX_BYTES_PER_DAY],
        )


# Apollo clients look for this exact message: it is a token, not text, and not translated.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
# The others are marked source messages, translated where the refusal is answered.
ONLY_MESSAGE = N_("This server runs registered operations only: send the operation's hash.")


class PersistedOperations:
    """Turns a request's `query`, `extensions` and `documentId` into the document to run."""

    def __init__(
        self,
        mode: str,
        operations: tuple[RegisteredOperation, ...],
        shared: RedisDocuments | None = None,
        retry_seconds: float = 5.0,
    ) -> None:
        self.mode = mode
        self.registered = {op.sha256: op.document for op in operations}
        # In front of Redis when there is one (a document never changes under its hash),
        # in its place when there is none or while it fails.
        self.cache = DocumentCache()
        self.shared = shared
        self.outage = Outage(
            "automatic persisted queries' Redis", "keeping them in this process", retry_seconds
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedOperations:
        url = settings.rate_limits.redis_url
        shared = RedisDocuments(url) if settings.persisted_operations == "apq" and url else None
        return cls(
            settings.persisted_operations,
            registered_operations(),
            shared,
            settings.rate_limits.store_retry_seconds,
        )

    async def resolve(
        self, query: str | None, extensions: dict[str, Any] | None, document_id: Any
    ) -> str | None:
        sha256 = _requested_hash(extensions, document_id, query)
        if sha256 is None:
            if query is not None and self.mode == "only":
                raise PersistedQueryError("PERSISTED_QUERY_ONLY", ONLY_MESSAGE)
            return query
        if query is not None:
            if _hash_of(query) != sha256:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    N_("The sha256Hash is not the SHA-256 of the query sent with it."),
                )
            if sha256 in self.registered:
                return query
            if self.mode == "only":
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE)
            if self.mode == "apq":
                await self._remember(sha256, query)
            return query
        document = self.registered.get(sha256)
        if document is None and self.mode == "apq":
            document = await self._recall(sha256)
        if document is None:
            raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE)
        return document

    async def _remember(self, sha256: str, document: str) -> None:
        self.cache.put(sha256, document)
        shared = self.shared
        if shared is not None and len(document) <= APQ_MAX_DOCUMENT_CHARACTERS:
            await anyio.to_thread.run_sync(
                self.outage.call, lambda: shared.put(sha256, document), lambda: None
            )

    async def _recall(self, sha256: str) -> str | None:
        document = self.cache.get(sha256)
        shared = self.shared
        if document is None and shared is not None:
            document = await anyio.to_thread.run_sync(
                self.outage.call, lambda: shared.get(sha256), lambda: None
            )
            if document is not None:
                self.cache.put(sha256, document)
        return document


def _hash_of(query: str) -> str | None:
    """The query's SHA-256; None for text that has no UTF-8 (a lone surrogate, which JSON's
    \\ud800 escapes can make), so no hash can be its own."""
    try:
        return document_hash(query)
    except UnicodeEncodeError:
        return None


def _requested_hash(
    extensions: dict[str, Any] | None, document_id: Any, query: str | None
) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if document_id is not None:
        if persisted is not None or query is not None:
            raise _bad(N_("Send a documentId alone, without a query or a persistedQuery."))
        if not isinstance(document_id, str):
            raise _bad(N_("documentId must be a string such as sha256:<64 hex digits>."))
        sha256 = document_id.removeprefix("sha256:")
    elif persisted is None:
        return None
    else:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_SUPPORTED", N_("Only persistedQuery version 1 is supported.")
            )
        value = persisted.get("sha256Hash")
        if not isinstance(value, str):
            raise _bad(N_("persistedQuery.sha256Hash must be a string of 64 hex digits."))
        sha256 = value
    if not _HEX.fullmatch(sha256):
        raise _bad(N_("A persisted operation's hash is 64 lowercase hex digits (SHA-256)."))
    return sha256


def _bad(message: str) -> PersistedQueryError:
    return PersistedQueryError("BAD_REQUEST", message)
