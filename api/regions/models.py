from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

import api.core.models  # noqa: F401  (naming convention before any table)
from api.core.models import timestamp

NAME_LIMIT = 200
# api.core.translations.DIGEST_LENGTH, which cannot be imported here: api.core.auth imports
# this module on the way to api.core.translations (tests/regions check they agree).
DIGEST_LENGTH = 16


class Region(SQLModel, table=True):
    """An administrative area at any depth; `path` makes subtree filters one LIKE."""

    __tablename__ = "region"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    # The official name, in `source_language`; translations in `region_translation`.
    name: str = Field(max_length=NAME_LIMIT)
    source_language: str = Field(max_length=20)
    level: int
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # "/1/7/42/": ids from the root down to and including this region.
    path: str = Field(max_length=400, index=True)
    # Set when this area itself was retired; the areas inside it are retired with it
    # without a mark of their own (see api/regions/service.py).
    retired_at: datetime | None = timestamp(nullable=True)

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this region."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class RegionTranslation(SQLModel, table=True):
    """An area's name in one more locale (api/core/translations.py)."""

    __tablename__ = "region_translation"

    region_id: int = Field(foreign_key="region.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    name: str | None = Field(default=None, max_length=NAME_LIMIT)
    # Digest of the official name this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)
