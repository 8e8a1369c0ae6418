"""Instance taxonomies (causes of poverty, need categories) as GraphQL values.

A label comes from the instance file in the request's locale when it gives one, else from
the catalogs (the built-in taxonomy's English labels are translated there, under the
taxonomy's name as message context), else the English label."""

from __future__ import annotations

from api.core.i18n import Translator
from api.core.settings import TaxonomyEntry

POVERTY_CAUSES = "poverty_causes"
NEED_CATEGORIES = "need_categories"
ADMIN_LEVELS = "admin_levels"


def taxonomy_label(translator: Translator, taxonomy: str, entry: TaxonomyEntry) -> str:
    english = entry.labels["en"]
    return entry.own_label(translator.locale) or translator.translated(taxonomy, english) or english
