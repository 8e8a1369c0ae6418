"""Dates for display: ISO values stay machine-readable; `...Formatted` fields add the
day in the request's locale (CLDR patterns via Babel) and the instance's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.graphql.context import Context
from api.graphql.enums import graphql_enum


class DateStyle(Enum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"
    FULL = "full"


graphql_enum(
    DateStyle,
    name="DateStyle",
    description="How much of a date to spell out, as CLDR defines the styles per locale.",
    values={
        "SHORT": "Digits only, e.g. 22/11/2026 in French.",
        "MEDIUM": "Abbreviated month, e.g. 22 nov. 2026 in French.",
        "LONG": "Month spelled out, e.g. 22 novembre 2026 in French.",
        "FULL": "With the weekday, e.g. dimanche 22 novembre 2026 in French.",
    },
)


def format_day(context: Context, value: date | datetime | None, style: DateStyle) -> str | None:
    """The day in the request's locale; a moment is first placed in the instance's zone."""
    if value is None:
        return None
    translator = context.translator
    if isinstance(value, datetime):
        return translator.datetime_as_date(
            value,
            style.value,
            context.settings.instance.timezone,
        )
    return translator.date(value, style.value)


STYLE_ARGUMENT = "How much of the date to spell out; MEDIUM by default."


def formatted_day_field(value_of: Callable[[Any], date | datetime], *, of: str) -> Any:
    """A `<of>Formatted(style:)` field beside the ISO field `of`."""

    def resolve(
        root: Any,
        info: strawberry.Info[Context, Any],
        style: Annotated[DateStyle, strawberry.argument(description=STYLE_ARGUMENT)] = (
            DateStyle.MEDIUM
        ),
    ) -> str:
        return format_day(info.context, value_of(root), style) or ""

    return strawberry.field(resolver=resolve, description=_description(of))


def optional_formatted_day_field(
    value_of: Callable[[Any], date | datetime | None], *, of: str
) -> Any:
    """Like `formatted_day_field`, null when `of` is null."""

    def resolve(
        root: Any,
        info: strawberry.Info[Context, Any],
        style: Annotated[DateStyle, strawberry.argument(description=STYLE_ARGUMENT)] = (
            DateStyle.MEDIUM
        ),
    ) -> str | None:
        return format_day(info.context, value_of(root), style)

    return strawberry.field(resolver=resolve, description=_description(of))


def _description(of: str) -> str:
    return (
        f"`{of}` as a day for display, in the request's locale (CLDR) and the instance's "
        "time zone, e.g. 22 nov. 2026 in French."
    )
