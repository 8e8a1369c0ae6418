"""Demo exhibitions: five showcases (four published, one draft; one current, others past or
coming) of public projects, published case studies and a picture stored by the instance,
three of them translated with their captions. Run after the projects, mall and case
studies demos: the pictures are the mall's, drawn only when the mall stored none."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from strawberry import relay

from api.accounts.models import Account
from api.case_studies.models import CaseStudy, CaseStudyStatus
from api.core.auth import Principal
from api.core.roles import Role
from api.core.settings import Instance
from api.core.translations import digest_of
from api.exhibitions.models import (
    Exhibition,
    ExhibitionItem,
    ExhibitionItemKind,
    ExhibitionItemTranslation,
    ExhibitionStatus,
    ExhibitionTranslation,
)
from api.exhibitions.service import EXHIBITION_TEXT, ITEM_TEXT
from api.media.demo import PICTURES, demo_pictures
from api.media.models import Image
from api.projects.models import PUBLIC_PROJECT_STATUSES, Project

# (title, theme, days from today to the start, length in days, published)
_SHOWS: tuple[tuple[str, str, int, int, bool], ...] = (
    ("Specialities of the mountains", "Tea, mushrooms and fruit from poor counties", -20, 60, True),
    ("A year of achievements", "What projects and helpers achieved this year", -400, 90, True),
    ("Roads and water", "Infrastructure that opened villages to markets", -200, 45, True),
    ("Poverty Alleviation Day", "Stories and products for 17 October", 30, 14, True),
    ("Skills and jobs", "Vocational training that led to work", 60, 30, False),
)
# A handful of shows (by index in _SHOWS) translated, so the list shows translated text:
# (locale, title, theme, caption of the project exhibits, of the case studies, of the cover).
_TRANSLATED: dict[int, tuple[str, str, str, str, str, str]] = {
    0: (
        "zh_Hans",
        "山区特产",
        "贫困县的茶叶、菌菇和水果",
        "展出的项目。",
        "经验如何奏效。",
        "封面图片。",
    ),
    1: (
        "fr",
        "Une année de réussites",
        "Ce que les projets et les bénévoles ont accompli cette année",
        "Un projet exposé.",
        "Comment cela a fonctionné.",
        "L'image de couverture.",
    ),
    3: (
        "zh_Hans",
        "扶贫日",
        "10月17日的故事与产品",
        "展出的项目。",
        "经验如何奏效。",
        "封面图片。",
    ),
}
# The original description is "<theme>: a curated selection from the platform."
_DESCRIPTIONS = {
    "zh_Hans": "{theme}。平台精选。",
    "fr": "{theme} : une sélection de la plateforme.",
}
_CAPTION_INDEX = {
    ExhibitionItemKind.PROJECT: 3,
    ExhibitionItemKind.CASE_STUDY: 4,
    ExhibitionItemKind.MEDIA: 5,
}


def _picture_ids(session: Session) -> list[int]:
    """The demo's stored pictures: the mall demo's, else drawn now (uploaded by the admin);
    none without an admin."""
    stored = session.exec(select(Image.id).order_by(col(Image.id)).limit(PICTURES)).all()
    if stored:
        return [image_id for image_id in stored if image_id is not None]
    admin = session.exec(
        select(Account).where(Account.role == Role.PLATFORM_ADMIN).order_by(col(Account.id))
    ).first()
    if admin is None:
        return []
    actor = Principal(account_id=admin.id, role=Role(admin.role))
    return [image.id for image in demo_pictures(session, actor=actor) if image.id is not None]


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
    picture_ids = _picture_ids(session)
    items: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    translated_shows: dict[int, tuple[tuple[str, str, str, str, str, str], datetime]] = {}
    # Written in English; an instance without English gets its default.
    language = "en" if "en" in instance.locales else instance.default_locale
    for index, (title, theme, offset, length, published) in enumerate(_SHOWS):
        starts = today + timedelta(days=offset)
        created = datetime.combine(min(starts, today) - timedelta(days=10), time(0, 0), tzinfo=UTC)
        exhibition = Exhibition(
            source_language=language,
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
        assert exhibition.id is not None
        translated = _TRANSLATED.get(index)
        if translated is not None and translated[0] in instance.locales:
            translated_shows[exhibition.id] = (translated, created)
            texts.append(
                {
                    "exhibition_id": exhibition.id,
                    "locale": translated[0],
                    "title": translated[1],
                    "theme": translated[2],
                    "description": _DESCRIPTIONS[translated[0]].format(theme=translated[2]),
                    "source_digest": digest_of(EXHIBITION_TEXT, exhibition),
                    "updated_at": created,
                }
            )
        chosen: list[tuple[str, str | None, int | None, str]] = []
        for project_id in rng.sample(project_ids, min(3, len(project_ids))):
            gid = str(relay.GlobalID("Project", str(project_id)))
            chosen.append((ExhibitionItemKind.PROJECT, gid, None, "A project on show."))
        for case_id in rng.sample(case_study_ids, min(2, len(case_study_ids))):
            gid = str(relay.GlobalID("CaseStudy", str(case_id)))
            chosen.append((ExhibitionItemKind.CASE_STUDY, gid, None, "How it worked."))
        if picture_ids:
            picture = picture_ids[index % len(picture_ids)]
            chosen.append((ExhibitionItemKind.MEDIA, None, picture, f"{title}: the cover picture."))
        for position, (kind, target, image_id, caption) in enumerate(chosen):
            items.append(
                {
                    "exhibition_id": exhibition.id,
                    "position": position,
                    "kind": kind,
                    "target_global_id": target,
                    "media_url": None,
                    "image_id": image_id,
                    "caption": caption,
                }
            )
    if items:
        session.execute(sa.insert(ExhibitionItem.__table__), items)  # type: ignore[attr-defined]
    if texts:
        session.execute(sa.insert(ExhibitionTranslation.__table__), texts)  # type: ignore[attr-defined]
        _translate_captions(session, translated_shows)
    session.flush()


def _translate_captions(
    session: Session, shows: dict[int, tuple[tuple[str, str, str, str, str, str], datetime]]
) -> None:
    """The captions of the translated shows' exhibits, read back for their ids."""
    rows = session.exec(
        select(ExhibitionItem)
        .where(col(ExhibitionItem.exhibition_id).in_(sorted(shows)))
        .order_by(col(ExhibitionItem.exhibition_id), col(ExhibitionItem.position))
    )
    captions = []
    for item in rows:
        texts, written = shows[item.exhibition_id]
        captions.append(
            {
                "item_id": item.id,
                "locale": texts[0],
                "caption": texts[_CAPTION_INDEX[ExhibitionItemKind(item.kind)]],
                "source_digest": digest_of(ITEM_TEXT, item),
                "updated_at": written,
            }
        )
    if captions:
        session.execute(sa.insert(ExhibitionItemTranslation.__table__), captions)  # type: ignore[attr-defined]
