"""Taxonomy terms in GraphQL: a code with its label in the reader's locale."""

from __future__ import annotations

from typing import Any

import strawberry

from api.core.settings import TaxonomyEntry
from api.core.taxonomy import NEED_CATEGORIES, POVERTY_CAUSES, taxonomy_label
from api.graphql.context import Context


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
