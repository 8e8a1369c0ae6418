"""Named batch loaders: each kind of related row is fetched in one statement per request.

A list resolver's page asks a loader for the rows of all its items at once; the field
resolvers of each item then find theirs in the request's cache. Each loader is defined once,
in its domain's `loaders.py`, under a name that is unique across the application, so two
resolvers asking for the same rows share one statement and one cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlmodel import Session

from api.core.auth import Principal

K = TypeVar("K")
V = TypeVar("V")
N = TypeVar("N")


class RequestScope(Protocol):
    """What a loader needs of a request: its unit of work, its caller and its cache."""

    @property
    def session(self) -> Session: ...

    @property
    def principal(self) -> Principal: ...

    @property
    def cache(self) -> dict[str, dict[Any, Any]]: ...


_NAMES: set[str] = set()


@dataclass(frozen=True, eq=False)
class Loader(Generic[K, V]):
    """Rows of one kind by key, fetched at most once per key and request.

    `fetch` gets the request and the missing keys and returns what it found; a key it
    leaves out is remembered as absent (not visible, or no such row)."""

    name: str
    fetch: Callable[[RequestScope, set[K]], Mapping[K, V]]

    def __post_init__(self) -> None:
        if self.name in _NAMES:
            raise ValueError(f"a loader named {self.name!r} is already defined")
        _NAMES.add(self.name)

    def many(self, scope: RequestScope, keys: Iterable[K | None]) -> dict[K, V]:
        """The found rows for `keys`, fetching the missing ones in one call of `fetch`."""
        cache = scope.cache[self.name]
        wanted = [key for key in keys if key is not None]
        missing = {key for key in wanted if key not in cache}
        if missing:
            found = self.fetch(scope, missing)
            for key in missing:
                cache[key] = found.get(key)
        return {key: cache[key] for key in wanted if cache.get(key) is not None}

    def one(self, scope: RequestScope, key: K | None) -> V | None:
        return self.many(scope, [key]).get(key) if key is not None else None

    def loaded(self, scope: RequestScope) -> list[V]:
        """Every row found so far in this request, for work done for all of them at once
        (e.g. the translations of every region a page shows)."""
        return [row for row in scope.cache[self.name].values() if row is not None]

    def prime(self, scope: RequestScope, rows: Mapping[K, V]) -> None:
        """Remember rows a list statement already returned, so no loader fetches them."""
        scope.cache[self.name].update(rows)


def load_many(
    scope: RequestScope,
    kind: str,
    ids: Iterable[Any],
    fetch: Callable[[set[Any]], dict[Any, V]],
) -> dict[Any, V]:
    """An unnamed batch load (prefer a `Loader`): cached under `kind` for the request."""
    cache = scope.cache[kind]
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        found = fetch(missing)
        for key in missing:
            cache[key] = found.get(key)
    return {i: cache[i] for i in ids if i is not None and cache.get(i) is not None}


def load_one(
    scope: RequestScope, kind: str, key: Any, fetch: Callable[[set[Any]], dict[Any, V]]
) -> V | None:
    return load_many(scope, kind, [key], fetch).get(key)


# --- Node IDs ---------------------------------------------------------------------------------

_ROW_ID = re.compile(r"[0-9]{1,18}")


def row_id_key(node_id: str) -> int | None:
    """The row id in a node ID's local part, or None when it cannot be one (ASCII digits
    only: `str.isdigit` also accepts "²", which `int` refuses)."""
    return int(node_id) if _ROW_ID.fullmatch(node_id) else None


def text_key(node_id: str) -> str | None:
    return node_id


def resolve_nodes(
    node_ids: Iterable[Any],
    *,
    load: Callable[[list[K]], Mapping[K, N]],
    decode: Callable[[str], K | None],
) -> list[N | None]:
    """The nodes for `node_ids`, in order, None where one is absent or not visible: every
    `node`/`nodes` lookup of every type goes through here, with one call of `load`."""
    keys = [decode(str(node_id)) for node_id in node_ids]
    found = load(list(dict.fromkeys(key for key in keys if key is not None)))
    return [found.get(key) if key is not None else None for key in keys]
