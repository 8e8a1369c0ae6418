"""Idempotency keys for mutations that move money.

The caller sends a key with each money-moving mutation. The first call with a key claims
it by inserting a row (unique on scope and key) *inside its own transaction*, before
doing anything else, and records what it produced at the end. So:

- the same key with the same input returns the first result and writes nothing new;
- the same key with a different input is IDEMPOTENCY_KEY_REUSED;
- a concurrent call with the same key waits for the first transaction (PostgreSQL blocks
  the conflicting INSERT until the first commits or rolls back; SQLite serializes write
  transactions with BEGIN IMMEDIATE), then replays its result. Exactly one succeeds.

A call that fails with a typed error is rolled back together with its claim (run_service's
savepoint), so the key can be retried with corrected input.

Usage in a service:

    claim = claim_key(session, scope="donationCreate", actor=principal, key=key,
                      payload={...normalized input...})
    if claim.replay_id is not None:
        return session.get(Donation, claim.replay_id)
    ... do the work ...
    claim.complete(session, result_id=donation.id)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.models import timestamp

KEY_FIELD = "idempotencyKey"
KEY_LIMIT = 200


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # The operation and the caller: "donationCreate:account:7" or "...:anonymous".
    scope: str = Field(max_length=120)
    key: str = Field(max_length=KEY_LIMIT)
    # SHA-256 of the canonical JSON of the normalized input.
    request_hash: str = Field(max_length=64)
    # The id of what the first call produced (its type is implied by the scope).
    result_id: int | None = None
    created_at: datetime = timestamp(default_now=True, index=True)


def request_hash(payload: Any) -> str:
    """A stable digest of the input: keys sorted, no whitespace, no floats allowed."""

    def refuse_floats(value: Any) -> Any:
        raise TypeError(f"not JSON-serializable for an idempotency hash: {value!r}")

    if _contains_float(payload):
        raise TypeError("money inputs never contain floats")
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=refuse_floats)
    return hashlib.sha256(text.encode()).hexdigest()


def _contains_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_contains_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_float(v) for v in value)
    return False


def actor_scope(operation: str, actor: Principal) -> str:
    who = f"account:{actor.account_id}" if actor.account_id is not None else "anonymous"
    return f"{operation}:{who}"


@dataclass
class Claim:
    row_id: int
    # Set when an earlier call with this key already finished: its result's id.
    replay_id: int | None

    def complete(self, session: Session, *, result_id: int) -> None:
        session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.id == self.row_id)  # type: ignore[arg-type]
            .values(result_id=result_id)
        )


def check_key(key: str) -> str:
    cleaned = key.strip()
    if not cleaned:
        raise ServiceError(ErrorCode.REQUIRED, field=KEY_FIELD)
    if len(cleaned) > KEY_LIMIT:
        raise ServiceError(ErrorCode.TOO_LONG, field=KEY_FIELD, limit=KEY_LIMIT)
    return cleaned


def claim_key(
    session: Session, *, operation: str, actor: Principal, key: str, payload: Any
) -> Claim:
    """Claim `key` for this call, or find the finished call that holds it (see module)."""
    scope = actor_scope(operation, actor)
    key = check_key(key)
    digest = request_hash(payload)
    table = IdempotencyKey.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    inserted = session.execute(
        insert.values(scope=scope, key=key, request_hash=digest, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(table.c.id)
    ).first()
    if inserted is not None:
        return Claim(row_id=inserted[0], replay_id=None)
    # Someone holds the key; on PostgreSQL the INSERT above waited until they committed,
    # and this statement (a new snapshot under READ COMMITTED) sees their row.
    row = session.execute(
        sa.select(table.c.id, table.c.request_hash, table.c.result_id).where(
            table.c.scope == scope, table.c.key == key
        )
    ).one()
    if row.request_hash != digest:
        raise ServiceError(ErrorCode.IDEMPOTENCY_KEY_REUSED, field=KEY_FIELD)
    if row.result_id is None:  # pragma: no cover - the holder commits its result with its claim
        raise ServiceError(ErrorCode.INVALID_STATE, field=KEY_FIELD)
    return Claim(row_id=row.id, replay_id=row.result_id)
