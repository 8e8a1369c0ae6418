"""Message lookup by locale. Issue 4 grows this into pluggable catalogs; until then the
English source text is returned, through the same call sites."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parents[2] / "i18n"
DOMAIN = "messages"


@lru_cache(maxsize=64)
def _translations(locale: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, CATALOG_DIR, languages=[locale], fallback=True)


def gettext_for(locale: str) -> Callable[[str], str]:
    return _translations(locale).gettext
