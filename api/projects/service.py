"""Projects: create, change, move through their life, and record which households they
cover. Who may change a project is decided by region coverage; coverage changes are audited.

The targeting view (which poor households no active project covers and no help reached
lately) lives here too, as one statement built from NOT EXISTS subqueries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.roles import Role
from api.core.settings import Instance
from api.core.validation import FieldErrors, check_money, clean_text, optional_text
from api.donation.models import Donation, TargetKind
from api.donation.targets import Target, register_target_source
from api.help_requests.models import HelpRequest, RequestStatus
from api.households.models import Household, PovertyStatus
from api.households.service import visible_households_condition
from api.projects.models import (
    ALLOWED_PROJECT_STATUS_CHANGES,
    PUBLIC_PROJECT_STATUSES,
    Project,
    ProjectHousehold,
    ProjectStatus,
    ProjectType,
)
from api.regions.models import Region

AUDIT_SUBJECT = "Project"
MAX_HOUSEHOLDS_PER_CHANGE = 500
MAX_NO_HELP_DAYS = 3650
# Poverty statuses the targeting view looks for.
NEEDY_STATUSES = (PovertyStatus.IN_POVERTY, PovertyStatus.RELAPSED)


@dataclass
class ProjectDetails:
    """A project's fields as given; None means "leave unchanged" on update."""

    name: str | None = None
    project_type: str | None = None
    description: str | None = None
    budget_minor: int | None = None
    currency: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    outcomes: str | None = None


def visible_projects_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Everyone sees ACTIVE and COMPLETED projects; caseworkers also every project that
    touches their area (inside it, or above it and so covering part of it); admins all."""
    if principal.is_admin:
        return sa.true()
    public = col(Project.status).in_(PUBLIC_PROJECT_STATUSES)
    if principal.role == Role.CASEWORKER and principal.region_path:
        return sa.or_(
            public,
            col(Project.region_path).startswith(principal.region_path),
            sa.literal(principal.region_path).startswith(col(Project.region_path)),
        )
    return public


def projects_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Project]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(Project)
        .where(col(Project.id).in_(wanted))
        .where(visible_projects_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def covered_counts(session: Session, project_ids: Iterable[int]) -> dict[int, int]:
    """How many households each project covers, in one statement."""
    wanted = set(project_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(ProjectHousehold.project_id, sa.func.count())
        .where(col(ProjectHousehold.project_id).in_(wanted))
        .group_by(col(ProjectHousehold.project_id))
    ).all()
    found = {project_id: count for project_id, count in rows}
    return {project_id: found.get(project_id, 0) for project_id in wanted}


def covering_project_ids(
    session: Session, principal: Principal, household_ids: Iterable[int]
) -> dict[int, list[int]]:
    """The visible projects covering each household, oldest project first."""
    wanted = set(household_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(ProjectHousehold.household_id, Project.id)
        .join(Project, col(Project.id) == ProjectHousehold.project_id)
        .where(col(ProjectHousehold.household_id).in_(wanted))
        .where(visible_projects_condition(principal))
        .order_by(col(Project.id))
    ).all()
    found: dict[int, list[int]] = {household_id: [] for household_id in wanted}
    for household_id, project_id in rows:
        found[household_id].append(project_id)
    return found


def _region_for(session: Session, actor: Principal, region_id: int, field: str) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field=field)
    if not actor.covers_region(region.path):
        raise ServiceError(ErrorCode.FORBIDDEN, field=field)
    return region


def project_for_staff(session: Session, actor: Principal, project_id: int) -> Project:
    """A project the caller may change: NOT_FOUND when invisible, FORBIDDEN outside the area."""
    project = session.get(Project, project_id)
    if (
        project is None
        or not session.exec(
            select(Project.id).where(Project.id == project_id, visible_projects_condition(actor))
        ).first()
    ):
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    if not actor.covers_region(project.region_path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return project


def _validate(instance: Instance, details: ProjectDetails, *, creating: bool) -> list[ServiceError]:
    found = FieldErrors()
    if creating or details.name is not None:
        found.check(lambda: clean_text(details.name, field="name", limit=200))
    if creating or details.description is not None:
        found.check(lambda: clean_text(details.description, field="description", limit=5000))
    if details.outcomes is not None:
        found.check(lambda: optional_text(details.outcomes, field="outcomes", limit=5000))
    if creating and details.project_type is None:
        found.add(ErrorCode.REQUIRED, "type")
    elif details.project_type is not None and details.project_type not in set(ProjectType):
        found.add(ErrorCode.INVALID, "type")
    if creating and details.budget_minor is None:
        found.add(ErrorCode.REQUIRED, "budget")
    if details.budget_minor is not None:
        # The money rule of every input; a budget may be 0 (a project without one yet).
        found.check(
            lambda: check_money(
                instance,
                details.budget_minor,
                details.currency,
                field="budget.amountMinor",
                currency_field="budget.currency",
                allow_zero=True,
            )
        )
    return found.errors


def _check_period(starts_on: date | None, ends_on: date | None) -> list[ServiceError]:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        return [ServiceError(ErrorCode.OUT_OF_RANGE, field="endsOn")]
    return []


def create_project(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    region_id: int,
    details: ProjectDetails,
) -> Project:
    """A new PLANNED project in the caller's area; every input error at once."""
    errors = _validate(instance, details, creating=True)
    errors += _check_period(details.starts_on, details.ends_on)
    try:
        region = _region_for(session, actor, region_id, "region")
    except ServiceError as error:
        errors.insert(0, error)
    if errors:
        raise ServiceErrors(errors)
    now = utcnow()
    project = Project(
        name=clean_text(details.name, field="name", limit=200),
        project_type=details.project_type or ProjectType.OTHER,
        region_id=region.id,  # type: ignore[arg-type]
        region_path=region.path,
        description=clean_text(details.description, field="description", limit=5000),
        budget_minor=details.budget_minor or 0,
        currency=details.currency or "",
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        outcomes=optional_text(details.outcomes, field="outcomes", limit=5000),
        created_by_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    session.flush()
    assert project.id is not None
    record_audit(
        session,
        actor=actor,
        action="project.create",
        subject_type=AUDIT_SUBJECT,
        subject_id=project.id,
    )
    return project


def update_project(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    project_id: int,
    details: ProjectDetails,
) -> Project:
    project = project_for_staff(session, actor, project_id)
    errors = _validate(instance, details, creating=False)
    errors += _check_period(
        details.starts_on or project.starts_on, details.ends_on or project.ends_on
    )
    if errors:
        raise ServiceErrors(errors)
    changed: list[str] = []
    for name, api_name in (
        ("name", "name"),
        ("description", "description"),
        ("outcomes", "outcomes"),
        ("project_type", "type"),
        ("starts_on", "startsOn"),
        ("ends_on", "endsOn"),
    ):
        value = getattr(details, name)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        if getattr(project, name) != value:
            setattr(project, name, value)
            changed.append(api_name)
    if (
        details.currency is not None
        and details.currency != project.currency
        and _has_donations(session, project_id)
    ):
        # Its donations are held in the old currency: the fund cannot change money.
        raise ServiceError(ErrorCode.INVALID_STATE, field="budget.currency")
    if details.budget_minor is not None and (project.budget_minor, project.currency) != (
        details.budget_minor,
        details.currency,
    ):
        project.budget_minor = details.budget_minor
        project.currency = details.currency or project.currency
        changed.append("budget")
    project.updated_at = utcnow()
    session.add(project)
    record_audit(
        session,
        actor=actor,
        action="project.update",
        subject_type=AUDIT_SUBJECT,
        subject_id=project_id,
        detail={"fields": sorted(changed)},
    )
    session.flush()
    return project


def _has_donations(session: Session, project_id: int) -> bool:
    return (
        session.exec(
            select(Donation.id).where(
                Donation.target_kind == TargetKind.PROJECT, Donation.target_id == project_id
            )
        ).first()
        is not None
    )


def change_project_status(
    session: Session, *, actor: Principal, project_id: int, status: str
) -> Project:
    project = project_for_staff(session, actor, project_id)
    if status not in ALLOWED_PROJECT_STATUS_CHANGES.get(project.status, frozenset()):
        raise ServiceError(ErrorCode.INVALID_STATE, field="status")
    old = project.status
    project.status = status
    project.updated_at = utcnow()
    if status == ProjectStatus.ACTIVE and project.starts_on is None:
        project.starts_on = project.updated_at.date()
    session.add(project)
    record_audit(
        session,
        actor=actor,
        action="project.status_change",
        subject_type=AUDIT_SUBJECT,
        subject_id=project_id,
        detail={"from": old, "to": status},
    )
    session.flush()
    return project


def _households_for_coverage(
    session: Session, actor: Principal, project: Project, household_ids: list[int]
) -> list[int]:
    """The ids, checked: each household exists, lies in the project's region, and in the
    caller's area. Unknown or invisible ones are NOT_FOUND, others FORBIDDEN."""
    if not household_ids:
        raise ServiceError(ErrorCode.REQUIRED, field="households")
    if len(household_ids) > MAX_HOUSEHOLDS_PER_CHANGE:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field="households")
    wanted = sorted(set(household_ids))
    rows = session.execute(
        select(Household.id, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(col(Household.id).in_(wanted))
        .where(visible_households_condition(actor))
    ).all()
    paths = {household_id: path for household_id, path in rows}
    errors: list[ServiceError] = []
    if len(paths) != len(wanted):
        errors.append(ServiceError(ErrorCode.NOT_FOUND, field="households"))
    elif not all(
        path.startswith(project.region_path) and actor.covers_region(path)
        for path in paths.values()
    ):
        errors.append(ServiceError(ErrorCode.FORBIDDEN, field="households"))
    if errors:
        raise ServiceErrors(errors)
    return wanted


def _project_for_coverage(session: Session, actor: Principal, project_id: int) -> Project:
    """Caseworkers may enrol their households in any project touching their area (e.g. a
    province-wide one), so here visibility, not ownership of the project, is what counts."""
    project = session.exec(
        select(Project).where(Project.id == project_id, visible_projects_condition(actor))
    ).first()
    if project is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="project")
    if project.status in (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED):
        raise ServiceError(ErrorCode.INVALID_STATE, field="project")
    return project


def add_coverage(
    session: Session, *, actor: Principal, project_id: int, household_ids: list[int]
) -> Project:
    """Record that the project covers these households; ones already covered are skipped."""
    project = _project_for_coverage(session, actor, project_id)
    wanted = _households_for_coverage(session, actor, project, household_ids)
    present = set(
        session.exec(
            select(ProjectHousehold.household_id).where(
                ProjectHousehold.project_id == project_id,
                col(ProjectHousehold.household_id).in_(wanted),
            )
        ).all()
    )
    added = [household_id for household_id in wanted if household_id not in present]
    if added:
        now = utcnow()
        session.execute(
            sa.insert(ProjectHousehold),
            [
                {
                    "project_id": project_id,
                    "household_id": household_id,
                    "added_by_id": actor.account_id,
                    "added_at": now,
                }
                for household_id in added
            ],
        )
        record_audit(
            session,
            actor=actor,
            action="project.coverage_add",
            subject_type=AUDIT_SUBJECT,
            subject_id=project_id,
            detail={"households": added},
        )
    session.flush()
    return project


def remove_coverage(
    session: Session, *, actor: Principal, project_id: int, household_ids: list[int]
) -> Project:
    project = _project_for_coverage(session, actor, project_id)
    wanted = _households_for_coverage(session, actor, project, household_ids)
    result = session.execute(
        sa.delete(ProjectHousehold)
        .where(col(ProjectHousehold.project_id) == project_id)
        .where(col(ProjectHousehold.household_id).in_(wanted))
        .returning(col(ProjectHousehold.household_id))
    )
    removed = sorted(row[0] for row in result.all())
    if removed:
        record_audit(
            session,
            actor=actor,
            action="project.coverage_remove",
            subject_type=AUDIT_SUBJECT,
            subject_id=project_id,
            detail={"households": removed},
        )
    session.flush()
    return project


def uncovered_households_conditions(no_help_met_for_days: int) -> list[sa.ColumnElement[bool]]:
    """Households in poverty (or relapsed) that no ACTIVE project covers and whose requests
    none was FULFILLED in the last `no_help_met_for_days` days."""
    since = utcnow() - timedelta(days=no_help_met_for_days)
    active_cover = (
        select(ProjectHousehold.household_id)
        .join(Project, col(Project.id) == ProjectHousehold.project_id)
        .where(ProjectHousehold.household_id == Household.id)
        .where(Project.status == ProjectStatus.ACTIVE)
    )
    recent_help = (
        select(HelpRequest.id)
        .where(HelpRequest.household_id == Household.id)
        .where(HelpRequest.status == RequestStatus.FULFILLED)
        .where(col(HelpRequest.fulfilled_at) >= since)
    )
    return [
        col(Household.poverty_status).in_(NEEDY_STATUSES),
        ~active_cover.exists(),
        ~recent_help.exists(),
    ]


# --- Donations -------------------------------------------------------------------------------


class ProjectDonationSource:
    """Donations to a project are held in its fund ("project:7") until staff pay them out
    to the project (api/disbursements). Anyone may give to a public project while it runs
    (ACTIVE), in its budget currency; a COMPLETED one is public but takes no more money.
    Projects are run by caseworkers, not organisations: platform admins reconcile."""

    type_name = "Project"
    account_prefix = "project"

    def accepting(self, session: Session, target_id: int) -> Target:
        project = session.exec(
            select(Project).where(
                Project.id == target_id, col(Project.status).in_(PUBLIC_PROJECT_STATUSES)
            )
        ).first()
        if project is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="target")
        if project.status != ProjectStatus.ACTIVE:
            raise ServiceError(ErrorCode.INVALID_STATE, field="target")
        return Target(
            kind=TargetKind.PROJECT,
            id=target_id,
            currency=project.currency,
            region_path=project.region_path,
        )

    def titles(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        rows = session.exec(
            select(Project.id, Project.name)
            .where(col(Project.id).in_(sorted(set(ids))))
            .where(col(Project.status).in_(PUBLIC_PROJECT_STATUSES))
        ).all()
        return {int(i): name for i, name in rows if i is not None}

    def managers(self, session: Session, ids: Iterable[int]) -> dict[int, int]:
        return {}


register_target_source(TargetKind.PROJECT, ProjectDonationSource())
