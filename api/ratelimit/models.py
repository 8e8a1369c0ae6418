"""The table behind the database store (api/ratelimit/store.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class RateLimitCounter(SQLModel, table=True):
    """One counter or gate: `amount` is a count, or a gate's time in epoch milliseconds;
    `expires_at` (epoch seconds) is when it stops counting and may be swept."""

    __tablename__ = "rate_limit_counter"

    name: str = Field(primary_key=True, max_length=200)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
