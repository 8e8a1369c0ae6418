"""The double-entry ledger: accounts, transactions and their entries. Append-only: a
mistake is corrected by a reversing transaction, never by editing a row (see guard.py).

Sign convention: `amount_minor` is positive for a debit and negative for a credit, so
the entries of a transaction sum to zero in each currency and a balance is one SUM."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import timestamp
from api.ledger.guard import register_append_only


class AccountKind(StrEnum):
    """Asset and expense accounts grow with debits; the others with credits."""

    ASSET = "ASSET"
    LIABILITY = "LIABILITY"
    EQUITY = "EQUITY"
    INCOME = "INCOME"
    EXPENSE = "EXPENSE"


DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class LedgerAccount(SQLModel, table=True):
    """One account per code and currency ("request:42" in USD), created on first use."""

    __tablename__ = "ledger_account"
    __table_args__ = (sa.UniqueConstraint("code", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80)
    currency: str = Field(max_length=3)
    kind: str = Field(max_length=16)
    created_at: datetime = timestamp(default_now=True)


class LedgerTransaction(SQLModel, table=True):
    """One business event (a donation received, an allocation, a refund...)."""

    __tablename__ = "ledger_transaction"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    # What caused it, e.g. "donation:12"; several transactions may share a reference.
    reference: str = Field(max_length=120, index=True)
    memo: str | None = Field(default=None, max_length=500)
    # A reversing transaction names the one it undoes; each can be undone once.
    reverses_id: int | None = Field(default=None, foreign_key="ledger_transaction.id", unique=True)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True, index=True)


class LedgerEntry(SQLModel, table=True):
    """One line of a transaction: a debit (> 0) or a credit (< 0) to one account."""

    __tablename__ = "ledger_entry"
    __table_args__ = (sa.CheckConstraint("amount_minor <> 0", name="nonzero"),)

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transaction.id", index=True)
    account_id: int = Field(foreign_key="ledger_account.id", index=True)
    # Copied from the account so totals per currency need no join.
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=sa.BigInteger)


LEDGER_TABLES = (
    LedgerAccount.__tablename__,
    LedgerTransaction.__tablename__,
    LedgerEntry.__tablename__,
)

# The append-only guard holds wherever the models are used.
register_append_only(LedgerAccount, LedgerTransaction, LedgerEntry)
