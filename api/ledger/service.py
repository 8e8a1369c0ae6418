"""Posting to the ledger and reading balances: the one money API every section uses.

Other sections (mall, crowdfunding, projects) move money only through `post_transaction`
and `reverse_transaction`; balances and totals are always derived from the entries, never
stored beside them.

Accounts are named by a code "<prefix>:<detail>" (or just "<prefix>") and created on
first use in the currency of the line. The prefix decides the account's kind; sections
register their own prefixes with `register_account_prefix`.

Concurrency: posting only INSERTs. A line listed in `no_overdraft` is checked after the
insert, with the account row locked on PostgreSQL (FOR UPDATE) and the whole write
transaction serialized on SQLite (BEGIN IMMEDIATE, see api/core/db.py), so two refunds
cannot both drain one fund. Write sessions must therefore come from `open_session(...,
write=True)` or `unit_of_work`, as every mutation's does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.money import MAX_MINOR_UNITS
from api.core.validation import check_currency
from api.ledger.models import (
    DEBIT_NORMAL,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)


class LedgerError(ValueError):
    """A programming error: an unbalanced or malformed transaction. Never user input."""


# --- Accounts --------------------------------------------------------------------------------

GENERAL_FUND = "fund:general"
DISBURSED = "disbursed"
SALES = "sales"

_PREFIX_KINDS: dict[str, AccountKind] = {
    # Money held at a payment provider or bank, per provider: "cash:offline".
    "cash": AccountKind.ASSET,
    # Money held for a purpose, owed to the people it was given for.
    "fund": AccountKind.LIABILITY,
    "request": AccountKind.LIABILITY,
    "project": AccountKind.LIABILITY,
    "campaign": AccountKind.LIABILITY,
    # Money paid out to beneficiaries or suppliers.
    "disbursed": AccountKind.EXPENSE,
    "fees": AccountKind.EXPENSE,
    "sales": AccountKind.INCOME,
}


def register_account_prefix(prefix: str, kind: AccountKind) -> None:
    """Let a section name accounts "<prefix>:..."; registering a prefix twice with
    another kind is an error (a code must mean one thing)."""
    known = _PREFIX_KINDS.get(prefix)
    if known is not None and known != kind:
        raise LedgerError(f"account prefix {prefix!r} is already a {known}")
    _PREFIX_KINDS[prefix] = kind


def account_kind(code: str) -> AccountKind:
    prefix = code.split(":", 1)[0]
    kind = _PREFIX_KINDS.get(prefix)
    if kind is None or not code or len(code) > 80:
        raise LedgerError(f"unknown ledger account {code!r}; register its prefix first")
    return kind


def target_account(kind: str, target_id: int | None = None) -> str:
    """The fund account of a request, project or campaign ("request:42"), or the
    general fund when there is no id."""
    return GENERAL_FUND if target_id is None else f"{kind}:{target_id}"


def cash_account(provider: str) -> str:
    return f"cash:{provider}"


# --- Posting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One entry to post: positive amounts debit the account, negative ones credit it."""

    account: str
    amount_minor: int
    currency: str


def debit(account: str, amount_minor: int, currency: str) -> Line:
    return Line(account, amount_minor, currency)


def credit(account: str, amount_minor: int, currency: str) -> Line:
    return Line(account, -amount_minor, currency)


def allocate(
    source_fund: str, destination_fund: str, amount_minor: int, currency: str
) -> list[Line]:
    """Lines that move money held in one fund to another (both liabilities), e.g. from
    the general fund to a request: the source owes less, the destination more."""
    return [
        debit(source_fund, amount_minor, currency),
        credit(destination_fund, amount_minor, currency),
    ]


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise LedgerError("a transaction needs at least two lines")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        amount = line.amount_minor
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise LedgerError(f"amounts are whole minor units, got {amount!r}")
        if amount == 0 or abs(amount) > MAX_MINOR_UNITS:
            raise LedgerError(f"amount {amount} is zero or too large")
        try:
            check_currency(line.currency, field="currency")
        except ServiceError:
            raise LedgerError(f"{line.currency!r} is not an ISO 4217 currency") from None
        account_kind(line.account)
        totals[line.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"debits and credits differ: {unbalanced}")


def _account_ids(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of the (code, currency) accounts, creating the missing ones."""
    table = LedgerAccount.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    now = utcnow()
    session.execute(
        insert.on_conflict_do_nothing(index_elements=["code", "currency"]),
        [
            {"code": code, "currency": currency, "kind": account_kind(code), "created_at": now}
            for code, currency in sorted(pairs)
        ],
    )
    found = session.execute(
        sa.select(table.c.code, table.c.currency, table.c.id).where(
            sa.tuple_(table.c.code, table.c.currency).in_(sorted(pairs))
        )
    ).all()
    return {(code, currency): account_id for code, currency, account_id in found}


def _lock(session: Session, account_ids: Iterable[int]) -> None:
    wanted = sorted(set(account_ids))
    if wanted and session.get_bind().dialect.name == "postgresql":
        # Lock in a stable order, so two postings never wait for each other in a cycle.
        session.execute(
            sa.select(LedgerAccount.id)  # type: ignore[call-overload]
            .where(col(LedgerAccount.id).in_(wanted))
            .order_by(LedgerAccount.id)
            .with_for_update()
        ).all()


def lock_accounts(session: Session, accounts: Iterable[tuple[str, str]]) -> None:
    """Take the lock a guarded posting takes on these (code, currency) accounts, now and
    until the transaction ends (creating them if need be): row locks on PostgreSQL, while
    SQLite's write transactions are serialized already.

    For services that read a fund and then post against it, or that change rows which a
    guarded posting to the same fund also changes (a donation's refund and the fund's
    payouts): locking the fund first gives every such operation one lock order."""
    _lock(session, _account_ids(session, set(accounts)).values())


def post_transaction(
    session: Session,
    *,
    kind: str,
    reference: str,
    lines: Sequence[Line],
    actor_account_id: int | None = None,
    memo: str | None = None,
    reverses_id: int | None = None,
    no_overdraft: Iterable[str] = (),
) -> LedgerTransaction:
    """Record one balanced transaction (debits equal credits in every currency).

    `no_overdraft` names accounts that must not end with a negative natural balance (a
    fund cannot give out more than it holds); breaking it raises a ServiceError with
    code OUT_OF_RANGE and, inside `run_service`, leaves nothing written."""
    _check_lines(lines)
    ids = _account_ids(session, {(line.account, line.currency) for line in lines})
    guarded = [key for key in sorted(ids) if key[0] in set(no_overdraft)]
    _lock(session, [ids[key] for key in guarded])
    transaction = LedgerTransaction(
        kind=kind,
        reference=reference,
        memo=memo,
        reverses_id=reverses_id,
        actor_account_id=actor_account_id,
        created_at=utcnow(),
    )
    session.add(transaction)
    session.flush()
    assert transaction.id is not None
    session.execute(
        sa.insert(LedgerEntry.__table__),  # type: ignore[attr-defined]
        [
            {
                "transaction_id": transaction.id,
                "account_id": ids[(line.account, line.currency)],
                "currency": line.currency,
                "amount_minor": line.amount_minor,
            }
            for line in lines
        ],
    )
    for code, currency in guarded:
        if balance_of(session, code, currency) < 0:
            raise ServiceError(ErrorCode.OUT_OF_RANGE, field="amount")
    return transaction


def reverse_transaction(
    session: Session,
    *,
    transaction_id: int,
    kind: str = "REVERSAL",
    reference: str | None = None,
    actor_account_id: int | None = None,
    memo: str | None = None,
    no_overdraft: Iterable[str] = (),
) -> LedgerTransaction:
    """Undo a transaction by posting its lines with opposite signs (a refund is one).
    A transaction can be reversed once; a second attempt is INVALID_STATE."""
    original = session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise LedgerError(f"no ledger transaction {transaction_id}")
    already = session.exec(
        select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
    ).first()
    if already is not None:
        raise ServiceError(ErrorCode.INVALID_STATE)
    rows = session.execute(
        sa.select(LedgerAccount.code, LedgerEntry.currency, LedgerEntry.amount_minor)  # type: ignore[call-overload]
        .join(LedgerAccount, col(LedgerAccount.id) == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == transaction_id)
        .order_by(LedgerEntry.id)
    ).all()
    return post_transaction(
        session,
        kind=kind,
        reference=reference or original.reference,
        lines=[Line(code, -amount, currency) for code, currency, amount in rows],
        actor_account_id=actor_account_id,
        memo=memo,
        reverses_id=transaction_id,
        no_overdraft=no_overdraft,
    )


# --- Reading ---------------------------------------------------------------------------------


def natural_sign(code: str) -> int:
    """+1 for debit-normal accounts (assets, expenses), -1 for the others."""
    return 1 if account_kind(code) in DEBIT_NORMAL else -1


def balances(session: Session, code: str) -> dict[str, int]:
    """The account's balance in each currency it holds, in its natural sign (a fund
    that received 100 shows 100, not -100)."""
    rows = session.execute(
        sa.select(LedgerEntry.currency, sa.func.sum(LedgerEntry.amount_minor))  # type: ignore[call-overload]
        .join(LedgerAccount, col(LedgerAccount.id) == LedgerEntry.account_id)
        .where(LedgerAccount.code == code)
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    ).all()
    sign = natural_sign(code)
    return {currency: sign * int(total) for currency, total in rows}


def balance_of(session: Session, code: str, currency: str) -> int:
    return balances(session, code).get(currency, 0)


def balances_of_many(session: Session, codes: Iterable[str]) -> dict[str, dict[str, int]]:
    """Balances of several accounts in one statement: {code: {currency: balance}}."""
    wanted = sorted(set(codes))
    result: dict[str, dict[str, int]] = {code: {} for code in wanted}
    if not wanted:
        return result
    rows = session.execute(
        sa.select(  # type: ignore[call-overload]
            LedgerAccount.code, LedgerEntry.currency, sa.func.sum(LedgerEntry.amount_minor)
        )
        .join(LedgerAccount, col(LedgerAccount.id) == LedgerEntry.account_id)
        .where(col(LedgerAccount.code).in_(wanted))
        .group_by(LedgerAccount.code, LedgerEntry.currency)
    ).all()
    for code, currency, total in rows:
        result[code][currency] = natural_sign(code) * int(total)
    return result


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    debits_minor: int
    credits_minor: int

    @property
    def balanced(self) -> bool:
        return self.debits_minor == self.credits_minor


def trial_balance(session: Session) -> list[CurrencyTotals]:
    """Sum of debits and of credits per currency over the whole ledger; equal when the
    books are consistent (every posting checks this, the totals prove it)."""
    amount = col(LedgerEntry.amount_minor)
    rows = session.execute(
        sa.select(  # type: ignore[call-overload]
            LedgerEntry.currency,
            sa.func.coalesce(sa.func.sum(sa.case((amount > 0, amount), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((amount < 0, -amount), else_=0)), 0),
        )
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    ).all()
    return [CurrencyTotals(c, int(d), int(k)) for c, d, k in rows]


def unbalanced_transactions(session: Session) -> list[int]:
    """Ids of transactions whose entries do not sum to zero in some currency (none, ever)."""
    rows = session.execute(
        sa.select(LedgerEntry.transaction_id)  # type: ignore[call-overload]
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(sa.func.sum(LedgerEntry.amount_minor) != 0)
    ).all()
    return sorted({row[0] for row in rows})
