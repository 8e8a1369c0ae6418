"""One thin layer per field instead of four: the operation's deadline check, and for the
common field (a plain method of its type, no arguments, no field extension) a direct call.

strawberry resolves every field with a resolver through a generic chain (an `Info`, argument
conversion, the field-extension chain, `get_result`, the resolver object) and the deadline
used to be a schema extension's `resolve` hook, which graphql-core calls as middleware
around every field. A page of 50 requests with their households resolves about 800
fields, so that machinery cost more than the fields themselves. This module replaces, once
when the schema is built, each field's resolver by one function that checks the deadline
and then either calls the method directly (the common field) or strawberry's own resolver
(fields with arguments, permissions or other extensions, async resolvers, `root` or
`parent` parameters): behaviour is the same, only the layers go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.config import StrawberryConfig
from strawberry.types.field import StrawberryField

from api.core.deadline import OperationTimeoutError, past_deadline

DEFINITION = "strawberry-definition"  # where strawberry keeps a GraphQL field's origin
Resolver = Callable[..., Any]


def streamline(schema: GraphQLSchema, config: StrawberryConfig) -> None:
    """Give every field of the schema's object types its one-layer resolver."""
    for named_type in schema.type_map.values():
        if not isinstance(named_type, GraphQLObjectType) or named_type.name.startswith("__"):
            continue
        for field in named_type.fields.values():
            definition = field.extensions.get(DEFINITION)
            if not isinstance(definition, StrawberryField) or field.resolve is None:
                continue
            if getattr(field.resolve, "_streamlined", False):
                continue
            resolver = direct_resolver(definition, config) or checked(field.resolve)
            resolver._streamlined = True  # type: ignore[attr-defined]
            field.resolve = resolver


def direct_resolver(field: StrawberryField, config: StrawberryConfig) -> Resolver | None:
    """A resolver that calls the field's method or reads its attribute without strawberry's
    generic chain, or None where that chain does something for this field."""
    if field.extensions or field.is_subscription:
        return None
    resolver = field.base_resolver
    if resolver is None:  # a plain attribute, read as strawberry's default resolver does
        return _attribute_resolver(field.default_resolver, field.python_name)
    if field.is_async or resolver.arguments or not callable(resolver.wrapped_func):
        return None
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None
    return _method_resolver(
        resolver.wrapped_func,
        field,
        config.info_class,
        takes_self=resolver.self_parameter is not None,
        info_name=info_name,
    )


def _attribute_resolver(default_resolver: Resolver, name: str) -> Resolver:
    def resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        if past_deadline():  # inline: this runs for every field
            raise OperationTimeoutError
        return default_resolver(source, name)

    return resolve


def _method_resolver(
    method: Resolver,
    field: StrawberryField,
    info_class: type,
    *,
    takes_self: bool,
    info_name: str | None,
) -> Resolver:
    if takes_self and info_name is None:

        def resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
            if past_deadline():
                raise OperationTimeoutError
            try:
                return method(source)
            except sa.exc.OperationalError as error:
                if past_deadline():
                    raise OperationTimeoutError from error
                raise

        return resolve

    def resolve_with_info(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        if past_deadline():
            raise OperationTimeoutError
        args = (source,) if takes_self else ()
        kwargs = {info_name: info_class(_raw_info=info, _field=field)} if info_name else {}
        try:
            return method(*args, **kwargs)
        except sa.exc.OperationalError as error:
            if past_deadline():  # the database stopped a statement at the deadline
                raise OperationTimeoutError from error
            raise

    return resolve_with_info


def checked(resolve: Resolver) -> Resolver:
    """strawberry's own resolver for the field, after the deadline check."""

    def resolve_checked(source: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        if past_deadline():
            raise OperationTimeoutError
        try:
            return resolve(source, info, **kwargs)
        except sa.exc.OperationalError as error:
            if past_deadline():  # the database stopped a statement at the deadline
                raise OperationTimeoutError from error
            raise

    return resolve_checked
