"""Helpers: people, enterprises and organisations who give."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.settings import Instance
from api.core.validation import check_amount, check_currency, clean_text, optional_text
from api.helpers.models import Helper, HelperKind
from api.regions.models import Region
from api.stats.metrics import helpers_metric
from api.stats.service import bump


def create_helper(session: Session, *, kind: str, display_name: str) -> Helper:
    if kind not in HelperKind.__members__:
        raise ServiceError(ErrorCode.INVALID, field="kind")
    helper = Helper(
        kind=kind, display_name=clean_text(display_name, field="displayName", limit=200)
    )
    session.add(helper)
    session.flush()
    bump(session, None, helpers_metric(kind))
    return helper


def update_helper_profile(
    session: Session,
    *,
    instance: Instance,
    helper: Helper,
    display_name: str | None = None,
    about: str | None = None,
    preferred_region_ids: list[int] | None = None,
    preferred_causes: list[str] | None = None,
    preferred_categories: list[str] | None = None,
    budget_minor: int | None = None,
    budget_currency: str | None = None,
) -> Helper:
    if display_name is not None:
        helper.display_name = clean_text(display_name, field="displayName", limit=200)
    if about is not None:
        helper.about = optional_text(about, field="about", limit=2000)
    if preferred_region_ids is not None:
        found = set(
            session.exec(select(Region.id).where(col(Region.id).in_(preferred_region_ids))).all()
        )
        if found != set(preferred_region_ids):
            raise ServiceError(ErrorCode.NOT_FOUND, field="preferredRegions")
        helper.preferred_region_ids = sorted(found)
    if preferred_causes is not None:
        if not set(preferred_causes) <= instance.cause_codes():
            raise ServiceError(ErrorCode.UNKNOWN_CODE, field="preferredCauses")
        helper.preferred_causes = sorted(set(preferred_causes))
    if preferred_categories is not None:
        if not set(preferred_categories) <= instance.category_codes():
            raise ServiceError(ErrorCode.UNKNOWN_CODE, field="preferredCategories")
        helper.preferred_categories = sorted(set(preferred_categories))
    if budget_minor is not None:
        helper.budget_minor = check_amount(budget_minor, field="budget.amount", allow_zero=True)
        helper.budget_currency = check_currency(
            budget_currency or instance.default_currency, field="budget.currency"
        )
    session.add(helper)
    session.flush()
    return helper


def verify_helper(session: Session, *, helper_id: int, approve: bool) -> Helper:
    helper = session.get(Helper, helper_id)
    if helper is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    helper.verification_status = "VERIFIED" if approve else "REJECTED"
    helper.verified_at = utcnow()
    session.add(helper)
    session.flush()
    return helper


def helpers_by_id(session: Session, ids: Iterable[int]) -> dict[int, Helper]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(select(Helper).where(col(Helper.id).in_(wanted))).all()
    return {row.id: row for row in rows if row.id is not None}
