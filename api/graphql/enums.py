"""Exposing a domain StrEnum as a GraphQL enum with a description for every value, so the
tables and the API share one set of values."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[Enum])


def graphql_enum(enum: E, *, name: str, description: str, values: Mapping[str, str]) -> E:
    missing = {member.name for member in enum} ^ set(values)
    if missing:
        raise ValueError(f"{name}: describe exactly the members; mismatch: {sorted(missing)}")
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]
    return enum
