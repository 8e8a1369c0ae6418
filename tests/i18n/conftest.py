"""Expected values are computed independently of the code under test: messages straight
from the `.po` files with Babel's reader, formats straight from Babel (CLDR)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[2] / "i18n"
LOCALES = ("en", "zh_Hans", "fr", "es", "ar", "ru", "sw", "pt")


@cache
def po_catalog(locale: str, directory: Path = I18N) -> Catalog:
    with (directory / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def po_text(locale: str, message: str, context: str | None = None, form: int = 0) -> str:
    entry = po_catalog(locale).get(message, context=context)
    assert entry is not None, f"{message!r} ({context}) is not in the {locale} catalog"
    text = entry.string[form] if isinstance(entry.string, tuple) else entry.string
    assert text, f"{message!r} is untranslated in {locale}"
    return str(text)
