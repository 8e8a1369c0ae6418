"""A payout, its confirmation and the donations it carried are never changed: not through
the ORM, not by any SQL client (migration 0004), as for the ledger."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.db import unit_of_work
from api.disbursements import service
from api.disbursements.models import (
    DISBURSEMENT_TABLES,
    Disbursement,
    DisbursementReceipt,
    DisbursementSource,
    DisbursementTargetKind,
    DonationDisbursement,
)
from api.ledger.guard import LedgerAppendOnlyError
from tests.disbursements import factories as x

# A column of each model and a new value for it.
CHANGES = {Disbursement: ("note", "edited"), DisbursementReceipt: ("confirmed_by_id", None)}
CHANGES[DonationDisbursement] = ("amount_minor", 1)
MODELS = list(CHANGES)


@pytest.fixture
def confirmed(world) -> int:
    x.donated(world, 5_000)
    disbursement_id = x.disburse(
        world,
        DisbursementTargetKind.HOUSEHOLD,
        world.household,
        1_000,
        source=DisbursementSource.GENERAL_FUND,
    )
    with unit_of_work(world.engine) as session:
        service.confirm_receipt(
            session, actor=world.principal(world.rep), disbursement_id=disbursement_id
        )
    return disbursement_id


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_the_orm_refuses_to_change_or_delete_a_row(engine, confirmed, model):
    with Session(engine) as session:
        column, value = CHANGES[model]
        setattr(session.exec(select(model)).first(), column, value)
        with pytest.raises(LedgerAppendOnlyError):
            session.flush()
    with Session(engine) as session:
        session.delete(session.exec(select(model)).first())
        with pytest.raises(LedgerAppendOnlyError):
            session.flush()
    with Session(engine) as session, pytest.raises(LedgerAppendOnlyError):
        session.execute(sa.delete(model))


@pytest.mark.parametrize("table", DISBURSEMENT_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_the_database_refuses_changes_from_any_client(engine, confirmed, table, statement):
    column = "disbursement_id" if table == "disbursement_receipt" else "id"
    refused = pytest.raises(sa.exc.DatabaseError, match=f"{table} is append-only")
    with refused, engine.begin() as connection:
        connection.exec_driver_sql(statement.format(t=table, c=column))
    with Session(engine) as session:
        assert session.get(Disbursement, confirmed) is not None
        assert session.get(DisbursementReceipt, confirmed) is not None
