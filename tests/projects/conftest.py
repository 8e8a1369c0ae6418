from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from api.core.db import unit_of_work, utcnow
from api.core.roles import Role
from api.core.settings import Settings
from api.help_requests.models import HelpRequest, RequestStatus
from api.households.service import change_poverty_status
from api.projects import service
from api.projects.models import ProjectStatus
from api.regions.models import Region
from tests import factories
from tests.factories import ADMIN, Actor


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


@dataclass
class World:
    engine: Engine
    settings: Settings
    regions: dict[str, Region]
    people: dict[str, Actor | None]

    def token(self, who: str) -> str | None:
        actor = self.people[who]
        return actor.token if actor else None

    def household(self, region: str, status: str | None = None, **details: Any) -> tuple[int, str]:
        """A verified household, moved to `status` (IN_POVERTY, LIFTED_OUT, RELAPSED)."""
        pk, code = factories.household(self.engine, self.settings, self.regions[region], **details)
        steps = {
            None: [],
            "IN_POVERTY": ["IN_POVERTY"],
            "LIFTED_OUT": ["IN_POVERTY", "LIFTED_OUT"],
            "RELAPSED": ["IN_POVERTY", "LIFTED_OUT", "RELAPSED"],
        }[status]
        with unit_of_work(self.engine) as session:
            for step in steps:
                change_poverty_status(
                    session,
                    actor=ADMIN,
                    household_id=pk,
                    status=step,
                    effective_on=date.today() - timedelta(days=1),
                    note=None,
                )
        return pk, code

    def project(
        self,
        region: str,
        *,
        status: str = ProjectStatus.ACTIVE,
        name: str = "Tea cooperative",
        project_type: str = "INDUSTRY",
        households: list[int] | None = None,
    ) -> int:
        with unit_of_work(self.engine) as session:
            row = service.create_project(
                session,
                actor=ADMIN,
                instance=self.settings.instance,
                region_id=self.regions[region].id,  # type: ignore[arg-type]
                details=service.ProjectDetails(
                    name=name,
                    project_type=project_type,
                    description="Helps growers sell their tea.",
                    budget_minor=1_000_000,
                    currency="CNY",
                ),
            )
            assert row.id is not None
            if households:
                service.add_coverage(
                    session, actor=ADMIN, project_id=row.id, household_ids=households
                )
            path = {
                ProjectStatus.PLANNED: [],
                ProjectStatus.ACTIVE: [ProjectStatus.ACTIVE],
                ProjectStatus.COMPLETED: [ProjectStatus.ACTIVE, ProjectStatus.COMPLETED],
                ProjectStatus.CANCELLED: [ProjectStatus.CANCELLED],
            }[ProjectStatus(status)]
            for step in path:
                service.change_project_status(session, actor=ADMIN, project_id=row.id, status=step)
            return row.id

    def fulfilled_request(self, household_id: int, region: str, days_ago: int) -> None:
        when = utcnow() - timedelta(days=days_ago)
        with unit_of_work(self.engine) as session:
            session.add(
                HelpRequest(
                    household_id=household_id,
                    region_path=self.regions[region].path,
                    category="MEDICAL",
                    title="Medicine",
                    description="Medicine for a month.",
                    status=RequestStatus.FULFILLED,
                    published_at=when - timedelta(days=10),
                    fulfilled_at=when,
                )
            )


@pytest.fixture
def world(backend, engine, settings) -> World:
    regions = factories.region_tree(engine, settings)
    people: dict[str, Actor | None] = {
        "anonymous": None,
        "helper": factories.helper(engine, settings, email="h@example.org"),
        "organisation": factories.helper(
            engine, settings, email="org@example.org", kind="ORGANISATION"
        ),
        "caseworker_c1": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw1@example.org", region=regions["P1-A-C1"]
        ),
        "caseworker_p2": factories.staff(
            engine, settings, Role.CASEWORKER, email="cw2@example.org", region=regions["P2"]
        ),
        "admin": factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="a@example.org"),
    }
    return World(engine, settings, regions, people)
