"""The read side of case studies: the list, a service function taking a plain filter and
returning a page of rows, and the look-ups its resolvers need. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.case_studies.models import (
    CaseStudy,
    CaseStudyCause,
    CaseStudyHousehold,
    CaseStudyTranslation,
)
from api.case_studies.service import TEXT_LIMIT, visible_case_studies_condition
from api.core.auth import Principal
from api.core.errors import ErrorCode, coded_error
from api.core.pages import Page, newest_first
from api.households.models import Household
from api.regions.models import Region
from api.regions.visibility import mixed_region_condition


class CaseStudyOrder(StrEnum):
    NEWEST = "NEWEST"


@dataclass
class CaseStudyFilter:
    """Conditions on case studies; None (or empty) means "any"."""

    region_id: int | None = None
    cause: str | None = None
    intervention_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    text: str | None = None


def _text_condition(text: str) -> sa.ColumnElement[bool]:
    """Title, summary or lessons contain `text`, in the original or a translation. LIKE on
    lower(): the same on SQLite and PostgreSQL; % and _ match literally."""
    translated = sa.exists().where(
        col(CaseStudyTranslation.case_study_id) == CaseStudy.id,
        col(CaseStudyTranslation.title).icontains(text, autoescape=True)
        | col(CaseStudyTranslation.summary).icontains(text, autoescape=True)
        | col(CaseStudyTranslation.lessons).icontains(text, autoescape=True),
    )
    return (
        col(CaseStudy.title).icontains(text, autoescape=True)
        | col(CaseStudy.summary).icontains(text, autoescape=True)
        | col(CaseStudy.lessons).icontains(text, autoescape=True)
        | translated
    )


def list_case_studies(
    session: Session,
    principal: Principal,
    filter: CaseStudyFilter,
    order: CaseStudyOrder = CaseStudyOrder.NEWEST,
    *,
    public_level: int,
    first: int,
    after: str | None,
) -> Page[CaseStudy]:
    """Case studies visible to `principal` meeting `filter`, newest first. An unknown
    region matches nothing; below `public_level`, case studies that name households match
    a region only for those who see those households' exact region. A text longer than
    TEXT_LIMIT is TOO_LONG."""
    statement = select(CaseStudy).where(visible_case_studies_condition(principal))
    if filter.region_id is not None:
        region = session.get(Region, filter.region_id)
        if region is None:
            return Page(rows=[], cursors=[], has_next=False, has_previous=False)
        names_households = sa.exists().where(col(CaseStudyHousehold.case_study_id) == CaseStudy.id)
        statement = statement.where(
            mixed_region_condition(
                principal,
                region,
                public_level=public_level,
                path=CaseStudy.region_path,
                located_by_household=names_households,
            )
        )
    if filter.cause:
        statement = statement.where(
            col(CaseStudy.id).in_(
                select(CaseStudyCause.case_study_id).where(
                    CaseStudyCause.cause_code == filter.cause
                )
            )
        )
    if filter.intervention_types:
        statement = statement.where(col(CaseStudy.intervention_type).in_(filter.intervention_types))
    if filter.statuses:
        statement = statement.where(col(CaseStudy.status).in_(filter.statuses))
    text = (filter.text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise coded_error(ErrorCode.TOO_LONG, reported_as="BAD_USER_INPUT", limit=TEXT_LIMIT)
    if text:
        statement = statement.where(_text_condition(text))
    return newest_first(session, statement, col(CaseStudy.id), first=first, after=after)


def household_ids_by_code(session: Session, codes: Iterable[str]) -> list[int]:
    """Database ids of the households with these public codes (those that exist)."""
    wanted = set(codes)
    if not wanted:
        return []
    found = session.exec(select(Household.id).where(col(Household.public_code).in_(wanted))).all()
    return [pk for pk in found if pk is not None]
