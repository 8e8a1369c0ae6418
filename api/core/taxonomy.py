"""Instance taxonomies (causes of poverty, need categories) as GraphQL values."""

from __future__ import annotations

from typing import Any

import strawberry

from api.core.context import Context
from api.core.settings import TaxonomyEntry


@strawberry.type(description="A code from one of the instance's taxonomies, with its label.")
class TaxonomyTerm:
    code: str = strawberry.field(description="Stable code, e.g. ILLNESS.")
    entry: strawberry.Private[TaxonomyEntry | None]

    @strawberry.field(description="Label in the request's locale.")
    def label(self, info: strawberry.Info[Context, Any]) -> str:
        return self.entry.label(info.context.locale) if self.entry else self.code


def cause_terms(context: Context, codes: list[str]) -> list[TaxonomyTerm]:
    by_code = {entry.code: entry for entry in context.settings.instance.poverty_causes}
    return [TaxonomyTerm(code=code, entry=by_code.get(code)) for code in codes]


def category_term(context: Context, code: str) -> TaxonomyTerm:
    by_code = {entry.code: entry for entry in context.settings.instance.need_categories}
    return TaxonomyTerm(code=code, entry=by_code.get(code))
