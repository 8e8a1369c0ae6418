from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.core.models import foreign_key_after_create, timestamp


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=200)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=32, index=True)
    # Caseworkers act within this region's subtree.
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # A household representative speaks for exactly one household.
    household_id: int | None = foreign_key_after_create("household.id")
    # Helpers and organisation admins act as this helper profile.
    helper_id: int | None = Field(default=None, foreign_key="helper.id", index=True)
    locale: str | None = Field(default=None, max_length=20)
    is_active: bool = True
    created_at: datetime = timestamp(default_now=True)
    # Set when the account was deleted: its personal data is erased, the row stays so
    # that money records and the audit trail keep pointing at something.
    deleted_at: datetime | None = timestamp(nullable=True)


class AccessToken(SQLModel, table=True):
    """Bearer tokens are random; only their keyed hash is stored, so a leak of this table
    does not let anyone log in, and revocation is one UPDATE."""

    __tablename__ = "access_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = timestamp(nullable=True)


class PasswordResetToken(SQLModel, table=True):
    """A one-time token that lets someone who forgot their password choose a new one.
    Like bearer tokens, only a keyed hash is stored; it expires and works once."""

    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    # Set when the token was used, or when a newer one or a password change replaced it.
    used_at: datetime | None = timestamp(nullable=True)
