"""Helpers: people, enterprises and organisations who give."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.settings import Instance
from api.core.validation import check_money, clean_text, optional_text
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
    """Every field is checked before any is changed, and all errors are reported at once."""
    errors: list[ServiceError] = []
    changes: dict[str, Any] = {}

    def check(name: str, action: Callable[[], Any]) -> None:
        try:
            changes[name] = action()
        except ServiceError as error:
            errors.append(error)
        except ServiceErrors as many:
            errors.extend(many.errors)

    if display_name is not None:
        check("display_name", lambda: clean_text(display_name, field="displayName", limit=200))
    if about is not None:
        check("about", lambda: optional_text(about, field="about", limit=2000))
    if preferred_region_ids is not None:
        check("preferred_region_ids", lambda: _known_region_ids(session, preferred_region_ids))
    if preferred_causes is not None:
        check(
            "preferred_causes",
            lambda: _known_codes(preferred_causes, instance.cause_codes(), "preferredCauses"),
        )
    if preferred_categories is not None:
        check(
            "preferred_categories",
            lambda: _known_codes(
                preferred_categories, instance.category_codes(), "preferredCategories"
            ),
        )
    if budget_minor is not None:
        check(
            "budget",
            lambda: check_money(
                instance,
                budget_minor,
                budget_currency or instance.default_currency,
                field="budget.amountMinor",
                currency_field="budget.currency",
                allow_zero=True,
            ),
        )
    if errors:
        raise ServiceErrors(errors)
    budget = changes.pop("budget", None)
    if budget is not None:
        changes["budget_minor"], changes["budget_currency"] = budget
    for name, value in changes.items():
        setattr(helper, name, value)
    session.add(helper)
    session.flush()
    return helper


def _known_region_ids(session: Session, region_ids: list[int]) -> list[int]:
    wanted = set(region_ids)
    found = set(session.exec(select(Region.id).where(col(Region.id).in_(wanted))).all())
    if found != wanted:
        raise ServiceError(ErrorCode.NOT_FOUND, field="preferredRegions")
    return sorted(wanted)


def _known_codes(codes: list[str], known: frozenset[str], field: str) -> list[str]:
    if not set(codes) <= known:
        raise ServiceError(ErrorCode.UNKNOWN_CODE, field=field)
    return sorted(set(codes))


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
