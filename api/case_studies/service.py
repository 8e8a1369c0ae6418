"""Case studies: stories of what worked, for replication. Written by platform admins,
organisation admins (for their organisation) and caseworkers (for their area); published
only after a platform admin's review: DRAFT → IN_REVIEW → PUBLISHED, or back to DRAFT.

A case study links projects, households and pairings it reports on; each linked one must be
visible to the editor, and households and pairings must lie in the case study's region
(or below it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.case_studies.models import (
    CaseStudy,
    CaseStudyCause,
    CaseStudyHousehold,
    CaseStudyPairing,
    CaseStudyProject,
    CaseStudyStatus,
    CaseStudyTranslation,
    InterventionType,
)
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.roles import Role
from api.core.settings import Instance
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import check_amount, check_currency, clean_text, optional_text
from api.households.models import Household
from api.households.service import visible_households_condition
from api.pairing.models import Pairing
from api.pairing.service import visible_pairings_condition
from api.projects.models import Project
from api.projects.service import visible_projects_condition
from api.regions.models import Region

AUDIT_SUBJECT = "CaseStudy"
MAX_LINKS = 100
MAX_COUNT = 10_000_000
TEXT_LIMIT = 200  # of the list's text search
TITLE_LIMIT = 200
SUMMARY_LIMIT = 1000
STORY_LIMIT = 20000
LESSONS_LIMIT = 5000
CASE_STUDY_TEXT = Translatable(
    CaseStudyTranslation,
    "case_study_id",
    (
        TextField("title", "title", TITLE_LIMIT),
        TextField("summary", "summary", SUMMARY_LIMIT),
        TextField("story", "story", STORY_LIMIT),
        TextField("lessons", "lessons", LESSONS_LIMIT),
    ),
)


@dataclass
class CaseStudyDetails:
    """A case study's fields as given; None means "leave unchanged" on update."""

    title: str | None = None
    summary: str | None = None
    story: str | None = None
    lessons: str | None = None
    region_id: int | None = None
    intervention_type: str | None = None
    causes: list[str] | None = None
    currency: str | None = None
    income_before_minor: int | None = None
    income_after_minor: int | None = None
    households_lifted_out: int | None = None
    jobs_created: int | None = None
    project_ids: list[int] | None = None
    household_ids: list[int] | None = None
    pairing_ids: list[int] | None = None


def visible_case_studies_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Everyone sees PUBLISHED ones; caseworkers also those of their area, organisation
    admins those of their organisation; platform admins all."""
    if principal.is_admin:
        return sa.true()
    published = col(CaseStudy.status) == CaseStudyStatus.PUBLISHED
    if principal.role == Role.CASEWORKER and principal.region_path:
        return sa.or_(published, col(CaseStudy.region_path).startswith(principal.region_path))
    if principal.role == Role.ORGANISATION_ADMIN and principal.helper_id is not None:
        return sa.or_(published, col(CaseStudy.organisation_id) == principal.helper_id)
    return published


def can_edit(principal: Principal, case_study: CaseStudy) -> bool:
    if principal.is_admin:
        return True
    if principal.role == Role.CASEWORKER:
        return principal.covers_region(case_study.region_path)
    return (
        principal.role == Role.ORGANISATION_ADMIN
        and principal.helper_id is not None
        and case_study.organisation_id == principal.helper_id
    )


def case_studies_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, CaseStudy]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(CaseStudy)
        .where(col(CaseStudy.id).in_(wanted))
        .where(visible_case_studies_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def _links(session: Session, column: Any, key: Any, ids: Iterable[int]) -> dict[int, list[Any]]:
    wanted = set(ids)
    found: dict[int, list[Any]] = {i: [] for i in wanted}
    if wanted:
        rows = session.execute(
            select(key, column).where(key.in_(wanted)).order_by(key, column)
        ).all()
        for owner, value in rows:
            found[owner].append(value)
    return found


def causes_by_case_study(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    return _links(session, col(CaseStudyCause.cause_code), col(CaseStudyCause.case_study_id), ids)


def projects_by_case_study(session: Session, ids: Iterable[int]) -> dict[int, list[int]]:
    return _links(
        session, col(CaseStudyProject.project_id), col(CaseStudyProject.case_study_id), ids
    )


def households_by_case_study(session: Session, ids: Iterable[int]) -> dict[int, list[int]]:
    return _links(
        session, col(CaseStudyHousehold.household_id), col(CaseStudyHousehold.case_study_id), ids
    )


def pairings_by_case_study(session: Session, ids: Iterable[int]) -> dict[int, list[int]]:
    return _links(
        session, col(CaseStudyPairing.pairing_id), col(CaseStudyPairing.case_study_id), ids
    )


def case_study_for_editor(session: Session, actor: Principal, case_study_id: int) -> CaseStudy:
    case_study = session.exec(
        select(CaseStudy).where(
            CaseStudy.id == case_study_id, visible_case_studies_condition(actor)
        )
    ).first()
    if case_study is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    if not can_edit(actor, case_study):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return case_study


def _collect(errors: list[ServiceError], action: object) -> None:
    try:
        if callable(action):
            action()
    except ServiceError as error:
        errors.append(error)


def _validate(
    session: Session,
    actor: Principal,
    instance: Instance,
    details: CaseStudyDetails,
    *,
    creating: bool,
    region_path: str | None,
) -> list[ServiceError]:
    errors: list[ServiceError] = []
    for name, limit, required in (
        ("title", TITLE_LIMIT, True),
        ("summary", SUMMARY_LIMIT, True),
        ("story", STORY_LIMIT, False),
        ("lessons", LESSONS_LIMIT, False),
    ):
        value = getattr(details, name)
        if creating or value is not None:
            _collect(
                errors,
                lambda v=value, n=name, m=limit, r=required: clean_text(
                    v, field=n, limit=m, required=r
                ),
            )
    if creating and details.intervention_type is None:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="interventionType"))
    elif details.intervention_type is not None and details.intervention_type not in set(
        InterventionType
    ):
        errors.append(ServiceError(ErrorCode.INVALID, field="interventionType"))
    if (creating or details.causes is not None) and not details.causes:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="causes"))
    elif details.causes is not None and not set(details.causes) <= instance.cause_codes():
        errors.append(ServiceError(ErrorCode.UNKNOWN_CODE, field="causes"))
    incomes = (details.income_before_minor, details.income_after_minor)
    if any(v is not None for v in incomes):
        _collect(
            errors,
            lambda: check_currency(details.currency or "", field="indicators.currency"),
        )
        for value, name in zip(
            incomes, ("incomePerMemberBefore", "incomePerMemberAfter"), strict=True
        ):
            if value is not None:
                _collect(
                    errors,
                    lambda v=value, n=name: check_amount(
                        v, field=f"indicators.{n}", allow_zero=True
                    ),
                )
    for value, name in (
        (details.households_lifted_out, "householdsLiftedOut"),
        (details.jobs_created, "jobsCreated"),
    ):
        if value is not None and not 0 <= value <= MAX_COUNT:
            errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field=f"indicators.{name}"))
    if details.project_ids is not None:
        wanted = set(details.project_ids)
        if len(wanted) > MAX_LINKS:
            errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="projects"))
        elif wanted:
            found = session.exec(
                select(Project.id)
                .where(col(Project.id).in_(wanted))
                .where(visible_projects_condition(actor))
            ).all()
            if len(found) != len(wanted):
                errors.append(ServiceError(ErrorCode.NOT_FOUND, field="projects"))
    if details.household_ids is not None:
        wanted = set(details.household_ids)
        if len(wanted) > MAX_LINKS:
            errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="households"))
        elif wanted:
            rows = session.execute(
                select(Household.id, Region.path)
                .join(Region, col(Region.id) == Household.region_id)
                .where(col(Household.id).in_(wanted))
                .where(visible_households_condition(actor))
            ).all()
            if len(rows) != len(wanted):
                errors.append(ServiceError(ErrorCode.NOT_FOUND, field="households"))
            elif region_path and not all(path.startswith(region_path) for _, path in rows):
                # Households linked must live in the region the story is about.
                errors.append(ServiceError(ErrorCode.INVALID, field="households"))
    if details.pairing_ids is not None:
        wanted = set(details.pairing_ids)
        if len(wanted) > MAX_LINKS:
            errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="pairings"))
        elif wanted:
            paths = session.execute(
                select(Pairing.region_path)
                .where(col(Pairing.id).in_(wanted))
                .where(visible_pairings_condition(actor))
            ).all()
            if len(paths) != len(wanted):
                errors.append(ServiceError(ErrorCode.NOT_FOUND, field="pairings"))
            elif region_path and not all(path.startswith(region_path) for (path,) in paths):
                # Pairings linked must be with a village or household in the story's region.
                errors.append(ServiceError(ErrorCode.INVALID, field="pairings"))
    return errors


def _region_for(session: Session, actor: Principal, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="region")
    if actor.role == Role.CASEWORKER and not actor.covers_region(region.path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="region")
    return region


def _replace(
    session: Session, model: Any, case_study_id: int, column: str, values: list[Any]
) -> None:
    session.execute(sa.delete(model).where(model.case_study_id == case_study_id))
    session.add_all(model(case_study_id=case_study_id, **{column: v}) for v in sorted(set(values)))


def _apply(session: Session, case_study: CaseStudy, details: CaseStudyDetails) -> None:
    for name in ("title", "summary", "story", "lessons", "intervention_type"):
        value = getattr(details, name)
        if value is not None:
            setattr(case_study, name, value.strip())
    if details.income_before_minor is not None or details.income_after_minor is not None:
        case_study.currency = details.currency
        case_study.income_before_minor = details.income_before_minor
        case_study.income_after_minor = details.income_after_minor
    if details.households_lifted_out is not None:
        case_study.households_lifted_out = details.households_lifted_out
    if details.jobs_created is not None:
        case_study.jobs_created = details.jobs_created
    session.add(case_study)
    session.flush()
    assert case_study.id is not None
    if details.causes is not None:
        _replace(session, CaseStudyCause, case_study.id, "cause_code", details.causes)
    if details.project_ids is not None:
        _replace(session, CaseStudyProject, case_study.id, "project_id", details.project_ids)
    if details.household_ids is not None:
        _replace(session, CaseStudyHousehold, case_study.id, "household_id", details.household_ids)
    if details.pairing_ids is not None:
        _replace(session, CaseStudyPairing, case_study.id, "pairing_id", details.pairing_ids)


def create_case_study(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    details: CaseStudyDetails,
    language: str | None = None,
) -> CaseStudy:
    """A new DRAFT; every input error at once. `language` is the locale its texts are
    written in (an instance locale; the instance's default when not given)."""
    errors: list[ServiceError] = []
    source_language = instance.default_locale
    try:
        source_language = check_source_language(
            language or instance.default_locale, locales=instance.locales
        )
    except ServiceError as error:
        errors.append(error)
    region: Region | None = None
    if details.region_id is None:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="region"))
    else:
        try:
            region = _region_for(session, actor, details.region_id)
        except ServiceError as error:
            errors.append(error)
    errors += _validate(
        session,
        actor,
        instance,
        details,
        creating=True,
        region_path=region.path if region else None,
    )
    if errors or region is None:
        raise ServiceErrors(errors)
    now = utcnow()
    case_study = CaseStudy(
        source_language=source_language,
        title="",
        summary="",
        region_id=region.id,  # type: ignore[arg-type]
        region_path=region.path,
        intervention_type=InterventionType.OTHER,
        organisation_id=actor.helper_id if actor.role == Role.ORGANISATION_ADMIN else None,
        created_by_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    _apply(session, case_study, details)
    session.flush()
    return case_study


def update_case_study(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    case_study_id: int,
    details: CaseStudyDetails,
) -> CaseStudy:
    """Only drafts change: a case study in review or published is sent back to DRAFT first."""
    case_study = case_study_for_editor(session, actor, case_study_id)
    if case_study.status != CaseStudyStatus.DRAFT:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    errors: list[ServiceError] = []
    region = None
    if details.region_id is not None and details.region_id != case_study.region_id:
        try:
            region = _region_for(session, actor, details.region_id)
        except ServiceError as error:
            errors.append(error)
    errors += _validate(
        session,
        actor,
        instance,
        details,
        creating=False,
        region_path=region.path if region else case_study.region_path,
    )
    if errors:
        raise ServiceErrors(errors)
    if region is not None:
        case_study.region_id = region.id  # type: ignore[assignment]
        case_study.region_path = region.path
    case_study.updated_at = utcnow()
    _apply(session, case_study, details)
    return case_study


def set_case_study_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    case_study_id: int,
    locale: str,
    texts: dict[str, str | None],
) -> CaseStudy:
    """Add, replace or remove (no text at all) the case study's title, summary, story and
    lessons in one more locale (`texts` by field name). Its editors (see `can_edit`), in
    any status: a published story is where a translation helps most."""
    case_study = case_study_for_editor(session, actor, case_study_id)
    translations.set_translation(
        session,
        CASE_STUDY_TEXT,
        original=case_study,
        locale=locale,
        locales=locales,
        values=texts,
    )
    return case_study


def submit_case_study(session: Session, *, actor: Principal, case_study_id: int) -> CaseStudy:
    """DRAFT → IN_REVIEW: ask a platform admin to review it."""
    case_study = case_study_for_editor(session, actor, case_study_id)
    if case_study.status != CaseStudyStatus.DRAFT:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    case_study.status = CaseStudyStatus.IN_REVIEW
    case_study.submitted_at = case_study.updated_at = utcnow()
    session.add(case_study)
    record_audit(
        session,
        actor=actor,
        action="case_study.submit",
        subject_type=AUDIT_SUBJECT,
        subject_id=case_study_id,
    )
    session.flush()
    return case_study


def review_case_study(
    session: Session,
    *,
    actor: Principal,
    case_study_id: int,
    approve: bool,
    note: str | None,
) -> CaseStudy:
    """IN_REVIEW → PUBLISHED (approved) or DRAFT (sent back with a note). Platform admins."""
    if not actor.is_admin:
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    case_study = session.get(CaseStudy, case_study_id)
    if case_study is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    if case_study.status != CaseStudyStatus.IN_REVIEW:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    note = optional_text(note, field="note", limit=1000)
    now = utcnow()
    case_study.status = CaseStudyStatus.PUBLISHED if approve else CaseStudyStatus.DRAFT
    case_study.reviewed_by_id = actor.account_id
    case_study.review_note = note
    case_study.updated_at = now
    if approve:
        case_study.published_at = now
    session.add(case_study)
    record_audit(
        session,
        actor=actor,
        action="case_study.publish" if approve else "case_study.return",
        subject_type=AUDIT_SUBJECT,
        subject_id=case_study_id,
    )
    session.flush()
    return case_study


def unpublish_case_study(session: Session, *, actor: Principal, case_study_id: int) -> CaseStudy:
    """PUBLISHED → DRAFT, e.g. to correct it; it must be reviewed again. Its editors."""
    case_study = case_study_for_editor(session, actor, case_study_id)
    if case_study.status != CaseStudyStatus.PUBLISHED:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    case_study.status = CaseStudyStatus.DRAFT
    case_study.updated_at = utcnow()
    session.add(case_study)
    record_audit(
        session,
        actor=actor,
        action="case_study.unpublish",
        subject_type=AUDIT_SUBJECT,
        subject_id=case_study_id,
    )
    session.flush()
    return case_study
