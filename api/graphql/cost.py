"""What an operation asks for, measured from its document and variables before it runs.

One pass over the document per operation gives its depth, its aliases and the number of
objects it may return, in GitHub's model: a paginated field (one with `first`/`last`)
returns up to its page size of objects, and everything selected under it is multiplied by
that size. A list without a page size counts as `LIST_ESTIMATE` objects (or, for
`nodes(ids:)`, as many as the IDs given; with another list argument, its length);
introspection has a fixed weight. Each named fragment is measured once and remembered,
so measuring a document of N bytes takes O(N) time however often its fragments spread
each other. The estimate is an upper bound of what execution does: spreading a fragment
twice counts twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.pyutils import Undefined

from api.core.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_DEPTH = 12
MAX_ALIASES = 40
# Objects one operation may ask for; the instance's own is Settings.max_query_nodes.
DEFAULT_MAX_NODES = 50_000
# Objects a list without a page size is counted as (a household's open requests, the
# items of a request...): lists of this API that are not paginated are short.
LIST_ESTIMATE = 10
# What an introspection field counts as, whatever is selected under it: the whole schema
# is a few thousand objects; one type far fewer.
INTROSPECTION_NODES = {"__schema": 5_000, "__type": 500}
# Cost is requested objects per hundred, at least 1 (what the rate limit charges).
NODES_PER_COST = 100
_PAGE_ARGUMENTS = ("first", "last")
_PAGE_LISTS = ("edges", "nodes")


@dataclass(frozen=True)
class Measure:
    """Depth: nested fields with a selection (introspection not counted), as strawberry's
    depth limiter counted it. Aliases: with each fragment counted where it spreads.
    Nodes: objects the operation may return. IDs: the most that one `nodes(ids:)` asks
    for (refused over MAX_PAGE_SIZE, as a page is: the nodes count stops there)."""

    depth: int = 0
    aliases: int = 0
    nodes: int = 0
    ids: int = 0

    @property
    def cost(self) -> int:
        return max(1, math.ceil(self.nodes / NODES_PER_COST))


_NOTHING = Measure()


def operation_of(document: Any, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation that runs: the one named, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return None


def measure(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> Measure:
    """The depth, aliases and requested objects of `operation`, a part of `document`
    (which has passed validation) run with `variables`."""
    measurer = _Measurer(schema, document, operation, variables or {})
    found = measurer.operation()
    return Measure(found.depth, found.aliases, found.nodes, measurer.most_ids)


class _Measurer:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: Any,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.operation_node = operation
        self.variables = variables
        self.defaults: dict[str, ValueNode] = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        # A fragment's measure, once known; None while it is being measured (a cycle,
        # which validation refuses anyway, then adds nothing).
        self.memo: dict[str, Measure | None] = {}
        self.most_ids = 0

    def operation(self) -> Measure:
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }[self.operation_node.operation]
        return self.selections(self.operation_node.selection_set, root)

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Measure:
        depth = aliases = nodes = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                part = self.selections(selection.selection_set, scope)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            else:  # pragma: no cover  (no other kind of selection exists)
                continue
            depth = max(depth, part.depth)
            aliases += part.aliases
            nodes += part.nodes
        return Measure(depth, aliases, nodes)

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name] or _NOTHING
        definition = self.fragments.get(name)
        if definition is None:
            return _NOTHING
        self.memo[name] = None
        scope = self.schema.get_type(definition.type_condition.name.value)
        found = self.selections(definition.selection_set, scope)
        self.memo[name] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        alias = 1 if node.alias else 0
        name = node.name.value
        fields = getattr(parent, "fields", None)
        definition = fields.get(name) if fields is not None else None
        below = _NOTHING
        if node.selection_set is not None:  # unknown fields (introspection): no type below
            scope = get_named_type(definition.type) if definition is not None else None
            below = self.selections(node.selection_set, scope)
        if name.startswith("__"):  # introspection: fixed weight, no depth
            return Measure(0, alias + below.aliases, INTROSPECTION_NODES.get(name, 0))
        depth = below.depth + 1 if node.selection_set is not None else 0
        if definition is None or node.selection_set is None:
            return Measure(depth, alias + below.aliases, below.nodes)
        if any(argument in definition.args for argument in _PAGE_ARGUMENTS):
            count = self.page_size(node, definition.args)
        elif name in _PAGE_LISTS and parent is not None and parent.name.endswith("Connection"):
            # A connection's edges and nodes are its page, counted by the connection.
            return Measure(depth, alias + below.aliases, below.nodes)
        elif is_list_type(get_nullable_type(definition.type)):
            count = self.list_size(node)
        else:  # one object: what is under it, once
            return Measure(depth, alias + below.aliases, below.nodes)
        return Measure(depth, alias + below.aliases, count + count * below.nodes)

    def page_size(self, node: FieldNode, arguments: Mapping[str, Any]) -> int:
        """The page asked for, 0 to MAX_PAGE_SIZE: the argument's value (a literal or a
        variable), else its default in the schema, else DEFAULT_PAGE_SIZE."""
        for name in _PAGE_ARGUMENTS:
            given = self.argument(node, name)
            if given is Undefined and name in arguments:
                given = arguments[name].default_value
            if isinstance(given, int) and not isinstance(given, bool):
                return min(max(given, 0), MAX_PAGE_SIZE)
        return DEFAULT_PAGE_SIZE

    def list_size(self, node: FieldNode) -> int:
        """As many as the `ids` asked for (at most MAX_PAGE_SIZE), or as the longest other
        list argument (one label set per name of `enumLabels(enums:)`), else LIST_ESTIMATE."""
        ids = self.argument(node, "ids")
        if isinstance(ids, list):
            self.most_ids = max(self.most_ids, len(ids))
            return min(len(ids), MAX_PAGE_SIZE)
        given = [
            len(value)
            for argument in node.arguments or ()
            if isinstance(value := self.value(argument.value), list)
        ]
        return max(given) if given else LIST_ESTIMATE

    def argument(self, node: FieldNode, name: str) -> Any:
        """The argument's value where it is a number or a list (the rest is not needed),
        Undefined when it is not given."""
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self.value(argument.value)
        return Undefined

    def value(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in self.variables:
                return self.variables[name]
            default = self.defaults.get(name)
            return Undefined if default is None else self.value(default)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, ListValueNode):
            return list(value.values)
        return None
