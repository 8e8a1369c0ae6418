"""Translated text fields in GraphQL: `LocalizedText`, and reading a field in the request's
locale with the translations of its whole page loaded at once (api/core/translations.py
holds the content model, digests and writing)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import strawberry

from api.core.locales import match_locale
from api.core.translations import Translatable, digest_of, load_translations
from api.graphql.context import Context


@strawberry.type(
    description=(
        "A text in the reader's language when a translation exists, else the original; "
        "`language` says which, so the client can mark it (lang attribute)."
    )
)
class LocalizedText:
    text: str = strawberry.field(description="The text.")
    language: str = strawberry.field(
        description="The locale the text is written in, e.g. zh_Hans or en."
    )
    is_translation: bool = strawberry.field(
        description="True when this is a translation, false for the original text."
    )
    is_stale: bool = strawberry.field(
        description=(
            "True when the original text changed after this translation was written; false "
            "for the original."
        )
    )


def localize(
    original: str,
    source_language: str,
    translations: Mapping[str, str | None],
    locale: str,
    *,
    stale: Collection[str] = (),
) -> LocalizedText:
    """The text for `locale`: the original when written in it, else a translation that
    matches on language and script (zh_Hans_CN reads zh_Hans), else the original.
    `stale` names the locales whose translation was written for an older original."""
    if match_locale(locale, [source_language]) is None:
        usable = [tag for tag, text in translations.items() if text]
        chosen = match_locale(locale, usable)
        if chosen is not None:
            return LocalizedText(
                text=translations[chosen] or "",
                language=chosen,
                is_translation=True,
                is_stale=chosen in stale,
            )
    return LocalizedText(
        text=original, language=source_language, is_translation=False, is_stale=False
    )


def localized_field(
    context: Context,
    content: Translatable,
    original: Any,
    page: Iterable[Any],
    field: str,
    *,
    source_language: str | None = None,
) -> LocalizedText:
    """`original.<field>` in the request's locale. Translations load for the whole `page`
    (the originals listed with this one) at once. The original's language is its
    `source_language` unless given (parts of an object share the object's)."""
    cached = context.cache[content.cache_kind]
    if original.id in cached:  # loaded with its page (every row of a page asks)
        translations = cached[original.id] or {}
    else:
        translations = load_translations(context, content, [original, *page]).get(original.id, {})
    current = digest_of(content, original) if translations else ""
    return localize(
        getattr(original, field),
        source_language or original.source_language,
        {tag: getattr(row, field) for tag, row in translations.items()},
        context.locale,
        stale={tag for tag, row in translations.items() if row.source_digest != current},
    )
