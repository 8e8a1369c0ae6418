"""Demo exhibitions: five showcases (four published, one draft; one current, others past or
coming) of public projects, published case studies and pictures. Run after the projects and
case studies demos."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session
from strawberry import relay

from api.case_studies.models import CaseStudy, CaseStudyStatus
from api.core.settings import Instance
from api.exhibitions.models import (
    Exhibition,
    ExhibitionItem,
    ExhibitionItemKind,
    ExhibitionStatus,
)
from api.projects.models import PUBLIC_PROJECT_STATUSES, Project

# (title, theme, days from today to the start, length in days, published)
_SHOWS: tuple[tuple[str, str, int, int, bool], ...] = (
    ("Specialities of the mountains", "Tea, mushrooms and fruit from poor counties", -20, 60, True),
    ("A year of achievements", "What projects and helpers achieved this year", -400, 90, True),
    ("Roads and water", "Infrastructure that opened villages to markets", -200, 45, True),
    ("Poverty Alleviation Day", "Stories and products for 17 October", 30, 14, True),
    ("Skills and jobs", "Vocational training that led to work", 60, 30, False),
)


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    project_ids = list(
        session.execute(
            sa.select(Project.id)  # type: ignore[call-overload]
            .where(Project.status.in_(PUBLIC_PROJECT_STATUSES))  # type: ignore[attr-defined]
            .order_by(Project.id)
            .limit(200)
        ).scalars()
    )
    case_study_ids = list(
        session.execute(
            sa.select(CaseStudy.id)  # type: ignore[call-overload]
            .where(CaseStudy.status == CaseStudyStatus.PUBLISHED)
            .order_by(CaseStudy.id)
        ).scalars()
    )
    items: list[dict[str, Any]] = []
    for title, theme, offset, length, published in _SHOWS:
        starts = today + timedelta(days=offset)
        created = datetime.combine(min(starts, today) - timedelta(days=10), time(0, 0), tzinfo=UTC)
        exhibition = Exhibition(
            title=title,
            theme=theme,
            description=f"{theme}: a curated selection from the platform.",
            starts_on=starts,
            ends_on=starts + timedelta(days=length),
            status=ExhibitionStatus.PUBLISHED if published else ExhibitionStatus.DRAFT,
            published_at=created if published else None,
            created_at=created,
            updated_at=created,
        )
        session.add(exhibition)
        session.flush()
        chosen: list[tuple[str, str | None, str | None, str]] = []
        for project_id in rng.sample(project_ids, min(3, len(project_ids))):
            gid = str(relay.GlobalID("Project", str(project_id)))
            chosen.append((ExhibitionItemKind.PROJECT, gid, None, "A project on show."))
        for case_id in rng.sample(case_study_ids, min(2, len(case_study_ids))):
            gid = str(relay.GlobalID("CaseStudy", str(case_id)))
            chosen.append((ExhibitionItemKind.CASE_STUDY, gid, None, "How it worked."))
        chosen.append(
            (
                ExhibitionItemKind.MEDIA,
                None,
                f"https://media.demo.aidbridge.org/exhibitions/{exhibition.id}/cover.jpg",
                f"{title}: the cover picture.",
            )
        )
        for position, (kind, target, url, caption) in enumerate(chosen):
            items.append(
                {
                    "exhibition_id": exhibition.id,
                    "position": position,
                    "kind": kind,
                    "target_global_id": target,
                    "media_url": url,
                    "caption": caption,
                }
            )
    if items:
        session.execute(sa.insert(ExhibitionItem.__table__), items)  # type: ignore[attr-defined]
    session.flush()
