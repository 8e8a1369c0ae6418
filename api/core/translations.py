"""Content in many languages: requests, products, campaigns, exhibitions and case studies
carry translations of their text fields, written by the people who may edit the original.

A translated text field returns the reader's language when a translation exists, else the
original with its language tag, so the client can mark untranslated text. Each kind of
content keeps its translations in its own `<table>_translation` table, one row per
(original, locale), one nullable column per translatable field (null shows the original).

Staleness: a translation row stores `source_digest`, a short hash of the original's
translatable fields when the translation was written. When the original changes, its digest
no longer matches and the translation reads as stale (`LocalizedText.isStale`) until it is
written again. The digest is of the row's fields together, so editing any of them marks
every field of the translation stale."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.loading import RequestScope, load_many
from api.core.locales import match_locale
from api.core.validation import optional_text

DIGEST_LENGTH = 16  # hex characters of sha256: 64 bits, plenty to notice an edit
# Joins the fields before hashing: the ASCII unit separator, which no text field holds, so
# ("ab", "c") and ("a", "bc") differ.
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class TextField:
    """One translatable field: its attribute on the original and on the translation row,
    its name in GraphQL inputs (for errors), and its length limit (the original's)."""

    name: str
    input_name: str
    limit: int


@dataclass(frozen=True)
class Translatable:
    """How one kind of content is translated: the translation table (primary key: the
    original's id, then `locale`), the column naming the original, and the text fields."""

    model: type[Any]
    subject_column: str
    fields: tuple[TextField, ...]

    @property
    def cache_kind(self) -> str:
        return str(self.model.__tablename__)


# --- Digests and reading ---------------------------------------------------------------------


def source_digest(texts: Iterable[str | None]) -> str:
    """A short, stable hash of some texts taken together (None counts as empty)."""
    joined = _SEPARATOR.join("" if text is None else text for text in texts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def digest_of(content: Translatable, original: Any) -> str:
    """The digest of the original's translatable fields as they are now."""
    return source_digest(getattr(original, f.name) for f in content.fields)


def fetch_translations(
    session: Session, content: Translatable, ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Translation rows by original id, then locale (every id present, maybe empty)."""
    wanted = sorted(set(ids))
    subject = getattr(content.model, content.subject_column)
    found: dict[int, dict[str, Any]] = {i: {} for i in wanted}
    if wanted:
        for row in session.exec(select(content.model).where(col(subject).in_(wanted))):
            found[getattr(row, content.subject_column)][row.locale] = row
    return found


def load_translations(
    scope: RequestScope, content: Translatable, originals: Iterable[Any]
) -> dict[int, dict[str, Any]]:
    """Translation rows by original id, then locale, for every original given (a page),
    in one statement, cached for the request."""
    ids = [row.id for row in originals if row.id is not None]
    return load_many(
        scope,
        content.cache_kind,
        ids,
        lambda missing: fetch_translations(scope.session, content, missing),
    )


def prime_translations(
    scope: RequestScope, content: Translatable, originals: Iterable[Any]
) -> None:
    """Load the translations of these originals now, in one statement even when some are
    cached already: for relations loaded in bulk whose overlap with rows read earlier
    varies, so the request's statement count does not depend on it."""
    ids = [row.id for row in originals if row.id is not None]
    if ids:
        scope.cache[content.cache_kind].update(fetch_translations(scope.session, content, ids))


# --- Writing ---------------------------------------------------------------------------------


def check_source_language(tag: str, *, locales: Sequence[str], field: str = "language") -> str:
    """The instance locale an original is written in (`zh-CN` reaches `zh_Hans`)."""
    chosen = match_locale(tag.strip(), locales)
    if chosen is None:
        raise ServiceError(ErrorCode.INVALID, field=field)
    return chosen


def check_target_locale(
    tag: str, *, locales: Sequence[str], source_language: str, field: str = "locale"
) -> str:
    """The instance locale a translation is written in: not the original's language."""
    chosen = match_locale(tag.strip(), locales)
    if chosen is None or match_locale(chosen, [source_language]) is not None:
        raise ServiceError(ErrorCode.INVALID, field=field)
    return chosen


def set_translation(
    session: Session,
    content: Translatable,
    *,
    original: Any,
    locale: str,
    locales: Sequence[str],
    values: Mapping[str, str | None],
    source_language: str | None = None,
) -> Any | None:
    """Add, replace or remove the original's translation into `locale`.

    `values` holds a text (or None) per field name; blank counts as None, and None shows
    the original for that field. With no text at all the translation is removed. Input
    errors are reported together. Returns the translation row, or None when removed."""
    errors: list[ServiceError] = []
    tag = ""
    try:
        tag = check_target_locale(
            locale, locales=locales, source_language=source_language or original.source_language
        )
    except ServiceError as error:
        errors.append(error)
    texts: dict[str, str | None] = {}
    for field in content.fields:
        try:
            texts[field.name] = optional_text(
                values.get(field.name), field=field.input_name, limit=field.limit
            )
        except ServiceError as error:
            errors.append(error)
    if errors:
        raise ServiceErrors(errors)
    existing = session.get(content.model, (original.id, tag))
    if all(text is None for text in texts.values()):
        if existing is not None:
            session.delete(existing)
            session.flush()
        return None
    row = existing or content.model(**{content.subject_column: original.id, "locale": tag})
    for name, text in texts.items():
        setattr(row, name, text)
    row.source_digest = digest_of(content, original)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def remove_translations(
    session: Session, content: Translatable, subject_ids: Iterable[int]
) -> None:
    """Delete every translation of these originals (before the originals themselves)."""
    wanted = sorted(set(subject_ids))
    if wanted:
        subject = getattr(content.model, content.subject_column)
        session.execute(content.model.__table__.delete().where(col(subject).in_(wanted)))
