"""Demo data of the projects, case studies and exhibitions sections: every public list has
content, links stay inside their regions, and the same seed gives the same rows."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from api.case_studies.models import CaseStudy, CaseStudyHousehold, CaseStudyStatus
from api.demo.generate import generate_demo_data
from api.exhibitions.models import Exhibition, ExhibitionItem, ExhibitionStatus
from api.households.models import Household
from api.projects.models import PUBLIC_PROJECT_STATUSES, Project, ProjectHousehold
from api.regions.models import Region

TODAY = date(2026, 3, 1)


def load(engine, settings, seed):
    """The whole demo instance, as `aidbridge demo-data` writes it (sections included)."""
    generate_demo_data(engine, households=300, seed=seed, today=TODAY, instance=settings.instance)


def snapshot(engine):
    with engine.connect() as c:
        return {
            "projects": c.execute(
                sa.select(Project.name, Project.status, Project.budget_minor).order_by(Project.id)
            ).all(),
            "coverage": c.execute(sa.select(sa.func.count()).select_from(ProjectHousehold)).one(),
            "cases": c.execute(sa.select(CaseStudy.title, CaseStudy.status)).all(),
            "items": c.execute(sa.select(sa.func.count()).select_from(ExhibitionItem)).one(),
        }


def test_each_public_list_has_content_and_links_stay_in_their_region(backend, engine, settings):
    load(engine, settings, seed=3)
    with engine.connect() as c:
        projects = c.execute(sa.select(Project.status)).scalars().all()
        assert len(projects) >= 10
        assert sum(s in PUBLIC_PROJECT_STATUSES for s in projects) >= 5
        outside = c.execute(
            sa.select(sa.func.count())
            .select_from(ProjectHousehold)
            .join(Project, Project.id == ProjectHousehold.project_id)
            .join(Household, Household.id == ProjectHousehold.household_id)
            .join(Region, Region.id == Household.region_id)
            .where(~Region.path.startswith(Project.region_path))
        ).one()[0]
        assert outside == 0
        assert c.execute(sa.select(sa.func.count()).select_from(ProjectHousehold)).one()[0] > 0
        cases = c.execute(sa.select(CaseStudy.status)).scalars().all()
        assert len(cases) == 12 and cases.count(CaseStudyStatus.PUBLISHED) == 10
        assert c.execute(sa.select(sa.func.count()).select_from(CaseStudyHousehold)).one()[0] > 0
        shows = c.execute(sa.select(Exhibition.status)).scalars().all()
        assert len(shows) == 5 and shows.count(ExhibitionStatus.PUBLISHED) == 4


def test_the_same_seed_gives_the_same_rows(backend, engine, settings):
    load(engine, settings, seed=5)
    first = snapshot(engine)
    backend.truncate()
    load(engine, settings, seed=5)
    assert snapshot(engine) == first
