"""The audit log is append-only: the application refuses to change or delete events, and
so does the database itself, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, delete, select, update

from api.audit.guard import AppendOnlyError, append_only_triggers_lifted
from api.audit.models import AuditEvent
from api.core.db import utcnow
from api.regions.models import Region


@pytest.fixture
def recorded(engine: sa.Engine) -> Iterator[int]:
    """One recorded event; removed afterwards the one way maintenance may."""
    with Session(engine) as session:
        event = AuditEvent(
            at=utcnow(),
            actor_role="caseworker",
            action="household.read_sensitive",
            subject_type="Household",
            subject_id=7,
            detail={"fields": ["phone"]},
        )
        session.add(event)
        session.commit()
        assert event.id is not None
        event_id = event.id
    yield event_id
    with engine.begin() as connection, append_only_triggers_lifted(connection):
        connection.exec_driver_sql("DELETE FROM audit_event")


def count_events(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one()


def test_changing_a_loaded_event_is_refused(engine, recorded):
    with Session(engine) as session:
        event = session.get_one(AuditEvent, recorded)
        event.action = "household.nothing_to_see"
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.flush()


def test_deleting_a_loaded_event_is_refused(engine, recorded):
    with Session(engine) as session:
        session.delete(session.get_one(AuditEvent, recorded))
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.flush()
    assert count_events(engine) == 1


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(action="household.nothing_to_see"),
        delete(AuditEvent),
        sa.update(AuditEvent.__table__).values(action="household.nothing_to_see"),
        sa.delete(AuditEvent.__table__),
    ],
    ids=["orm-update", "orm-delete", "core-update", "core-delete"],
)
def test_bulk_statements_through_a_session_are_refused(engine, recorded, statement):
    with Session(engine) as session, pytest.raises(AppendOnlyError, match="append-only"):
        session.execute(statement)
    assert count_events(engine) == 1


def test_bulk_statements_on_other_tables_pass(engine, recorded):
    with Session(engine) as session:
        session.execute(update(Region).values(name="Renamed"))
        session.rollback()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_event SET action = 'household.nothing_to_see'", "DELETE FROM audit_event"],
    ids=["update", "delete"],
)
def test_the_database_refuses_changes_from_any_client(engine, recorded, sql):
    with (
        pytest.raises(sa.exc.IntegrityError, match="audit_event is append-only"),
        engine.begin() as connection,
    ):
        connection.exec_driver_sql(sql)
    with Session(engine) as session:
        event = session.get_one(AuditEvent, recorded)
        assert event.action == "household.read_sensitive"


def test_appending_still_works(engine, recorded):
    with Session(engine) as session:
        session.add(
            AuditEvent(
                at=utcnow(),
                actor_role="platform_admin",
                action="household.read_sensitive",
                subject_type="Household",
                subject_id=8,
                detail={},
            )
        )
        session.commit()
    with Session(engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == 2


def test_lifting_the_triggers_lasts_only_for_that_transaction(engine, recorded):
    with (
        pytest.raises(RuntimeError, match="changed my mind"),
        engine.begin() as connection,
        append_only_triggers_lifted(connection),
    ):
        connection.exec_driver_sql("DELETE FROM audit_event")
        raise RuntimeError("changed my mind")
    assert count_events(engine) == 1  # rolled back, triggers included

    with engine.begin() as connection, append_only_triggers_lifted(connection):
        connection.exec_driver_sql("DELETE FROM audit_event")
    assert count_events(engine) == 0

    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_event (at, actor_role, action, subject_type, subject_id, detail)"
            " VALUES (CURRENT_TIMESTAMP, 'helper', 'helper.login', 'Account', 1, '{}')"
        )
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_event")  # guarded again
