from __future__ import annotations

from sqlmodel import Field, SQLModel

import api.core.models  # noqa: F401  (naming convention before any table)


class Region(SQLModel, table=True):
    """An administrative area at any depth; `path` makes subtree filters one LIKE."""

    __tablename__ = "region"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    level: int
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # "/1/7/42/": ids from the root down to and including this region.
    path: str = Field(max_length=400, index=True)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]
