"""Keyset (cursor) pagination for list service functions: stable under inserts, cheap at
any depth, each page one index range walked in order.

A cursor is the sort key of the last row seen, opaque to clients (base64 JSON)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from api.core.errors import api_error
from api.core.i18n import N_

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, a cursor for each, and whether more follow."""

    rows: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool = False
    # Anything the list statement loaded beside the rows (e.g. their region paths).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SortKey:
    """One column of the ordering; the last key must be unique (the primary key)."""

    column: Any
    descending: bool = False
    kind: str = "int"  # int | str | datetime | date


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError(cursor)
        values: list[Any] = []
        for key, value in zip(keys, raw, strict=True):
            if key.kind == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(value)
                if not -(2**63) <= value < 2**63:
                    raise ValueError(value)
                values.append(value)
            elif key.kind == "datetime":
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError(value)
                values.append(moment)
            elif key.kind == "date":
                values.append(date.fromisoformat(value))
            else:
                if not isinstance(value, str):
                    raise ValueError(value)
                values.append(value)
        return values
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise api_error("BAD_CURSOR", N_("The cursor is not valid for this list.")) from None


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise api_error(
            "BAD_PAGE_SIZE",
            N_("`first` must be between 0 and {limit}; got {first}."),
            limit=MAX_PAGE_SIZE,
            first=first,
        )


def _after_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> Any:
    """(k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... with each key's own direction, and the
    implied k1 >= v1 in front: it bounds the index range on the first key, so a planner
    walks one range in order instead of merging the OR's branches and sorting them
    (SQLite does that when a filter also bounds k1)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(sa.and_(*equal, beyond))
    first = keys[0]
    bound = first.column <= values[0] if first.descending else first.column >= values[0]
    return sa.and_(bound, sa.or_(*clauses))


def keyset_page(
    session: Any,
    statement: Any,
    keys: Sequence[SortKey],
    *,
    first: int,
    after: str | None,
    key_of: Callable[[Any], Sequence[Any]],
) -> tuple[list[Any], bool, list[str]]:
    """Run `statement` for one page; returns rows, whether more exist, and their cursors."""
    check_page_size(first)
    if after:
        statement = statement.where(_after_condition(keys, _decode(after, keys)))
    order = [key.column.desc() if key.descending else key.column.asc() for key in keys]
    rows = list(session.execute(statement.order_by(*order).limit(first + 1)).all())
    has_more = len(rows) > first
    rows = rows[:first]
    return rows, has_more, [_encode(key_of(row)) for row in rows]


def fetch_page(
    session: Any,
    statement: Any,
    keys: Sequence[SortKey],
    *,
    first: int,
    after: str | None,
    key_of: Callable[[Any], Sequence[Any]],
) -> Page[Any]:
    """`keyset_page` as a `Page`."""
    rows, has_next, cursors = keyset_page(
        session, statement, keys, first=first, after=after, key_of=key_of
    )
    return Page(rows=rows, cursors=cursors, has_next=has_next, has_previous=after is not None)


def newest_first(
    session: Any, statement: Any, id_column: Any, *, first: int, after: str | None
) -> Page[Any]:
    """A page of the one entity `statement` selects, highest id (newest) first; the rows
    are the entities themselves."""
    page = fetch_page(
        session,
        statement,
        [SortKey(id_column, descending=True)],
        first=first,
        after=after,
        key_of=lambda row: (row[0].id,),
    )
    return replace(page, rows=[entity for (entity,) in page.rows])
