"""Posting balanced transactions, reversing them, and reading balances."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work
from api.core.errors import ErrorCode, ServiceError
from api.ledger import service as ledger
from api.ledger.models import AccountKind, LedgerEntry, LedgerTransaction
from api.ledger.service import LedgerError, Line, credit, debit


def count(engine, table) -> int:
    with Session(engine) as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_donation_received_shows_in_both_accounts_with_their_natural_sign(engine):
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:1",
            lines=[debit("cash:offline", 1050, "USD"), credit("request:42", 1050, "USD")],
        )

    with Session(engine) as session:
        assert ledger.balance_of(session, "cash:offline", "USD") == 1050
        assert ledger.balance_of(session, "request:42", "USD") == 1050
        assert ledger.balance_of(session, "request:42", "EUR") == 0
        totals = ledger.trial_balance(session)
    assert [(t.currency, t.debits_minor, t.credits_minor) for t in totals] == [("USD", 1050, 1050)]


def test_currencies_balance_separately(engine):
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:2",
            lines=[
                debit("cash:offline", 500, "USD"),
                credit("fund:general", 500, "USD"),
                debit("cash:offline", 900, "CNY"),
                credit("fund:general", 900, "CNY"),
            ],
        )
    with Session(engine) as session:
        assert ledger.balances(session, "fund:general") == {"CNY": 900, "USD": 500}
        many = ledger.balances_of_many(session, ["fund:general", "cash:offline", "request:9"])
    assert many == {
        "cash:offline": {"CNY": 900, "USD": 500},
        "fund:general": {"CNY": 900, "USD": 500},
        "request:9": {},
    }


@pytest.mark.parametrize(
    "lines",
    [
        [debit("cash:offline", 100, "USD"), credit("fund:general", 99, "USD")],
        [debit("cash:offline", 100, "USD"), credit("fund:general", 100, "EUR")],
        [debit("cash:offline", 100, "USD")],
        [Line("cash:offline", 10.5, "USD"), Line("fund:general", -10.5, "USD")],  # type: ignore[arg-type]
        [Line("cash:offline", True, "USD"), Line("fund:general", -1, "USD")],  # type: ignore[arg-type]
        [debit("cash:offline", 0, "USD"), credit("fund:general", 0, "USD")],
        [debit("nowhere:1", 100, "USD"), credit("fund:general", 100, "USD")],
        [debit("cash:offline", 100, "XXY"), credit("fund:general", 100, "XXY")],
        [debit("cash:offline", 10**16, "USD"), credit("fund:general", 10**16, "USD")],
    ],
    ids=[
        "unbalanced",
        "two-currencies",
        "one-line",
        "float",
        "bool",
        "zero",
        "unknown",
        "currency",
        "huge",
    ],
)
def test_malformed_transactions_are_refused_and_write_nothing(engine, lines):
    with pytest.raises(LedgerError), unit_of_work(engine) as session:
        ledger.post_transaction(session, kind="TEST", reference="t", lines=lines)
    assert count(engine, LedgerTransaction) == count(engine, LedgerEntry) == 0


def test_a_reversal_restores_every_balance_and_happens_once(engine):
    with unit_of_work(engine) as session:
        original = ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:3",
            lines=[debit("cash:webhook", 700, "USD"), credit("campaign:5", 700, "USD")],
        )
        assert original.id is not None
        reversal = ledger.reverse_transaction(
            session, transaction_id=original.id, kind="DONATION_REFUND"
        )
        assert reversal.reverses_id == original.id
        assert reversal.reference == "donation:3"
    with Session(engine) as session:
        assert ledger.balances(session, "campaign:5") == {"USD": 0}
        assert ledger.balances(session, "cash:webhook") == {"USD": 0}
    with pytest.raises(ServiceError) as refused, unit_of_work(engine) as session:
        ledger.reverse_transaction(session, transaction_id=original.id)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert count(engine, LedgerTransaction) == 2


def test_a_fund_cannot_give_out_more_than_it_holds(engine):
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:4",
            lines=[debit("cash:offline", 300, "USD"), credit("request:7", 300, "USD")],
        )
    with pytest.raises(ServiceError) as refused, unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DISBURSEMENT",
            reference="payout:1",
            lines=[debit("request:7", 301, "USD"), credit("cash:offline", 301, "USD")],
            no_overdraft=["request:7"],
        )
    assert refused.value.code == ErrorCode.OUT_OF_RANGE
    assert count(engine, LedgerTransaction) == 1
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DISBURSEMENT",
            reference="payout:2",
            lines=[debit("request:7", 300, "USD"), credit("cash:offline", 300, "USD")],
            no_overdraft=["request:7"],
        )
        assert ledger.balance_of(session, "request:7", "USD") == 0


def test_allocation_moves_money_from_the_general_fund_to_a_request(engine):
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:5",
            lines=[debit("cash:offline", 1000, "USD"), credit(ledger.GENERAL_FUND, 1000, "USD")],
        )
        ledger.post_transaction(
            session,
            kind="ALLOCATION",
            reference="allocation:1",
            lines=ledger.allocate(ledger.GENERAL_FUND, "request:8", 400, "USD"),
            no_overdraft=[ledger.GENERAL_FUND],
        )
        assert ledger.balance_of(session, ledger.GENERAL_FUND, "USD") == 600
        assert ledger.balance_of(session, "request:8", "USD") == 400


def test_sections_register_their_own_account_prefixes():
    ledger.register_account_prefix("order", AccountKind.LIABILITY)
    assert ledger.account_kind("order:1") == AccountKind.LIABILITY
    with pytest.raises(LedgerError):
        ledger.register_account_prefix("order", AccountKind.ASSET)
