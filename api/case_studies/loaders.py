"""Batch loaders of case studies and their links, one statement per request each."""

from __future__ import annotations

from api.case_studies import service
from api.case_studies.models import CaseStudy
from api.core.loading import Loader

# Case studies visible to the caller, by id.
case_study: Loader[int, CaseStudy] = Loader(
    "case_study",
    lambda scope, ids: service.case_studies_by_id(scope.session, scope.principal, ids),
)

# The links of each case study, in id (code) order.
causes: Loader[int, list[str]] = Loader(
    "case_study_causes", lambda scope, ids: service.causes_by_case_study(scope.session, ids)
)
projects: Loader[int, list[int]] = Loader(
    "case_study_projects", lambda scope, ids: service.projects_by_case_study(scope.session, ids)
)
households: Loader[int, list[int]] = Loader(
    "case_study_households",
    lambda scope, ids: service.households_by_case_study(scope.session, ids),
)
pairings: Loader[int, list[int]] = Loader(
    "case_study_pairings", lambda scope, ids: service.pairings_by_case_study(scope.session, ids)
)
