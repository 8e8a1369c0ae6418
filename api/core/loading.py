"""Per-request bulk loading: list resolvers prime the cache, field resolvers read it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from api.core.context import Context

V = TypeVar("V")


def load_many(
    context: Context,
    kind: str,
    ids: Iterable[Any],
    fetch: Callable[[set[Any]], dict[Any, V]],
) -> dict[Any, V]:
    """Return cached rows for `ids`, fetching the missing ones in one statement."""
    cache = context.cache[kind]
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        found = fetch(missing)
        for key in missing:
            cache[key] = found.get(key)
    return {i: cache[i] for i in ids if i is not None and cache.get(i) is not None}


def load_one(
    context: Context, kind: str, key: Any, fetch: Callable[[set[Any]], dict[Any, V]]
) -> V | None:
    return load_many(context, kind, [key], fetch).get(key)
