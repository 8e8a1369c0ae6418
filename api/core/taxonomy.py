"""Instance taxonomies (causes of poverty, need categories) as GraphQL values.

A label comes from the instance file in the request's locale when it gives one, else from
the catalogs (the built-in taxonomy's English labels are translated there, under the
taxonomy's name as message context), else the English label."""

from __future__ import annotations

from typing import Any

import strawberry

from api.core.context import Context
from api.core.i18n import Translator
from api.core.settings import TaxonomyEntry

POVERTY_CAUSES = "poverty_causes"
NEED_CATEGORIES = "need_categories"
ADMIN_LEVELS = "admin_levels"


def taxonomy_label(translator: Translator, taxonomy: str, entry: TaxonomyEntry) -> str:
    english = entry.labels["en"]
    return entry.own_label(translator.locale) or translator.translated(taxonomy, english) or english


@strawberry.type(description="A code from one of the instance's taxonomies, with its label.")
class TaxonomyTerm:
    code: str = strawberry.field(description="Stable code, e.g. ILLNESS.")
    entry: strawberry.Private[TaxonomyEntry | None]
    taxonomy: strawberry.Private[str]

    @strawberry.field(description="Label in the request's locale.")
    def label(self, info: strawberry.Info[Context, Any]) -> str:
        if self.entry is None:
            return self.code
        return taxonomy_label(info.context.translator, self.taxonomy, self.entry)


def cause_terms(context: Context, codes: list[str]) -> list[TaxonomyTerm]:
    by_code = {entry.code: entry for entry in context.settings.instance.poverty_causes}
    return [
        TaxonomyTerm(code=code, entry=by_code.get(code), taxonomy=POVERTY_CAUSES) for code in codes
    ]


def category_term(context: Context, code: str) -> TaxonomyTerm:
    by_code = {entry.code: entry for entry in context.settings.instance.need_categories}
    return TaxonomyTerm(code=code, entry=by_code.get(code), taxonomy=NEED_CATEGORIES)
