"""Exhibitions: curated showcases with a period, a theme and ordered items. Platform admins
edit all of them, organisation admins those of their organisation; only PUBLISHED ones are
public."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.roles import Role
from api.core.settings import Instance
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import clean_text, optional_text
from api.exhibitions.models import (
    Exhibition,
    ExhibitionItem,
    ExhibitionItemKind,
    ExhibitionItemTranslation,
    ExhibitionStatus,
    ExhibitionTranslation,
)
from api.media.service import check_attachable
from api.regions.models import Region

MAX_ITEMS = 100
TITLE_LIMIT = 200
THEME_LIMIT = 200
DESCRIPTION_LIMIT = 5000
CAPTION_LIMIT = 500
# Item kinds whose target lives in this codebase, by the GraphQL type of their global ID.
LOCAL_TARGET_TYPES = {
    ExhibitionItemKind.PROJECT: "Project",
    ExhibitionItemKind.CASE_STUDY: "CaseStudy",
}
# Kinds whose target types other sections define: the type's name must contain this word
# (Product, CrowdfundingCampaign...), so a household or region cannot be shown as a product.
FOREIGN_TARGET_WORDS = {
    ExhibitionItemKind.PRODUCT: "Product",
    ExhibitionItemKind.CAMPAIGN: "Campaign",
}

EXHIBITION_TEXT = Translatable(
    ExhibitionTranslation,
    "exhibition_id",
    (
        TextField("title", "title", TITLE_LIMIT),
        TextField("theme", "theme", THEME_LIMIT),
        TextField("description", "description", DESCRIPTION_LIMIT),
    ),
)
# Captions are translated with their exhibition, in its source language.
ITEM_TEXT = Translatable(
    ExhibitionItemTranslation, "item_id", (TextField("caption", "caption", CAPTION_LIMIT),)
)


@dataclass
class ItemSpec:
    """One exhibit as given. `target_type`/`target_id` are the parts of the target's global
    ID, already known to name an existing object for kinds outside this codebase. `image`
    is the key of a picture stored by the instance; `image_id` its row, once checked."""

    kind: str
    caption: str = ""
    target_global_id: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    media_url: str | None = None
    image: str | None = None
    image_id: int | None = None


@dataclass
class ExhibitionDetails:
    """An exhibition's fields as given; None means "leave unchanged" on update."""

    title: str | None = None
    theme: str | None = None
    description: str | None = None
    region_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    items: list[ItemSpec] | None = field(default=None)


def visible_exhibitions_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Everyone sees PUBLISHED exhibitions; organisation admins also their organisation's
    drafts; platform admins all."""
    if principal.is_admin:
        return sa.true()
    published = col(Exhibition.status) == ExhibitionStatus.PUBLISHED
    if principal.role == Role.ORGANISATION_ADMIN and principal.helper_id is not None:
        return sa.or_(published, col(Exhibition.organisation_id) == principal.helper_id)
    return published


def current_condition(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(col(Exhibition.starts_on) <= today, col(Exhibition.ends_on) >= today)


def exhibitions_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Exhibition]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(Exhibition)
        .where(col(Exhibition.id).in_(wanted))
        .where(visible_exhibitions_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def items_by_exhibition(session: Session, ids: Iterable[int]) -> dict[int, list[ExhibitionItem]]:
    wanted = set(ids)
    found: dict[int, list[ExhibitionItem]] = {i: [] for i in wanted}
    if wanted:
        rows = session.exec(
            select(ExhibitionItem)
            .where(col(ExhibitionItem.exhibition_id).in_(wanted))
            .order_by(col(ExhibitionItem.exhibition_id), col(ExhibitionItem.position))
        ).all()
        for row in rows:
            found[row.exhibition_id].append(row)
    return found


def exhibition_for_editor(session: Session, actor: Principal, exhibition_id: int) -> Exhibition:
    exhibition = session.exec(
        select(Exhibition).where(
            Exhibition.id == exhibition_id, visible_exhibitions_condition(actor)
        )
    ).first()
    if exhibition is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    if not actor.is_admin and exhibition.organisation_id != actor.helper_id:
        raise ServiceError(ErrorCode.FORBIDDEN, field="id")
    return exhibition


def _check_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 1000


def _validate_items(session: Session, items: list[ItemSpec]) -> list[ServiceError]:
    from api.case_studies.models import CaseStudy
    from api.projects.models import Project

    errors: list[ServiceError] = []
    if len(items) > MAX_ITEMS:
        return [ServiceError(ErrorCode.OUT_OF_RANGE, field="items")]
    wanted: dict[str, set[int]] = {"Project": set(), "CaseStudy": set()}
    for i, item in enumerate(items):
        where = f"items.{i}"
        if len(item.caption.strip()) > CAPTION_LIMIT:
            errors.append(
                ServiceError(ErrorCode.TOO_LONG, field=f"{where}.caption", limit=CAPTION_LIMIT)
            )
        if item.kind == ExhibitionItemKind.MEDIA:
            if item.target_global_id is not None:
                errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.target"))
            if item.media_url:
                if not _check_url(item.media_url.strip()):
                    errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.mediaUrl"))
            elif item.image is None:
                errors.append(ServiceError(ErrorCode.REQUIRED, field=f"{where}.mediaUrl"))
            continue
        if item.media_url is not None:
            errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.mediaUrl"))
        if item.image is not None:
            errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.image"))
        if item.target_global_id is None or item.target_type is None:
            errors.append(ServiceError(ErrorCode.REQUIRED, field=f"{where}.target"))
            continue
        local = LOCAL_TARGET_TYPES.get(ExhibitionItemKind(item.kind))
        if local is not None:
            if item.target_type != local or not (item.target_id or "").isdigit():
                errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.target"))
            else:
                wanted[local].add(int(item.target_id or 0))
        elif FOREIGN_TARGET_WORDS[ExhibitionItemKind(item.kind)] not in item.target_type:
            errors.append(ServiceError(ErrorCode.INVALID, field=f"{where}.target"))
    # Projects and case studies must exist (a shown draft stays hidden until published).
    existing = {
        "Project": set(
            session.exec(select(Project.id).where(col(Project.id).in_(wanted["Project"]))).all()
        )
        if wanted["Project"]
        else set(),
        "CaseStudy": set(
            session.exec(
                select(CaseStudy.id).where(col(CaseStudy.id).in_(wanted["CaseStudy"]))
            ).all()
        )
        if wanted["CaseStudy"]
        else set(),
    }
    for i, item in enumerate(items):
        local = LOCAL_TARGET_TYPES.get(ExhibitionItemKind(item.kind))
        if (
            local
            and item.target_type == local
            and (item.target_id or "").isdigit()
            and int(item.target_id or 0) not in existing[local]
        ):
            errors.append(ServiceError(ErrorCode.NOT_FOUND, field=f"items.{i}.target"))
    return errors


def _attach_images(
    session: Session, actor: Principal, items: list[ItemSpec], exhibition_id: int | None
) -> list[ServiceError]:
    """Check the pictures of MEDIA exhibits, setting their `image_id`: the editor's own
    uploads, any for staff, and those the exhibition already shows (so a co-editor can keep
    them)."""
    pictured = [
        (i, item)
        for i, item in enumerate(items)
        if item.kind == ExhibitionItemKind.MEDIA and item.image is not None
    ]
    if not pictured:
        return []
    shown: list[int] = []
    if exhibition_id is not None:
        shown = [
            image_id
            for image_id in session.exec(
                select(ExhibitionItem.image_id).where(ExhibitionItem.exhibition_id == exhibition_id)
            ).all()
            if image_id is not None
        ]
    errors: list[ServiceError] = []
    for i, item in pictured:
        try:
            [item.image_id] = check_attachable(
                session,
                actor=actor,
                keys=[item.image or ""],
                already=shown,
                field=f"items.{i}.image",
                limit=1,
            )
        except ServiceError as error:
            errors.append(error)
    return errors


def _validate(
    session: Session,
    actor: Principal,
    details: ExhibitionDetails,
    *,
    exhibition_id: int | None = None,
) -> list[ServiceError]:
    """Every error in `details`; creating when `exhibition_id` is None."""
    creating = exhibition_id is None
    errors: list[ServiceError] = []
    for name, limit, required in (
        ("title", TITLE_LIMIT, True),
        ("theme", THEME_LIMIT, True),
        ("description", DESCRIPTION_LIMIT, False),
    ):
        value = getattr(details, name)
        if creating or value is not None:
            try:
                clean_text(value, field=name, limit=limit, required=required)
            except ServiceError as error:
                errors.append(error)
    if creating and details.starts_on is None:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="startsOn"))
    if creating and details.ends_on is None:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="endsOn"))
    if details.region_id is not None and session.get(Region, details.region_id) is None:
        errors.append(ServiceError(ErrorCode.NOT_FOUND, field="region"))
    if details.items is not None:
        errors += _validate_items(session, details.items)
        if len(details.items) <= MAX_ITEMS:
            errors += _attach_images(session, actor, details.items, exhibition_id)
    return errors


def _replace_items(session: Session, exhibition_id: int, items: list[ItemSpec]) -> None:
    """Put `items` in place, by position: an exhibit keeps its row (and its caption's
    translations, stale if the caption changed) while its position exists; exhibits past
    the new end go, with their translations."""
    existing = {
        row.position: row
        for row in session.exec(
            select(ExhibitionItem).where(col(ExhibitionItem.exhibition_id) == exhibition_id)
        )
    }
    for position, item in enumerate(items):
        row = existing.pop(position, None) or ExhibitionItem(
            exhibition_id=exhibition_id, position=position, kind=item.kind
        )
        row.kind = item.kind
        row.target_global_id = item.target_global_id
        row.media_url = item.media_url.strip() if item.media_url else None
        row.image_id = item.image_id
        row.caption = item.caption.strip()
        session.add(row)
    gone = sorted(row.id for row in existing.values() if row.id is not None)
    if gone:
        translations.remove_translations(session, ITEM_TEXT, gone)
        session.execute(sa.delete(ExhibitionItem).where(col(ExhibitionItem.id).in_(gone)))


def create_exhibition(
    session: Session,
    *,
    actor: Principal,
    details: ExhibitionDetails,
    instance: Instance,
    language: str | None = None,
) -> Exhibition:
    """A new DRAFT exhibition, owned by the organisation admin's organisation. `language`
    is the locale its texts are written in (an instance locale; the default if None)."""
    errors = _validate(session, actor, details)
    source_language = ""
    try:
        source_language = check_source_language(
            language or instance.default_locale, locales=instance.locales
        )
    except ServiceError as error:
        errors.append(error)
    if details.starts_on and details.ends_on and details.ends_on < details.starts_on:
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="endsOn"))
    if errors:
        raise ServiceErrors(errors)
    now = utcnow()
    exhibition = Exhibition(
        source_language=source_language,
        title=(details.title or "").strip(),
        theme=(details.theme or "").strip(),
        description=(details.description or "").strip(),
        region_id=details.region_id,
        starts_on=details.starts_on,  # type: ignore[arg-type]
        ends_on=details.ends_on,  # type: ignore[arg-type]
        organisation_id=None if actor.is_admin else actor.helper_id,
        created_by_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    session.add(exhibition)
    session.flush()
    assert exhibition.id is not None
    _replace_items(session, exhibition.id, details.items or [])
    session.flush()
    return exhibition


def update_exhibition(
    session: Session, *, actor: Principal, exhibition_id: int, details: ExhibitionDetails
) -> Exhibition:
    exhibition = exhibition_for_editor(session, actor, exhibition_id)
    errors = _validate(session, actor, details, exhibition_id=exhibition_id)
    starts_on = details.starts_on or exhibition.starts_on
    ends_on = details.ends_on or exhibition.ends_on
    if ends_on < starts_on:
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="endsOn"))
    if errors:
        raise ServiceErrors(errors)
    for name in ("title", "theme", "description"):
        value = getattr(details, name)
        if value is not None:
            setattr(exhibition, name, value.strip())
    if details.region_id is not None:
        exhibition.region_id = details.region_id
    exhibition.starts_on = starts_on
    exhibition.ends_on = ends_on
    if details.items is not None:
        _replace_items(session, exhibition_id, details.items)
    exhibition.updated_at = utcnow()
    session.add(exhibition)
    session.flush()
    return exhibition


@dataclass
class ExhibitionTexts:
    """An exhibition's texts in one more locale; None shows the original. `item_captions`
    follow the exhibits by position (None or missing: the original caption)."""

    title: str | None = None
    theme: str | None = None
    description: str | None = None
    item_captions: Sequence[str | None] = ()


def set_exhibition_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    exhibition_id: int,
    locale: str,
    texts: ExhibitionTexts,
) -> Exhibition:
    """Add, replace or remove (no text at all) the exhibition's texts and its exhibits'
    captions in one more locale. Its editors, in any status."""
    exhibition = exhibition_for_editor(session, actor, exhibition_id)
    items = items_by_exhibition(session, [exhibition_id])[exhibition_id]
    captions = list(texts.item_captions)
    errors: list[ServiceError] = []
    try:
        translations.set_translation(
            session,
            EXHIBITION_TEXT,
            original=exhibition,
            locale=locale,
            locales=locales,
            values={
                "title": texts.title,
                "theme": texts.theme,
                "description": texts.description,
            },
        )
    except ServiceErrors as refused:
        errors += refused.errors
    if len(captions) > len(items):
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="itemCaptions"))
    for index, caption in enumerate(captions):
        try:
            optional_text(caption, field=f"itemCaptions.{index}", limit=CAPTION_LIMIT)
        except ServiceError as error:
            errors.append(error)
    if errors:
        raise ServiceErrors(errors)
    for index, item in enumerate(items):
        translations.set_translation(
            session,
            ITEM_TEXT,
            original=item,
            source_language=exhibition.source_language,
            locale=locale,
            locales=locales,
            values={"caption": captions[index] if index < len(captions) else None},
        )
    return exhibition


def publish_exhibition(session: Session, *, actor: Principal, exhibition_id: int) -> Exhibition:
    """DRAFT → PUBLISHED; an exhibition without items has nothing to show."""
    exhibition = exhibition_for_editor(session, actor, exhibition_id)
    if exhibition.status != ExhibitionStatus.DRAFT:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    has_items = session.exec(
        select(ExhibitionItem.id).where(ExhibitionItem.exhibition_id == exhibition_id).limit(1)
    ).first()
    if has_items is None:
        raise ServiceError(ErrorCode.REQUIRED, field="items")
    exhibition.status = ExhibitionStatus.PUBLISHED
    exhibition.published_at = exhibition.updated_at = utcnow()
    session.add(exhibition)
    session.flush()
    return exhibition


def unpublish_exhibition(session: Session, *, actor: Principal, exhibition_id: int) -> Exhibition:
    """PUBLISHED → DRAFT, e.g. to correct it out of public view."""
    exhibition = exhibition_for_editor(session, actor, exhibition_id)
    if exhibition.status != ExhibitionStatus.PUBLISHED:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    exhibition.status = ExhibitionStatus.DRAFT
    exhibition.updated_at = utcnow()
    session.add(exhibition)
    session.flush()
    return exhibition
