"""Keyset (cursor) pagination: stable under inserts, cheap at any depth.

A cursor is the sort key of the last row seen, opaque to clients (base64 JSON)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
import strawberry
from strawberry import relay

from api.core.errors import api_error
from api.core.i18n import N_

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
FIRST_DESCRIPTION = f"How many to return, 0 to {MAX_PAGE_SIZE}."
AFTER_DESCRIPTION = "The `endCursor` of the previous page; omit for the first page."
First = Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


@strawberry.type(name="Connection", description="A page of results with cursors.")
class Connection(relay.Connection[relay.NodeType]):
    nodes: list[relay.NodeType] = strawberry.field(
        description="The nodes of this page, without their cursors (a shortcut for edges)."
    )

    @classmethod
    def resolve_connection(cls, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("pages are built by api.core.pagination.paginate")


@strawberry.enum(description="Direction of an ordering.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest (earliest) first.")
    DESC = strawberry.enum_value("DESC", description="Largest (latest) first.")


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


def build_connection(
    nodes: list[Any], cursors: list[str], *, has_next: bool, has_previous: bool
) -> Connection[Any]:
    edges = [relay.Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
    )


__all__ = ["Connection", "Generic", "SortKey", "build_connection", "keyset_page"]
