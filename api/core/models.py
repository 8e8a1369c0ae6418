"""Shared column helpers for the sqlmodel tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.db import UTCDateTime, utcnow

# Deterministic constraint names, so Alembic migrations match on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def timestamp(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """A UTC timestamp column."""
    return Field(
        default_factory=utcnow if default_now else None,
        sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index),
    )


def foreign_key_after_create(target: str, *, index: bool = True) -> Any:
    """A nullable foreign key added after both tables exist (breaks a reference cycle)."""
    table = target.split(".")[0]
    return Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey(target, use_alter=True, name=f"fk_account_{table}_id_{table}"),
            nullable=True,
            index=index,
        ),
    )


def json_column(*, default: Any) -> Any:
    return Field(
        default_factory=lambda: type(default)(), sa_column=sa.Column(sa.JSON, nullable=False)
    )


__all__ = ["datetime", "json_column", "timestamp"]
