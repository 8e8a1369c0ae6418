"""One way for every node type to answer `node(id:)` and `nodes(ids:)`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

import strawberry
from strawberry.types.base import StrawberryObjectDefinition

from api.core.loading import resolve_nodes, row_id_key
from api.graphql.context import Context


class LoadedNode:
    """Mixin for a `relay.Node` type (put it first among the bases): the type says how to
    load visible nodes by key, in one statement, and this resolves any list of node IDs
    with it. An ID whose key is malformed, absent or not visible to the caller is null."""

    node_key: ClassVar[Any] = staticmethod(row_id_key)

    @classmethod
    def load_nodes(cls, context: Context, keys: list[Any]) -> Mapping[Any, Self]:
        raise NotImplementedError(f"{cls.__name__} does not say how to load its nodes")

    # Typed as Any: relay.Node declares overloads that a mixin cannot restate.
    resolve_nodes: ClassVar[Any]


def _resolve_nodes(
    cls: type[LoadedNode],
    *,
    info: strawberry.Info[Context, Any],
    node_ids: Iterable[str],
    required: bool = False,
) -> list[Any]:
    return resolve_nodes(
        node_ids, load=lambda keys: cls.load_nodes(info.context, keys), decode=cls.node_key
    )


LoadedNode.resolve_nodes = classmethod(_resolve_nodes)


def object_class(info: strawberry.Info[Context, Any], name: str) -> Any:
    """The class of the GraphQL object type `name`, found in the schema: for a field of one
    domain that returns objects of another whose types show the first's (a household's
    requests, a request's household), so neither types module imports the other and the
    import graph has no cycle."""
    definition = info.schema.get_type_by_name(name)
    if not isinstance(definition, StrawberryObjectDefinition):
        raise LookupError(f"no object type {name} in the schema")
    return definition.origin
