"""Batch loaders of projects and their relations, one statement per request each."""

from __future__ import annotations

from api.core.loading import Loader
from api.disbursements.models import DisbursementTargetKind
from api.disbursements.service import TargetMoney, target_money
from api.projects import service
from api.projects.models import Project

# Projects visible to the caller, by id.
project: Loader[int, Project] = Loader(
    "project",
    lambda scope, ids: service.projects_by_id(scope.session, scope.principal, ids),
)

# How many households each project covers.
covered_count: Loader[int, int] = Loader(
    "project_covered_count", lambda scope, ids: service.covered_counts(scope.session, ids)
)

# Each project's fund balances and disbursements.
money: Loader[int, TargetMoney] = Loader(
    "project_money",
    lambda scope, ids: target_money(scope.session, DisbursementTargetKind.PROJECT, ids),
)

# The visible projects covering each household (by household id), oldest first.
covering: Loader[int, list[int]] = Loader(
    "projects_covering",
    lambda scope, ids: service.covering_project_ids(scope.session, scope.principal, ids),
)
