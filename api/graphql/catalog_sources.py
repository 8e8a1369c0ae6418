"""Babel extractors for messages that are data rather than code: enum value labels
(from the SDL) and the built-in instance's taxonomy labels (from its TOML file).

Each yields `(line, "pgettext", (context, message), comments)` like Babel's own
extractors, so translators see the enum or taxonomy a label belongs to."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from graphql import GraphQLEnumType, build_schema

from api.core.taxonomy import ADMIN_LEVELS, NEED_CATEGORIES, POVERTY_CAUSES
from api.graphql.labels import UNLABELLED_ENUMS, english_label

Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_enum_labels(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    schema = build_schema(fileobj.read().decode("utf-8"))
    for name, type_ in sorted(schema.type_map.items()):
        if not isinstance(type_, GraphQLEnumType) or name.startswith("__"):
            continue
        if name in UNLABELLED_ENUMS:
            continue
        for value, definition in type_.values.items():
            comment = f"{name}.{value}: {definition.description or ''}".strip()
            yield 0, "pgettext", (name, english_label(name, value)), [comment]


def extract_instance_labels(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for level in data.get("admin_levels", []):
        yield 0, "pgettext", (ADMIN_LEVELS, str(level)), ["An administrative level."]
    for taxonomy, what in ((POVERTY_CAUSES, "cause of poverty"), (NEED_CATEGORIES, "need")):
        for entry in data.get(taxonomy, []):
            label = entry["label"] if isinstance(entry["label"], str) else entry["label"]["en"]
            yield 0, "pgettext", (taxonomy, str(label)), [f"A {what}: {entry['code']}."]
