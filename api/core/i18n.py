"""Localisation behind one small interface.

The platform asks a `Localizer` for messages by locale; everything else (which locale a
request gets, how numbers and dates look) is decided elsewhere. The default localizer
reads gettext catalogs: the built-in ones in `i18n/`, under any directories an instance
configures, which may add a locale or override single messages. A package can replace
the whole implementation by registering a factory under the entry point group
`aidbridge.localizers` and naming it in the instance's `[localisation] provider`.

Catalogs are `.po` files; a `.mo` compiled by `aidbridge i18n compile` is used when it is
newer, otherwise the `.po` is compiled in memory at start-up, so no `.mo` is committed.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from importlib.metadata import entry_points
from io import BytesIO
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

BUILTIN_CATALOG_DIR = Path(__file__).resolve().parents[2] / "i18n"
DOMAIN = "messages"
TEMPLATE_FILE = BUILTIN_CATALOG_DIR / f"{DOMAIN}.pot"
SOURCE_LOCALE = "en"
ENTRY_POINT_GROUP = "aidbridge.localizers"
DEFAULT_PROVIDER = "gettext"

DateStyle = Literal["short", "medium", "long", "full"]


def N_(message: str) -> str:  # noqa: N802  (the gettext convention for "mark only")
    """Mark a message for extraction where it is defined; translate it where it is used."""
    return message


@dataclass(frozen=True)
class LocalisationConfig:
    """Which localizer to use and where an instance keeps its own catalogs."""

    provider: str = DEFAULT_PROVIDER
    # Searched before the built-in catalogs, first directory first.
    catalog_dirs: tuple[Path, ...] = ()


class Localizer(Protocol):
    """What the platform needs from a localisation backend."""

    def gettext(self, locale: str, message: str) -> str: ...

    def ngettext(self, locale: str, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, locale: str, context: str, message: str) -> str: ...

    def completeness(self, locale: str) -> float:
        """Share of the platform's messages translated for `locale`, from 0 to 1."""
        ...


LocalizerFactory = Callable[[LocalisationConfig], Localizer]


# --- The default: gettext catalogs ---------------------------------------------------------


def _message_key(
    message_id: str | tuple[str, ...] | list[str], context: str | None
) -> tuple[str, str]:
    singular = message_id if isinstance(message_id, str) else message_id[0]
    return (context or "", singular)


def _is_translated(message_string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(message_string, tuple | list):
        return bool(message_string) and all(message_string)
    return bool(message_string)


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        if path.suffix == ".mo":
            return read_mo(handle)
        return read_po(handle, locale=locale, domain=DOMAIN)


def _catalog_file(directory: Path, locale: str) -> Path | None:
    """The freshest catalog file for `locale` in one directory: a compiled `.mo` when it is
    at least as new as its `.po`, else the `.po`."""
    folder = directory / locale / "LC_MESSAGES"
    po_file, mo_file = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_file.is_file() and (
        not po_file.is_file() or mo_file.stat().st_mtime >= po_file.stat().st_mtime
    ):
        return mo_file
    return po_file if po_file.is_file() else None


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=1)
def template_keys() -> frozenset[tuple[str, str]]:
    """(context, message id) of every message the code asks for, from `messages.pot`."""
    if not TEMPLATE_FILE.is_file():
        return frozenset()
    with TEMPLATE_FILE.open("rb") as handle:
        template = read_po(handle)
    return frozenset(_message_key(m.id, m.context) for m in template if m.id)


class GettextLocalizer:
    """Catalogs from the instance's directories first, then the built-in ones."""

    def __init__(self, config: LocalisationConfig) -> None:
        self.directories = (*config.catalog_dirs, BUILTIN_CATALOG_DIR)
        self._chains: dict[str, gettext.NullTranslations] = {}
        self._completeness: dict[str, float] = {}

    def _candidates(self, locale: str) -> list[str]:
        """`pt_BR` falls back to `pt`, `zh_Hans_CN` to `zh_Hans`, then `zh`."""
        parts = locale.split("_")
        return ["_".join(parts[:size]) for size in range(len(parts), 0, -1)]

    def _catalogs(self, locale: str) -> list[Catalog]:
        found: list[Catalog] = []
        for candidate in self._candidates(locale):
            for directory in self.directories:
                path = _catalog_file(directory, candidate)
                if path is not None:
                    found.append(read_catalog(path, candidate))
        return found

    def _chain(self, locale: str) -> gettext.NullTranslations:
        chain = self._chains.get(locale)
        if chain is None:
            catalogs = self._catalogs(locale)
            chain = gettext.NullTranslations()
            for catalog in reversed(catalogs):  # the first catalog wins
                compiled = _compiled(catalog)
                compiled.add_fallback(chain)
                chain = compiled
            keys = template_keys()
            if locale.split("_")[0] == SOURCE_LOCALE and not catalogs:
                self._completeness[locale] = 1.0
            else:
                translated = {
                    _message_key(m.id, m.context)
                    for catalog in catalogs
                    for m in catalog
                    if m.id and not m.fuzzy and _is_translated(m.string)
                }
                self._completeness[locale] = len(keys & translated) / len(keys) if keys else 1.0
            self._chains[locale] = chain
        return chain

    def gettext(self, locale: str, message: str) -> str:
        return self._chain(locale).gettext(message)

    def ngettext(self, locale: str, singular: str, plural: str, n: int) -> str:
        return self._chain(locale).ngettext(singular, plural, n)

    def pgettext(self, locale: str, context: str, message: str) -> str:
        return self._chain(locale).pgettext(context, message)

    def completeness(self, locale: str) -> float:
        self._chain(locale)
        return self._completeness[locale]


# --- Choosing the implementation -----------------------------------------------------------


class UnknownLocalizerError(LookupError):
    """No localizer is registered under the configured provider name."""


def _factories() -> Mapping[str, Callable[[], LocalizerFactory]]:
    found: dict[str, Callable[[], LocalizerFactory]] = {
        DEFAULT_PROVIDER: lambda: GettextLocalizer,
    }
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.load)
    return found


@lru_cache(maxsize=8)
def localizer_for(config: LocalisationConfig) -> Localizer:
    factories = _factories()
    if config.provider not in factories:
        known = ", ".join(sorted(factories))
        raise UnknownLocalizerError(f"no localizer named {config.provider!r} (known: {known})")
    return factories[config.provider]()(config)


# --- What call sites use -------------------------------------------------------------------


@runtime_checkable
class Localizable(Protocol):
    """A message parameter that is itself text to translate (a level name, a label),
    rendered only once the request's locale is known."""

    def localized(self, translator: Translator) -> str: ...


@dataclass(frozen=True)
class Label:
    """A term from a taxonomy context (`admin_levels`, ...) as a message parameter."""

    context: str
    text: str

    def localized(self, translator: Translator) -> str:
        return translator.translated(self.context, self.text) or self.text


@dataclass(frozen=True)
class Translator:
    """One locale's messages and formats: what a request, a receipt or an email needs."""

    localizer: Localizer
    locale: str

    def gettext(self, message: str, **params: object) -> str:
        """The translation; with `params`, its `{placeholders}` filled (numbers localized)."""
        return self._fill(self.localizer.gettext(self.locale, message), params)

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self._fill(self.localizer.ngettext(self.locale, singular, plural, n), params)

    def pgettext(self, context: str, message: str, **params: object) -> str:
        return self._fill(self.localizer.pgettext(self.locale, context, message), params)

    def _fill(self, text: str, params: dict[str, object]) -> str:
        return text.format(**self.localized_params(params)) if params else text

    def translated(self, context: str, message: str) -> str | None:
        """The translation, or None when the catalogs have none (so a caller can fall back
        to something better than the English source)."""
        text = self.pgettext(context, message)
        if text != message or self.locale.split("_")[0] == SOURCE_LOCALE:
            return text
        return None

    def number(self, value: int | float) -> str:
        return str(format_decimal(value, locale=self.locale))

    def percent(self, share: float) -> str:
        """A share from 0 to 1 as a whole percentage ("20%", "٢٠٪" style per locale)."""
        return str(format_percent(share, locale=self.locale))

    def list(self, items: Sequence[str]) -> str:
        return str(format_list(list(items), locale=self.locale)) if items else ""

    def date(self, value: date, style: DateStyle = "medium") -> str:
        return str(format_date(value, format=style, locale=self.locale))

    def datetime_as_date(
        self, value: datetime, style: DateStyle = "medium", tz: str = "UTC"
    ) -> str:
        """The calendar day of a moment where the instance is (its time zone)."""
        return self.date(value.astimezone(_zone(tz)).date(), style)

    def localized_params(self, params: Mapping[str, object]) -> dict[str, object]:
        return {name: self._param(value) for name, value in params.items()}

    def _param(self, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.number(value)
        if isinstance(value, Localizable):
            return value.localized(self)
        return value


def translator_for(config: LocalisationConfig, locale: str) -> Translator:
    return Translator(localizer_for(config), locale)


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def text_direction(locale: str) -> Literal["ltr", "rtl"]:
    return "rtl" if Locale.parse(locale).text_direction == "rtl" else "ltr"


def locale_names(locale: str) -> tuple[str, str]:
    """The locale's name in itself and in English, e.g. ("العربية", "Arabic")."""
    parsed = Locale.parse(locale)
    return parsed.get_display_name(parsed) or locale, parsed.get_display_name("en") or locale
