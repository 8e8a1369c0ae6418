"""Section totals by scope (the instance, or a region): one statement per scope and request."""

from __future__ import annotations

from api.core.loading import Loader
from api.stats.sections import SectionTotals, read_section_totals

section_totals: Loader[int, SectionTotals] = Loader(
    "section_totals",
    lambda scope, ids: {i: read_section_totals(scope.session, scope_id=i) for i in sorted(ids)},
)
