"""Error messages never repeat what a client sent. graphql-core describes a bad input by
quoting it ("..., found: {'email': ..., 'password': ...}"); such a message can end up in
logs, proxies and screenshots. These functions cut the quoted values out of every error
message, and as a last guard blank any string the request's variables carry."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

REDACTED = "…"

# ", found: <value>." — the whole tail is the value.
_FOUND = re.compile(r";?,? found:? .*$", re.DOTALL)
# "Variable '$x' got invalid value <value> at 'x.y'; <reason>"
_GOT = re.compile(r" got invalid value .*? at '", re.DOTALL)
_GOT_WHOLE = re.compile(r" got invalid value .*?(;|$)", re.DOTALL)
# "<Type> cannot represent <what>: <value>" (graphql-core's scalars), and strawberry's
# "Value cannot represent a <Type>: <value>. <parser's reason quoting the value>".
_REPRESENT = re.compile(r"(cannot represent [^:;]*?): .*?(?=(; |$))", re.DOTALL)


def redact(message: str, variables: Mapping[str, Any] | None = None) -> str:
    """`message` without the input values it quotes."""
    text = _GOT.sub(" has an invalid value at '", message)
    text = _GOT_WHOLE.sub(r" has an invalid value\1", text)
    text = _REPRESENT.sub(r"\1.", text)
    text = _FOUND.sub(".", text)
    for value in _strings(variables):
        text = text.replace(repr(value), REDACTED).replace(f'"{value}"', REDACTED)
    return text.replace("..", ".")


def _strings(value: Any) -> Iterator[str]:
    """Every string (and number, as text) inside the variables, longest first, so a value
    that contains another is blanked whole."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and item:
            found.add(item)
    yield from sorted(found, key=len, reverse=True)
