"""Declarative permission classes for fields. Region scopes and ownership that depend on
data are checked in services; these guard who may call a field at all.

A denied check raises a localized error with `extensions.code` (UNAUTHENTICATED or
FORBIDDEN) at once, instead of mutating shared permission instances."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.core.errors import ErrorCode, coded_error
from api.core.roles import Role
from api.graphql.context import Context


def deny(info: strawberry.Info[Context, Any], code: ErrorCode) -> Exception:
    return coded_error(code)


class IsAuthenticated(BasePermission):
    def has_permission(
        self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any
    ) -> bool:
        if not info.context.principal.is_authenticated:
            raise deny(info, ErrorCode.UNAUTHENTICATED)
        return True


class RoleIn(BasePermission):
    """Only the listed roles may use the field."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def has_permission(
        self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any
    ) -> bool:
        principal = info.context.principal
        if not principal.is_authenticated:
            raise deny(info, ErrorCode.UNAUTHENTICATED)
        if principal.role not in self.roles:
            raise deny(info, ErrorCode.FORBIDDEN)
        return True


def requires(*roles: Role) -> list[FieldExtension]:
    """`extensions=requires(Role.CASEWORKER, ...)`; no roles means any logged-in account."""
    permission: BasePermission = RoleIn(*roles) if roles else IsAuthenticated()
    return [PermissionExtension(permissions=[permission], use_directives=False)]
