"""Administrative areas: create and look up, with cached bulk loading per request."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.settings import Instance
from api.regions.models import Region

_REGION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_NAME_LENGTH = 200


def create_region(
    session: Session, *, instance: Instance, code: str, name: str, parent_id: int | None
) -> Region:
    """A new area below `parent_id` (top level when None); every input error at once."""
    code = code.strip()
    name = name.strip()
    errors: list[ServiceError] = []
    if not _REGION_CODE.fullmatch(code):
        errors.append(ServiceError(ErrorCode.INVALID, field="code"))
    elif session.exec(select(Region.id).where(Region.code == code)).first() is not None:
        errors.append(ServiceError(ErrorCode.DUPLICATE, field="code"))
    if not name:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="name"))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(ServiceError(ErrorCode.TOO_LONG, field="name", limit=MAX_NAME_LENGTH))
    parent = session.get(Region, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        errors.append(ServiceError(ErrorCode.NOT_FOUND, field="parent"))
    level = parent.level + 1 if parent else 1
    if level > len(instance.admin_levels):
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="parent"))
    if errors:
        raise ServiceErrors(errors)
    region = Region(code=code, name=name, level=level, parent_id=parent_id, path="")
    try:
        # In a savepoint: a concurrent request may take the code after the check above.
        with session.begin_nested():
            session.add(region)
            session.flush()
    except IntegrityError:
        if session.exec(select(Region.id).where(Region.code == code)).first() is None:
            raise
        raise ServiceErrors([ServiceError(ErrorCode.DUPLICATE, field="code")]) from None
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    session.flush()
    return region


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
