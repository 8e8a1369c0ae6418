"""Persisted operations: documents addressed by the SHA-256 of their text.

The registered documents are the named operations of `schema/operations/*.graphql`: the
donor frontend's exactly as `api/frontend/build.py` sends them, the others as graphql-core
prints them with the fragments they spread. A request names one with Apollo's
`extensions.persistedQuery {version: 1, sha256Hash}` or with `documentId: "sha256:<hex>"`.

Modes (AIDBRIDGE_PERSISTED_OPERATIONS): `off` accepts any document and registered ones by
hash too; `apq` also remembers, per process, documents sent with their hash (automatic
persisted queries, for developers); `only` accepts registered documents by hash and
nothing else, so an instance runs no query its own clients do not send."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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
from api.frontend.build import OPERATIONS_DIR, document_hash, operation_documents

_HEX = re.compile(r"[0-9a-f]{64}")
# Automatic persisted queries live in the process: bounded in number and in total size.
APQ_MAX_DOCUMENTS = 1000
APQ_MAX_CHARACTERS = 8 * 1024 * 1024


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
        if len(document) > self.max_characters:
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


# Apollo clients look for this exact message: it is a token, not text, and not translated.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
# The others are marked source messages, translated where the refusal is answered.
ONLY_MESSAGE = N_("This server runs registered operations only: send the operation's hash.")


class PersistedOperations:
    """Turns a request's `query`, `extensions` and `documentId` into the document to run."""

    def __init__(self, mode: str, operations: tuple[RegisteredOperation, ...]) -> None:
        self.mode = mode
        self.registered = {op.sha256: op.document for op in operations}
        self.cache = DocumentCache()

    def resolve(
        self, query: str | None, extensions: dict[str, Any] | None, document_id: Any
    ) -> str | None:
        sha256 = _requested_hash(extensions, document_id, query)
        if sha256 is None:
            if query is not None and self.mode == "only":
                raise PersistedQueryError("PERSISTED_QUERY_ONLY", ONLY_MESSAGE)
            return query
        if query is not None:
            if document_hash(query) != sha256:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    N_("The sha256Hash is not the SHA-256 of the query sent with it."),
                )
            if sha256 in self.registered:
                return query
            if self.mode == "only":
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE)
            if self.mode == "apq":
                self.cache.put(sha256, query)
            return query
        document = self.registered.get(sha256)
        if document is None and self.mode == "apq":
            document = self.cache.get(sha256)
        if document is None:
            raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE)
        return document


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
