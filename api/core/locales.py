"""Choosing the locale of a request.

Order: an explicit choice (the `X-Aidbridge-Locale` header), the logged-in account's
preference, `Accept-Language` by q-value, the instance default. Tags are matched on
language and script, so `zh-CN`, `zh-Hans-CN` and `zh` all reach `zh_Hans`, and `pt-BR`
reaches `pt` (Babel's own negotiation does neither, and ignores q-values)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel import Locale, UnknownLocaleError


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags by descending q-value (stable for equal q); q=0 means "not this"."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _language_and_script(tag: str) -> tuple[str, str | None] | None:
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return locale.language, locale.script


def match_locale(tag: str | None, available: Sequence[str]) -> str | None:
    """The available locale for one tag: exact, then same language and script, then same
    language where the tag names no script that rules it out."""
    if not tag:
        return None
    if tag in available:
        return tag
    wanted = _language_and_script(tag)
    if wanted is None:
        return None
    language, script = wanted
    candidates = [(code, _language_and_script(code)) for code in available]
    for code, parsed in candidates:
        if parsed == (language, script):
            return code
    for code, parsed in candidates:
        if parsed is not None and parsed[0] == language and (parsed[1] is None or script is None):
            return code
    return None


def negotiate_locale(
    *,
    explicit: str | None,
    preferred: str | None,
    accept_language: str | None,
    available: Sequence[str],
    default: str,
) -> str:
    choices: Iterable[str | None] = (
        explicit,
        preferred,
        *parse_accept_language(accept_language),
    )
    for choice in choices:
        found = match_locale(choice, available)
        if found:
            return found
    return default
