from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import json_column, timestamp
from api.core.translations import DIGEST_LENGTH


class RequestStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"
    OPEN = "OPEN"
    PLEDGED = "PLEDGED"
    FULFILLED = "FULFILLED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"
    REJECTED = "REJECTED"


class Urgency(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


URGENCY_RANK = {Urgency.LOW: 1, Urgency.MEDIUM: 2, Urgency.HIGH: 3, Urgency.CRITICAL: 4}


class RequestKind(StrEnum):
    """Money towards a target (`target_amount_minor` set), or items in kind (no target)."""

    MONEY = "MONEY"
    IN_KIND = "IN_KIND"


# Statuses in which a request is shown to the public (if its household is public too).
PUBLIC_STATUSES = (RequestStatus.OPEN, RequestStatus.PLEDGED, RequestStatus.FULFILLED)
# The condition of the partial indexes of public requests, as `public_requests_condition`
# writes it (literals, in this order): a planner uses such an index only when the
# statement's WHERE clause contains it.
PUBLIC_STATUS_CONDITION = "status IN ({})".format(", ".join(f"'{s}'" for s in PUBLIC_STATUSES))
# Statuses from which a request can still be changed by its household.
EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.PENDING_VERIFICATION)
# Statuses from which a request can be withdrawn.
WITHDRAWABLE_STATUSES = (
    RequestStatus.DRAFT,
    RequestStatus.PENDING_VERIFICATION,
    RequestStatus.OPEN,
    RequestStatus.PLEDGED,
)


def public_index(name: str, *columns: str) -> sa.Index:
    """An index of the public requests only (PUBLIC_STATUS_CONDITION), on both backends."""
    condition = sa.text(PUBLIC_STATUS_CONDITION)
    return sa.Index(name, *columns, sqlite_where=condition, postgresql_where=condition)


class HelpRequest(SQLModel, table=True):
    """A household's request for help. Money targets are integer minor units."""

    __tablename__ = "help_request"
    # One index per ordering of the request lists (keyset pages walk them in order), and
    # partial ones of the public requests for the public lists: their first page walks one
    # backwards (or forwards) and stops after the page size, whatever the table's size.
    __table_args__ = (
        sa.Index("ix_help_request_status_published", "status", "published_at", "id"),
        sa.Index("ix_help_request_status_urgency", "status", "urgency_rank", "id"),
        sa.Index("ix_help_request_published_at_id", "published_at", "id"),
        sa.Index("ix_help_request_urgency_rank_id", "urgency_rank", "id"),
        sa.Index("ix_help_request_deadline_id", "deadline", "id"),
        *(
            public_index(name, *columns)
            for name, columns in (
                ("ix_help_request_public_published", ("published_at", "id")),
                ("ix_help_request_public_category", ("category", "published_at", "id")),
                ("ix_help_request_public_urgency", ("urgency_rank", "id")),
                ("ix_help_request_public_deadline", ("deadline", "id")),
            )
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    # Copied from the household so region filters need no join.
    region_path: str = Field(max_length=400, index=True)
    category: str = Field(max_length=40, index=True)
    # The locale title and description were written in ("zh_Hans"), set at creation.
    # Rows written in bulk without one (the demo generator) are English.
    source_language: str = Field(default="en", max_length=20)
    title: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    target_amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    # In-kind needs: [{"name": str, "quantity": int, "unit": str}]
    items: list[Any] = json_column(default=[])
    deadline: date | None = None
    urgency: str = Field(default=Urgency.MEDIUM, max_length=20)
    urgency_rank: int = 2
    status: str = Field(default=RequestStatus.DRAFT, max_length=24)
    pledged_amount_minor: int = Field(default=0, sa_type=sa.BigInteger)
    received_amount_minor: int = Field(default=0, sa_type=sa.BigInteger)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    verified_by_id: int | None = Field(default=None, foreign_key="account.id")
    # Set when the draft is submitted: a request withdrawn as a draft never was.
    submitted_at: datetime | None = timestamp(nullable=True)
    published_at: datetime | None = timestamp(nullable=True)
    first_pledge_at: datetime | None = timestamp(nullable=True)
    fulfilled_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class HelpRequestTranslation(SQLModel, table=True):
    """A request's title and description in one more locale (api/core/translations.py);
    a null field shows the original."""

    __tablename__ = "help_request_translation"

    help_request_id: int = Field(foreign_key="help_request.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    # Digest of the request's title and description this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)
