"""Administrative areas: create, rename, translate, retire and look up.

Retiring: an area that was merged, split or renamed away is retired rather than deleted,
so every record made in it keeps pointing at it and still shows it. Only the area retired
by an admin carries a mark (`retired_at`); the areas inside it count as retired through
it, so reinstating it brings back exactly those that were not retired on their own. A
retired area takes no new households, help requests or areas (`check_takes_new_records`).

The hierarchy is reference data of the whole instance, which every area of responsibility,
filter and statistic builds on: only platform admins change it, caseworkers included."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_, Label
from api.core.pages import Page, SortKey, fetch_page
from api.core.settings import Instance
from api.core.taxonomy import ADMIN_LEVELS
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import FieldErrors, clean_text
from api.regions.models import NAME_LIMIT, Region, RegionTranslation

_REGION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_NAME_LENGTH = NAME_LIMIT
AUDIT_SUBJECT = "Region"

REGION_TEXT = Translatable(RegionTranslation, "region_id", (TextField("name", "name", NAME_LIMIT),))

RETIRED_MESSAGE = N_("This area is retired: it takes no new households or requests.")


def create_region(
    session: Session,
    *,
    instance: Instance,
    code: str,
    name: str,
    parent_id: int | None,
    level: int | None = None,
    language: str | None = None,
) -> Region:
    """A new area below `parent_id` (top level when None); every input error at once.
    `level` is the level the caller states (regionCreate requires it): it must follow from
    the parent, so a wrong parent does not go unnoticed; None takes the one that follows
    (scripts and tests). The official name is in `language` (the instance's default locale
    when None)."""
    code = code.strip()
    found = FieldErrors()
    if not _REGION_CODE.fullmatch(code):
        found.add(ErrorCode.INVALID, "code")
    elif session.exec(select(Region.id).where(Region.code == code)).first() is not None:
        found.add(ErrorCode.DUPLICATE, "code")
    clean_name = found.check(lambda: clean_text(name, field="name", limit=NAME_LIMIT))
    parent = session.get(Region, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        found.add(ErrorCode.NOT_FOUND, "parent")
    expected = parent.level + 1 if parent else 1
    if expected > len(instance.admin_levels):
        found.add(ErrorCode.OUT_OF_RANGE, "parent")
    elif parent is not None and is_retired(session, parent):
        found.errors.append(
            ServiceError(ErrorCode.INVALID_STATE, field="parent", message=RETIRED_MESSAGE)
        )
    elif level is not None and level != expected and (parent_id is None or parent is not None):
        found.errors.append(_wrong_level(instance, expected))
    source_language = found.check(
        lambda: check_source_language(language or instance.default_locale, locales=instance.locales)
    )
    found.raise_if_any()
    assert clean_name is not None and source_language is not None
    region = Region(
        code=code,
        name=clean_name,
        source_language=source_language,
        level=expected,
        parent_id=parent_id,
        path="",
    )
    try:
        # In a savepoint: a concurrent request may take the code after the check above.
        with session.begin_nested():
            session.add(region)
            session.flush()
    except IntegrityError:
        if session.exec(select(Region.id).where(Region.code == code)).first() is None:
            raise
        found.add(ErrorCode.DUPLICATE, "code")
        found.raise_if_any()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    session.flush()
    return region


def _wrong_level(instance: Instance, expected: int) -> ServiceError:
    return ServiceError(
        ErrorCode.OUT_OF_RANGE,
        field="level",
        message=N_("This area must be at level {expected} ({level})."),
        expected=expected,
        level=Label(ADMIN_LEVELS, instance.admin_levels[expected - 1]),
    )


def _region_for_admin(session: Session, actor: Principal, region_id: int) -> Region:
    if not actor.is_admin:
        raise ServiceError(ErrorCode.FORBIDDEN)
    region = session.get(Region, region_id)
    if region is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="id")
    return region


def rename_region(session: Session, *, actor: Principal, region_id: int, name: str) -> Region:
    """A new official name; translations read as stale until they are written again."""
    region = _region_for_admin(session, actor, region_id)
    clean_name = clean_text(name, field="name", limit=NAME_LIMIT)
    if clean_name != region.name:
        region.name = clean_name
        session.add(region)
        session.flush()
        record_audit(
            session,
            actor=actor,
            action="region.rename",
            subject_type=AUDIT_SUBJECT,
            subject_id=region_id,
            detail={"fields": ["name"]},
        )
    return region


def set_region_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    region_id: int,
    locale: str,
    name: str | None,
) -> Region:
    """Add, replace or remove (no name) the area's name in one more locale."""
    region = _region_for_admin(session, actor, region_id)
    translations.set_translation(
        session, REGION_TEXT, original=region, locale=locale, locales=locales, values={"name": name}
    )
    return region


def retire_region(
    session: Session, *, actor: Principal, region_id: int, now: datetime | None = None
) -> Region:
    """Retire the area, and with it every area inside it (see the module)."""
    region = _region_for_admin(session, actor, region_id)
    changed = session.exec(
        sa.update(Region)
        .where(col(Region.id) == region_id, col(Region.retired_at).is_(None))
        .values(retired_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    session.refresh(region)
    _audit(session, actor, "region.retire", region_id)
    return region


def reinstate_region(session: Session, *, actor: Principal, region_id: int) -> Region:
    """Take a retired area back into use; it stays retired while an area containing it is."""
    region = _region_for_admin(session, actor, region_id)
    changed = session.exec(
        sa.update(Region)
        .where(col(Region.id) == region_id, col(Region.retired_at).is_not(None))
        .values(retired_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError(ErrorCode.INVALID_STATE, field="id")
    session.refresh(region)
    _audit(session, actor, "region.reinstate", region_id)
    return region


def _audit(session: Session, actor: Principal, action: str, region_id: int) -> None:
    record_audit(
        session,
        actor=actor,
        action=action,
        subject_type=AUDIT_SUBJECT,
        subject_id=region_id,
        detail={},
    )


# --- Retirement ------------------------------------------------------------------------------


def is_retired(session: Session, region: Region, *, lock: bool = False) -> bool:
    """True when the area or one containing it is retired, in one statement. With `lock`,
    the areas read stay shared-locked until the transaction ends (PostgreSQL), so an area
    cannot be retired while a record is being placed in it."""
    statement = select(Region.id, Region.retired_at).where(
        col(Region.id).in_(region.ancestor_ids())
    )
    if lock:
        statement = statement.with_for_update(read=True)
    return any(retired_at is not None for _, retired_at in session.exec(statement).all())


def check_takes_new_records(session: Session, region: Region, *, field: str) -> None:
    """Refuse a new household or request in a retired area (INVALID_STATE on `field`)."""
    if is_retired(session, region, lock=True):
        raise ServiceError(ErrorCode.INVALID_STATE, field=field, message=RETIRED_MESSAGE)


def retired_among(regions: Iterable[Region], ancestors: dict[int, Region]) -> set[int]:
    """Ids of the regions retired themselves or through an area containing them, given
    every ancestor's row (`ancestors`, by id; a region is among its own ancestors)."""
    return {
        region.id
        for region in regions
        if region.id is not None
        and any(
            ancestors[i].retired_at is not None for i in region.ancestor_ids() if i in ancestors
        )
    }


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRegionFilter:
    """The areas directly under `parent_id` (top level when None), retired ones only when
    `include_retired`."""

    parent_id: int | None = None
    include_retired: bool = False


BY_CODE = (SortKey(col(Region.code), kind="str"), SortKey(col(Region.id)))


def child_regions_statement(
    session: Session, *, parent_id: int | None, include_retired: bool
) -> Any | None:
    """The areas directly under `parent_id` (top level when None), retired ones only when
    asked; None when nothing can match (a retired parent whose children count as retired)."""
    statement = select(Region)
    if parent_id is None:
        statement = statement.where(col(Region.parent_id).is_(None))
    else:
        statement = statement.where(col(Region.parent_id) == parent_id)
    if include_retired:
        return statement
    if parent_id is not None:
        parent = session.get(Region, parent_id)
        if parent is not None and is_retired(session, parent):
            return None
    return statement.where(col(Region.retired_at).is_(None))


def list_child_regions(
    session: Session, wanted: ChildRegionFilter, *, first: int, after: str | None
) -> Page[Region]:
    """One page of the areas `wanted`, by code."""
    statement = child_regions_statement(
        session, parent_id=wanted.parent_id, include_retired=wanted.include_retired
    )
    if statement is None:
        return Page(rows=[], cursors=[], has_next=False, has_previous=after is not None)
    page = fetch_page(
        session, statement, BY_CODE, first=first, after=after, key_of=lambda r: (r[0].code, r[0].id)
    )
    return replace(page, rows=[row for (row,) in page.rows])


def regions_by_id(session: Session, ids: Iterable[int]) -> dict[int, Region]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(select(Region).where(col(Region.id).in_(wanted))).all()
    return {region.id: region for region in rows if region.id is not None}


def region_by_code(session: Session, code: str) -> Region | None:
    return session.exec(select(Region).where(Region.code == code)).first()


def public_region_id(region_path: str, public_level: int) -> int:
    """The ancestor shown to the public: the region itself, or its ancestor at the
    instance's public level (county in China), whichever is higher up."""
    ids = [int(part) for part in region_path.strip("/").split("/") if part]
    return ids[min(len(ids), public_level) - 1]
