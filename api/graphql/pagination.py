"""Connections: the GraphQL shape of a page of a list (api/core/pages.py builds the page)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay

from api.core.pages import MAX_PAGE_SIZE, Page

T = TypeVar("T")
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
        raise NotImplementedError("pages are built by api.graphql.pagination.paginate")


@strawberry.enum(description="Direction of an ordering.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest (earliest) first.")
    DESC = strawberry.enum_value("DESC", description="Largest (latest) first.")


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


__all__ = ["Connection", "Generic", "build_connection", "page_connection"]


def page_connection(page: Page[Any], nodes: list[Any]) -> Connection[Any]:
    """The connection of a page, its rows turned into `nodes` (same order)."""
    return build_connection(
        nodes, page.cursors, has_next=page.has_next, has_previous=page.has_previous
    )
