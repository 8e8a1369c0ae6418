"""Demo projects: about one per 50 households (at least 10), in counties, each covering a
share of the households below it. Deterministic for a given `rng` and `today`."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.core.settings import Instance
from api.core.validation import minor_unit_digits
from api.households.models import Household
from api.projects.models import Project, ProjectHousehold, ProjectStatus, ProjectType
from api.regions.models import Region

HOUSEHOLDS_PER_PROJECT = 50
MIN_PROJECTS = 10
MAX_COVERED = 200
CHUNK_ROWS = 5_000

_TEMPLATES: dict[str, tuple[str, ...]] = {
    ProjectType.INDUSTRY: (
        "{place} tea cooperative",
        "{place} kiwi orchards",
        "{place} free-range poultry",
        "{place} mushroom greenhouses",
    ),
    ProjectType.INFRASTRUCTURE: (
        "{place} village road paving",
        "{place} drinking water scheme",
        "{place} broadband for villages",
    ),
    ProjectType.EDUCATION: ("{place} vocational school places", "{place} boarding grants"),
    ProjectType.HEALTH: ("{place} clinic upgrade", "{place} critical-illness insurance"),
    ProjectType.EMPLOYMENT: ("{place} poverty-alleviation workshops", "{place} job matching"),
    ProjectType.RELOCATION: ("{place} relocation from the mountains",),
    ProjectType.ECOLOGY: ("{place} forest ranger posts",),
}
_OUTCOMES = (
    "Average income per member rose by a third; the cooperative now sells online.",
    "Every village is reachable by bus all year round.",
    "All school-age children in covered households are enrolled.",
    "Medical costs no longer push covered households back into poverty.",
)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    household_table: Any = Household.__table__  # type: ignore[attr-defined]
    region_table: Any = Region.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(household_table.c.id, region_table.c.path)
        .join(region_table, region_table.c.id == household_table.c.region_id)
        .order_by(household_table.c.id)
    ).all()
    if not rows:
        return
    # Projects run in counties (level 3), or in the deepest level an instance has above it.
    level = min(3, len(instance.admin_levels))
    regions = session.execute(
        sa.select(region_table.c.id, region_table.c.path, region_table.c.name)
        .where(region_table.c.level == level)
        .order_by(region_table.c.id)
    ).all()
    by_region: dict[str, list[int]] = {}
    for household_id, path in rows:
        parts = path.strip("/").split("/")
        if len(parts) >= level:
            by_region.setdefault("/" + "/".join(parts[:level]) + "/", []).append(household_id)
    # Only regions with households get projects, so every project can cover some.
    regions = [r for r in regions if r.path in by_region]
    if not regions:
        return
    unit = 10 ** minor_unit_digits(instance.default_currency)
    count = max(MIN_PROJECTS, len(rows) // HOUSEHOLDS_PER_PROJECT)
    statuses = (
        [ProjectStatus.ACTIVE] * 12
        + [ProjectStatus.COMPLETED] * 4
        + [ProjectStatus.PLANNED] * 3
        + [ProjectStatus.CANCELLED]
    )
    projects: list[Project] = []
    for i in range(count):
        region = regions[i % len(regions)] if i < len(regions) else rng.choice(regions)
        project_type = rng.choice(list(_TEMPLATES))
        status = statuses[i % len(statuses)] if i < len(statuses) else rng.choice(statuses)
        starts = today - timedelta(days=rng.randint(30, 900))
        ends = starts + timedelta(days=rng.randint(180, 1100))
        if status == ProjectStatus.COMPLETED:
            ends = min(ends, today - timedelta(days=rng.randint(1, 60)))
        if status == ProjectStatus.PLANNED:
            starts = today + timedelta(days=rng.randint(10, 120))
            ends = starts + timedelta(days=rng.randint(180, 720))
        created = _moment(min(starts, today) - timedelta(days=rng.randint(10, 60)))
        projects.append(
            Project(
                name=rng.choice(_TEMPLATES[project_type]).format(place=region.name.split()[0]),
                project_type=project_type,
                status=status,
                region_id=region.id,
                region_path=region.path,
                description=(
                    f"A {project_type.lower().replace('_', ' ')} project for poor households "
                    f"of {region.name}, run with local cooperatives and volunteers."
                ),
                budget_minor=rng.randint(50, 5_000) * 1_000 * unit,
                currency=instance.default_currency,
                starts_on=starts,
                ends_on=ends,
                outcomes=rng.choice(_OUTCOMES) if status == ProjectStatus.COMPLETED else None,
                created_at=created,
                updated_at=created,
            )
        )
    session.add_all(projects)
    session.flush()
    coverage: list[dict[str, Any]] = []
    for project in projects:
        if project.status == ProjectStatus.CANCELLED:
            continue
        below = by_region.get(project.region_path, [])
        # A share of the county's households, at most MAX_COVERED per project, so the
        # coverage table grows with the households rather than with their square.
        size = min(MAX_COVERED, round(len(below) * rng.uniform(0.2, 0.6)))
        coverage.extend(
            {
                "project_id": project.id,
                "household_id": household_id,
                "added_at": project.created_at,
            }
            for household_id in sorted(rng.sample(below, size))
        )
    table: Any = ProjectHousehold.__table__  # type: ignore[attr-defined]
    for start in range(0, len(coverage), CHUNK_ROWS):
        session.execute(sa.insert(table), coverage[start : start + CHUNK_ROWS])
    session.flush()
