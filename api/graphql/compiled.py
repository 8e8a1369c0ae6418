"""Queries executed by a plan compiled once per document, instead of field by field.

graphql-core executes every field of every row through the same generic steps: a `Path`,
a resolve-info object, the argument values, completion by type with checks for awaitables,
abstract types and errors. A page of 50 requests with their households is about 800
fields, and those steps cost more than the fields themselves. As graphql-jit does for
JavaScript, a query's selection is compiled once into a tree of plans (what to resolve for
each response key, with which arguments, how to complete the value) that later executions
walk directly: arguments and resolve-info are built once per field of the document, not per
row.

The plan covers the happy path only. Anything it does not model - an error, a null where
the schema says non-null, an awaitable, an abstract type, a directive on a field - stops the
compiled run (`Deopt`) and the operation runs again through graphql-core, which gives the
exact errors, paths and partial data the specification asks for. A run is a read (queries
only), and what it left behind is the request's cache of loaded rows, which the second run
uses: it reads nothing twice. The answers are the same either way
(tests/core/test_compiled_execution.py compares them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

TYPENAME = "__typename"
MAX_PLANS = 512  # compiled documents kept per process (least recently used dropped)


class Deopt(Exception):  # noqa: N818  (a signal, not an error)
    """The compiled run met something only graphql-core's execution handles exactly."""


class NotCompilable(Exception):  # noqa: N818
    """The document uses something plans do not model; it always runs through graphql-core."""


@dataclass(eq=False)
class FieldPlan:
    key: str
    parent_type: GraphQLObjectType
    definition: GraphQLField | None  # None for __typename
    nodes: list[FieldNode]
    resolve: Callable[..., Any] | None
    has_arguments: bool
    complete: Callable[[Any, Run], Any] = field(repr=False, default=lambda value, run: value)


@dataclass(eq=False)
class SelectionPlan:
    object_type: GraphQLObjectType
    fields: list[FieldPlan]


class Run:
    """One execution of a plan: the arguments and resolve-info of each field of the
    document, built on first use and shared by every row."""

    __slots__ = ("arguments", "context", "infos")

    def __init__(self, context: StrawberryGraphQLCoreExecutionContext) -> None:
        self.context = context
        self.infos: dict[FieldPlan, GraphQLResolveInfo] = {}
        self.arguments: dict[FieldPlan, dict[str, Any]] = {}

    def info(self, plan: FieldPlan) -> GraphQLResolveInfo:
        found = self.infos.get(plan)
        if found is None:
            assert plan.definition is not None
            found = self.context.build_resolve_info(
                plan.definition,
                plan.nodes,
                plan.parent_type,
                Path(None, plan.key, plan.parent_type.name),
            )
            self.infos[plan] = found
        return found

    def args(self, plan: FieldPlan) -> dict[str, Any]:
        found = self.arguments.get(plan)
        if found is None:
            assert plan.definition is not None
            found = get_argument_values(
                plan.definition, plan.nodes[0], self.context.variable_values
            )
            self.arguments[plan] = found
        return found


def execute_selection(plan: SelectionPlan, source: Any, run: Run) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field_plan in plan.fields:
        resolve = field_plan.resolve
        if resolve is None:
            data[field_plan.key] = plan.object_type.name
            continue
        info = run.info(field_plan)
        try:
            if field_plan.has_arguments:
                value = resolve(source, info, **run.args(field_plan))
            else:
                value = resolve(source, info)
        except Exception as error:
            raise Deopt from error
        if isinstance(value, Exception):
            raise Deopt
        data[field_plan.key] = field_plan.complete(value, run)
    return data


# --- Compiling --------------------------------------------------------------------------------


class Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        default_resolver: Callable[..., Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.default_resolver = default_resolver

    def selection(
        self, object_type: GraphQLObjectType, selection_sets: Iterable[SelectionSetNode]
    ) -> SelectionPlan:
        grouped: OrderedDict[str, list[FieldNode]] = OrderedDict()
        for selection_set in selection_sets:
            self._collect(object_type, selection_set, grouped, set())
        plans = [self._field(object_type, key, nodes) for key, nodes in grouped.items()]
        return SelectionPlan(object_type, plans)

    def _collect(
        self,
        object_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: OrderedDict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("a directive on a selection")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(object_type, selection.type_condition):
                    self._collect(object_type, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise NotCompilable(f"unknown fragment {name}")
                if fragment.directives:
                    raise NotCompilable("a directive on a fragment")
                if self._applies(object_type, fragment.type_condition):
                    self._collect(object_type, fragment.selection_set, grouped, visited)
            else:  # pragma: no cover - the language has no other selection
                raise NotCompilable(type(selection).__name__)

    def _applies(self, object_type: GraphQLObjectType, condition: Any) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is object_type:
            return True
        if named is None or isinstance(named, GraphQLObjectType):
            return False
        return self.schema.is_sub_type(named, object_type)  # type: ignore[arg-type]

    def _field(self, parent_type: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> FieldPlan:
        name = nodes[0].name.value
        if name == TYPENAME:
            return FieldPlan(key, parent_type, None, nodes, None, False)
        definition = parent_type.fields.get(name)
        if definition is None:
            raise NotCompilable(f"{parent_type.name}.{name} is not a field")
        has_arguments = bool(definition.args or nodes[0].arguments)
        if any(node.arguments != nodes[0].arguments for node in nodes[1:]):
            raise NotCompilable("one response key with different arguments")
        plan = FieldPlan(
            key,
            parent_type,
            definition,
            nodes,
            definition.resolve or self.default_resolver,
            has_arguments,
        )
        selections = [node.selection_set for node in nodes if node.selection_set is not None]
        plan.complete = self._completer(definition.type, selections)
        return plan

    def _completer(
        self, graphql_type: Any, selections: Sequence[SelectionSetNode]
    ) -> Callable[[Any, Run], Any]:
        if isinstance(graphql_type, GraphQLNonNull):
            inner = self._completer(graphql_type.of_type, selections)

            def complete_non_null(value: Any, run: Run) -> Any:
                if value is None:
                    raise Deopt
                return inner(value, run)

            return complete_non_null
        if isinstance(graphql_type, GraphQLList):
            item = self._completer(graphql_type.of_type, selections)

            def complete_list(value: Any, run: Run) -> Any:
                if value is None:
                    return None
                if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                    raise Deopt
                return [item(entry, run) for entry in value]

            return complete_list
        if isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType):
            coerce = graphql_type.coerce_output_value

            def complete_leaf(value: Any, run: Run) -> Any:
                if value is None:
                    return None
                try:
                    coerced = coerce(value)
                except Exception as error:
                    raise Deopt from error
                if coerced is None or coerced is Undefined:
                    raise Deopt
                return coerced

            return complete_leaf
        if isinstance(graphql_type, GraphQLObjectType):
            child = self.selection(graphql_type, selections)
            is_type_of = graphql_type.is_type_of

            def complete_object(value: Any, run: Run) -> Any:
                if value is None:
                    return None
                # strawberry's is_type_of reads only the value; the info is not built per row.
                if is_type_of is not None and is_type_of(value, None) is not True:  # type: ignore[arg-type]
                    raise Deopt
                return execute_selection(child, value, run)

            return complete_object
        raise NotCompilable(f"{graphql_type} is abstract")


# --- Hooking into graphql-core -----------------------------------------------------------------


_PLANS: OrderedDict[int, tuple[OperationDefinitionNode, SelectionPlan | None]] = OrderedDict()
_PLANS_LOCK = threading.Lock()


def plan_for(context: StrawberryGraphQLCoreExecutionContext) -> SelectionPlan | None:
    """The operation's compiled plan, compiled on its first execution; None when the
    document cannot be compiled (remembered too, so it is not tried again)."""
    operation = context.operation
    key = id(operation)
    with _PLANS_LOCK:  # operations run in worker threads
        found = _PLANS.get(key)
        if found is not None and found[0] is operation:
            _PLANS.move_to_end(key)
            return found[1]
    root = context.schema.query_type
    plan: SelectionPlan | None
    try:
        assert root is not None
        compiler = Compiler(
            context.schema, dict(context.fragment_definitions), context.field_resolver
        )
        plan = compiler.selection(root, [operation.selection_set])
    except (NotCompilable, RecursionError):
        plan = None
    with _PLANS_LOCK:
        # The entry holds the operation, so its id is not reused while the entry lives.
        _PLANS[key] = (operation, plan)
        while len(_PLANS) > MAX_PLANS:
            _PLANS.popitem(last=False)
    return plan


class CompiledExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with queries run by their compiled plan first."""

    # How many operations took each path in this process (read by the tests).
    compiled_runs = 0
    deoptimized_runs = 0

    def execute_root_grouped_field_set(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if (
            not serially
            and not (middleware is not None and middleware.middlewares)
            and root_type is self.schema.query_type
        ):
            plan = plan_for(self)
            if plan is not None:
                try:
                    data = execute_selection(plan, root_value, Run(self))
                except Deopt:
                    type(self).deoptimized_runs += 1
                else:
                    type(self).compiled_runs += 1
                    return data
        return super().execute_root_grouped_field_set(
            root_type, root_value, grouped_field_set, serially, position_context
        )
