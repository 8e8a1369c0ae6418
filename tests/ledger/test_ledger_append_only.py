"""Ledger rows cannot be changed or deleted: not through the ORM, not by any SQL client."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.db import unit_of_work
from api.ledger import service as ledger
from api.ledger.guard import LedgerAppendOnlyError
from api.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction

MODELS = [LedgerAccount, LedgerTransaction, LedgerEntry]


@pytest.fixture
def posted(engine) -> None:
    with unit_of_work(engine) as session:
        ledger.post_transaction(
            session,
            kind="DONATION_RECEIVED",
            reference="donation:1",
            lines=[
                ledger.debit("cash:offline", 100, "USD"),
                ledger.credit("fund:general", 100, "USD"),
            ],
        )


def first(session: Session, model: type) -> object:
    return session.exec(select(model)).first()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_the_orm_refuses_to_update_a_ledger_row(engine, posted, model):
    with Session(engine) as session:
        row = first(session, model)
        column = "currency" if model is not LedgerTransaction else "reference"
        setattr(row, column, "EUR" if column == "currency" else "edited")
        with pytest.raises(LedgerAppendOnlyError):
            session.flush()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_the_orm_refuses_to_delete_a_ledger_row(engine, posted, model):
    with Session(engine) as session:
        session.delete(first(session, model))
        with pytest.raises(LedgerAppendOnlyError):
            session.flush()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_bulk_statements_through_a_session_are_refused(engine, posted, model):
    with Session(engine) as session:
        with pytest.raises(LedgerAppendOnlyError):
            session.execute(sa.update(model).values(id=model.id))
        with pytest.raises(LedgerAppendOnlyError):
            session.execute(sa.delete(model))


@pytest.mark.parametrize("table", ["ledger_account", "ledger_transaction", "ledger_entry"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_the_database_refuses_changes_from_any_client(engine, posted, table, statement):
    refused = pytest.raises(sa.exc.DatabaseError, match=f"{table} is append-only")
    with refused, engine.begin() as connection:
        connection.exec_driver_sql(statement.format(t=table))
    with Session(engine) as session:
        assert ledger.balance_of(session, "fund:general", "USD") == 100
