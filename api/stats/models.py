from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class RegionStat(SQLModel, table=True):
    """Counters and histograms kept current on every change, per region and for the whole
    instance (scope 0), so statistics cost the same at any data size.

    `bucket` is 0 for plain counters; for histograms it is the bucket (days to first
    pledge, or the publication day for the 90-day cohort counters)."""

    __tablename__ = "region_stat"

    scope_id: int = Field(primary_key=True)
    metric: str = Field(max_length=40, primary_key=True)
    bucket: int = Field(default=0, primary_key=True)
    value: int = Field(default=0, sa_type=sa.BigInteger)
