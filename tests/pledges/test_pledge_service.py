"""Pledges in the service: the rules of pledging, every transition, and the statistics."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work, utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.help_requests import service as request_service
from api.help_requests.models import HelpRequest, RequestStatus
from api.pledges import service
from api.pledges.models import Pledge, PledgeStatus
from api.stats.metrics import (
    DAYS_TO_FIRST_PLEDGE,
    PLEDGES_DELIVERED,
    REQUESTS_ANSWERED_90D_BY_DAY,
    REQUESTS_MET,
)
from api.stats.models import RegionStat
from api.stats.service import day_number, rebuild_stats
from tests.help_requests import factories as f


def errors_of(raised: pytest.ExceptionInfo[BaseException]) -> dict[str | None, ErrorCode]:
    error = raised.value
    items = error.errors if isinstance(error, ServiceErrors) else [error]
    return {e.field: e.code for e in items}  # type: ignore[attr-defined]


def create(world: f.World, request_id: int, actor=None, **overrides):
    values = {
        "kind": "MONEY",
        "amount_minor": 10_000,
        "currency": "USD",
        "description": None,
        "due_on": f.tomorrow(),
    }
    values.update(overrides)
    with unit_of_work(world.engine) as session:
        return service.create_pledge(
            session,
            actor=world.principal(actor or world.helper),
            instance=world.settings.instance,
            details=service.PledgeDetails(request_id=request_id, **values),
            idempotency_key=uuid4().hex,
        )


def act(world: f.World, action, actor, pledge_id: int, **kwargs):
    with unit_of_work(world.engine) as session:
        return action(session, actor=world.principal(actor), pledge_id=pledge_id, **kwargs)


def confirm(world, actor, pledge_id, message=None):
    return act(world, service.confirm_receipt, actor, pledge_id, thank_you_message=message)


# --- Pledging --------------------------------------------------------------------------------


def test_money_pledge_takes_part_of_the_target(world):
    request_id = f.published(world, target_minor=30_000)
    row = create(world, request_id, amount_minor=10_000)
    assert (row.status, row.amount_minor, row.currency) == (PledgeStatus.ACTIVE, 10_000, "USD")
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.pledged_amount_minor) == (RequestStatus.OPEN, 10_000)
    create(world, request_id, actor=world.other_helper, amount_minor=20_000)
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.pledged_amount_minor) == (RequestStatus.PLEDGED, 30_000)
    with pytest.raises(ServiceError) as raised:
        create(world, request_id, amount_minor=1)
    assert raised.value.code == ErrorCode.INVALID_STATE


def test_invalid_money_pledges_are_refused_with_every_reason(world):
    request_id = f.published(world, target_minor=30_000, deadline=utcnow().date() + timedelta(5))
    with pytest.raises(ServiceErrors) as raised:
        create(
            world,
            request_id,
            amount_minor=30_001,
            currency="EUR",
            description="x" * 2001,
            due_on=utcnow().date() + timedelta(days=6),
        )
    assert errors_of(raised) == {
        "amount.currency": ErrorCode.CURRENCY_MISMATCH,
        "amount.amountMinor": ErrorCode.OUT_OF_RANGE,
        "description": ErrorCode.TOO_LONG,
        "dueOn": ErrorCode.OUT_OF_RANGE,
    }
    with pytest.raises(ServiceErrors) as missing:
        create(world, request_id, amount_minor=None, currency=None, due_on=utcnow().date())
    assert errors_of(missing) == {"amount": ErrorCode.REQUIRED, "dueOn": ErrorCode.OUT_OF_RANGE}
    with pytest.raises(ServiceErrors) as kind:
        create(world, request_id, kind="GOODS", amount_minor=None, currency=None)
    assert errors_of(kind) == {"kind": ErrorCode.INVALID, "description": ErrorCode.REQUIRED}
    assert f.count(world.engine, Pledge) == 0
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 0


def test_in_kind_requests_take_one_live_pledge_at_a_time(world):
    request_id = f.published(world, items=[request_service.Item("Rice", 2, "bags")])
    with pytest.raises(ServiceErrors) as money:
        create(world, request_id)
    assert errors_of(money) == {"kind": ErrorCode.INVALID}
    with pytest.raises(ServiceErrors) as amount:
        create(world, request_id, kind="GOODS", description="Rice")
    assert errors_of(amount) == {"amount": ErrorCode.INVALID}
    first = create(
        world, request_id, kind="GOODS", amount_minor=None, currency=None, description="Rice"
    )
    assert (first.amount_minor, first.currency) == (None, None)
    assert f.request_row(world.engine, request_id).status == RequestStatus.PLEDGED
    with pytest.raises(ServiceError) as second:
        create(
            world,
            request_id,
            actor=world.other_helper,
            kind="SERVICE",
            amount_minor=None,
            currency=None,
            description="I will drive it",
        )
    assert second.value.code == ErrorCode.INVALID_STATE
    act(world, service.cancel_pledge, world.helper, first.id)
    assert f.request_row(world.engine, request_id).status == RequestStatus.OPEN
    create(
        world,
        request_id,
        actor=world.other_helper,
        kind="SERVICE",
        amount_minor=None,
        currency=None,
        description="I will bring it",
    )


@pytest.mark.parametrize("state", ["draft", "pending", "unconsented", "withdrawn", "missing"])
def test_only_public_open_requests_take_pledges(world, engine, settings, state):
    from tests import factories

    if state == "unconsented":
        private, _ = factories.household(
            engine, settings, world.regions["P1-A-C1-T-V"], consent=False
        )
        request_id = f.published(world, household=private)
    elif state == "withdrawn":
        request_id = f.published(world)
        with unit_of_work(engine) as session:
            request_service.withdraw_request(
                session, actor=world.principal(world.rep), request_id=request_id
            )
    else:
        request_id = {"draft": f.draft, "pending": f.submitted}.get(state, lambda w: 999)(world)
    with pytest.raises(ServiceError) as raised:
        create(world, request_id)
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, "request")


def test_accounts_without_a_helper_profile_cannot_pledge(world):
    request_id = f.published(world)
    with pytest.raises(ServiceError) as raised:
        create(world, request_id, actor=world.rep)
    assert raised.value.code == ErrorCode.FORBIDDEN


def test_the_first_pledge_records_the_response_time_once(world):
    published_at = utcnow() - timedelta(days=3, hours=1)
    request_id = f.published(world, published_at=published_at)
    create(world, request_id, amount_minor=1_000)
    request = f.request_row(world.engine, request_id)
    assert request.first_pledge_at is not None
    assert f.stat(world.engine, DAYS_TO_FIRST_PLEDGE, bucket=3) == 1
    cohort = day_number(published_at)
    assert f.stat(world.engine, REQUESTS_ANSWERED_90D_BY_DAY, bucket=cohort) == 1
    county = world.regions["P1-A-C1"].id
    assert f.stat(world.engine, REQUESTS_ANSWERED_90D_BY_DAY, scope_id=county) == 1
    pledge = create(world, request_id, actor=world.other_helper, amount_minor=1_000)
    act(world, service.cancel_pledge, world.other_helper, pledge.id)
    create(world, request_id, actor=world.other_helper, amount_minor=1_000)
    assert f.request_row(world.engine, request_id).first_pledge_at == request.first_pledge_at
    assert f.stat(world.engine, DAYS_TO_FIRST_PLEDGE) == 1
    assert f.stat(world.engine, REQUESTS_ANSWERED_90D_BY_DAY) == 1


def test_a_first_pledge_after_90_days_is_not_counted_as_answered(world):
    request_id = f.published(world, published_at=utcnow() - timedelta(days=120))
    create(world, request_id)
    assert f.stat(world.engine, DAYS_TO_FIRST_PLEDGE, bucket=120) == 1
    assert f.stat(world.engine, REQUESTS_ANSWERED_90D_BY_DAY) == 0


# --- Cancelling, delivering, confirming ----------------------------------------------------


def test_cancelling_gives_the_amount_back_and_reopens(world):
    request_id = f.published(world, target_minor=10_000)
    pledge = create(world, request_id, amount_minor=10_000)
    assert f.request_row(world.engine, request_id).status == RequestStatus.PLEDGED
    row = act(world, service.cancel_pledge, world.helper, pledge.id)
    assert (row.status, row.ended_at is not None) == (PledgeStatus.CANCELLED, True)
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.pledged_amount_minor) == (RequestStatus.OPEN, 0)


def test_only_the_pledging_helper_cancels_or_marks_delivered(world):
    request_id = f.published(world)
    pledge = create(world, request_id)
    for action in (service.cancel_pledge, service.mark_delivered):
        with pytest.raises(ServiceError) as other:
            act(world, action, world.other_helper, pledge.id)
        assert (other.value.code, other.value.field) == (ErrorCode.NOT_FOUND, "id")
        with pytest.raises(ServiceError) as rep:
            act(world, action, world.rep, pledge.id)
        assert rep.value.code == ErrorCode.FORBIDDEN  # sees it, but it is not theirs
    assert f.pledge_row(world.engine, pledge.id).status == PledgeStatus.ACTIVE


def test_delivery_then_confirmation_meets_a_money_request(world):
    request_id = f.published(world, target_minor=30_000)
    first = create(world, request_id, amount_minor=10_000)
    second = create(world, request_id, actor=world.other_helper, amount_minor=20_000)
    delivered = act(world, service.mark_delivered, world.helper, first.id)
    assert (delivered.status, delivered.delivered_at is not None) == (PledgeStatus.DELIVERED, True)
    assert f.stat(world.engine, PLEDGES_DELIVERED) == 1

    row = confirm(world, world.rep, first.id, "  Thank you so much!  ")
    assert (row.status, row.thank_you_message) == (PledgeStatus.CONFIRMED, "Thank you so much!")
    assert row.confirmed_by_id == world.rep.account_id
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.received_amount_minor) == (RequestStatus.PLEDGED, 10_000)
    assert f.stat(world.engine, REQUESTS_MET) == 0

    # Confirmed without the helper marking it: it counts as delivered too.
    row = confirm(world, world.caseworker, second.id)
    assert row.delivered_at is not None and row.thank_you_message is None
    assert f.stat(world.engine, PLEDGES_DELIVERED) == 2
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.received_amount_minor) == (RequestStatus.FULFILLED, 30_000)
    assert request.fulfilled_at is not None
    assert f.stat(world.engine, REQUESTS_MET) == 1
    assert f.stat(world.engine, REQUESTS_MET, scope_id=world.regions["P1"].id) == 1
    assert f.audit_actions(world.engine, "Pledge", first.id) == ["pledge.confirm_receipt"]


def test_an_in_kind_request_is_met_by_its_confirmed_pledge(world):
    request_id = f.published(world, items=[request_service.Item("Rice", 2, "bags")])
    pledge = create(
        world, request_id, kind="GOODS", amount_minor=None, currency=None, description="Rice"
    )
    confirm(world, world.rep, pledge.id, "Thanks")
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.received_amount_minor) == (RequestStatus.FULFILLED, 0)


@pytest.mark.parametrize("who", ["other_rep", "far_caseworker", "helper"])
def test_only_the_household_side_confirms_receipt(world, engine, settings, who):
    from api.core.roles import Role

    request_id = f.published(world)
    pledge = create(world, request_id)
    actor = {
        "other_rep": lambda: f.account(
            engine,
            settings,
            Role.HOUSEHOLD_REPRESENTATIVE,
            email="rep2@example.org",
            household_id=world.other_household,
        ),
        "far_caseworker": lambda: world.far_caseworker,
        "helper": lambda: world.helper,
    }[who]()
    with pytest.raises(ServiceError) as raised:
        confirm(world, actor, pledge.id)
    expected = ErrorCode.FORBIDDEN if who == "helper" else ErrorCode.NOT_FOUND
    assert raised.value.code == expected
    assert f.pledge_row(engine, pledge.id).status == PledgeStatus.ACTIVE


def test_thank_you_messages_are_limited(world):
    pledge = create(world, f.published(world))
    with pytest.raises(ServiceError) as raised:
        confirm(world, world.rep, pledge.id, "x" * 2001)
    assert (raised.value.code, raised.value.field) == (ErrorCode.TOO_LONG, "thankYouMessage")


def cancelled(world, pledge_id):
    act(world, service.cancel_pledge, world.helper, pledge_id)


def delivered(world, pledge_id):
    act(world, service.mark_delivered, world.helper, pledge_id)


def confirmed(world, pledge_id):
    confirm(world, world.rep, pledge_id)


def lapsed(world, pledge_id):
    with unit_of_work(world.engine) as session:
        session.execute(
            sa.update(Pledge)
            .where(Pledge.id == pledge_id)
            .values(due_on=utcnow().date() - timedelta(100))  # type: ignore[arg-type]
        )
        service.sweep(session, today=utcnow().date(), grace_days=14)


PLEDGE_STATES = {
    "ACTIVE": lambda world, pledge_id: None,
    "DELIVERED": delivered,
    "CONFIRMED": confirmed,
    "CANCELLED": cancelled,
    "LAPSED": lapsed,
}
PLEDGE_ACTIONS = {
    "cancel": lambda world, pledge_id: act(world, service.cancel_pledge, world.helper, pledge_id),
    "deliver": lambda world, pledge_id: act(world, service.mark_delivered, world.helper, pledge_id),
    "confirm": lambda world, pledge_id: confirm(world, world.rep, pledge_id),
}
PLEDGE_ALLOWED = {
    "cancel": {"ACTIVE"},
    "deliver": {"ACTIVE"},
    "confirm": {"ACTIVE", "DELIVERED"},
}


@pytest.mark.parametrize(
    ("action", "state"),
    [(a, s) for a in PLEDGE_ACTIONS for s in PLEDGE_STATES if s not in PLEDGE_ALLOWED[a]],
)
def test_refused_pledge_transitions_are_invalid_state(world, action, state):
    request_id = f.published(world, target_minor=50_000)
    pledge = create(world, request_id)
    PLEDGE_STATES[state](world, pledge.id)
    before = (f.pledge_row(world.engine, pledge.id), f.request_row(world.engine, request_id))
    with pytest.raises(ServiceError) as raised:
        PLEDGE_ACTIONS[action](world, pledge.id)
    assert raised.value.code == ErrorCode.INVALID_STATE
    after = (f.pledge_row(world.engine, pledge.id), f.request_row(world.engine, request_id))
    assert after[0].status == before[0].status
    assert (after[1].pledged_amount_minor, after[1].received_amount_minor) == (
        before[1].pledged_amount_minor,
        before[1].received_amount_minor,
    )


# --- Sweep -----------------------------------------------------------------------------------


def backdate(world, table, row_id, **values):
    with unit_of_work(world.engine) as session:
        session.execute(sa.update(table).where(table.id == row_id).values(**values))


def test_sweep_expires_open_requests_past_their_deadline_only(world):
    today = utcnow().date()
    open_late = f.published(world, deadline=today)
    open_in_time = f.published(world, deadline=today)
    pledged_late = f.published(world, target_minor=1_000, deadline=today + timedelta(days=5))
    f.pledge(world, pledged_late, amount=1_000)
    for request_id in (open_late, pledged_late):
        backdate(world, HelpRequest, request_id, deadline=today - timedelta(days=1))
    with unit_of_work(world.engine) as session:
        result = service.sweep(session, today=today, grace_days=14)
    assert result == service.SweepResult(expired_requests=1, lapsed_pledges=0)
    statuses = [
        f.request_row(world.engine, i).status for i in (open_late, open_in_time, pledged_late)
    ]
    assert statuses == [RequestStatus.EXPIRED, RequestStatus.OPEN, RequestStatus.PLEDGED]
    with unit_of_work(world.engine) as session:
        again = service.sweep(session, today=today, grace_days=14)
    assert again == service.SweepResult(expired_requests=0, lapsed_pledges=0)


def test_sweep_lapses_overdue_pledges_after_the_grace_period(world):
    today = utcnow().date()
    request_id = f.published(world, target_minor=30_000)
    overdue = create(world, request_id, amount_minor=10_000)
    in_grace = create(world, request_id, actor=world.other_helper, amount_minor=15_000)
    done = create(world, request_id, amount_minor=5_000)
    act(world, service.mark_delivered, world.helper, done.id)
    assert f.request_row(world.engine, request_id).status == RequestStatus.PLEDGED
    backdate(world, Pledge, overdue.id, due_on=today - timedelta(days=15))
    backdate(world, Pledge, in_grace.id, due_on=today - timedelta(days=14))
    backdate(world, Pledge, done.id, due_on=today - timedelta(days=30))
    with unit_of_work(world.engine) as session:
        result = service.sweep(session, today=today, grace_days=14)
    assert result == service.SweepResult(expired_requests=0, lapsed_pledges=1)
    statuses = [f.pledge_row(world.engine, p.id).status for p in (overdue, in_grace, done)]
    assert statuses == [PledgeStatus.LAPSED, PledgeStatus.ACTIVE, PledgeStatus.DELIVERED]
    request = f.request_row(world.engine, request_id)
    assert (request.status, request.pledged_amount_minor) == (RequestStatus.OPEN, 20_000)
    with unit_of_work(world.engine) as session:
        assert service.sweep(session, today=today, grace_days=14).lapsed_pledges == 0
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 20_000


def test_sweep_lapses_then_expires_a_request_past_its_deadline(world):
    today = utcnow().date()
    request_id = f.published(world, items=[request_service.Item("Rice", 2, "bags")])
    pledge = create(
        world, request_id, kind="GOODS", amount_minor=None, currency=None, description="Rice"
    )
    backdate(world, Pledge, pledge.id, due_on=today - timedelta(days=20))
    backdate(world, HelpRequest, request_id, deadline=today - timedelta(days=1))
    with unit_of_work(world.engine) as session:
        result = service.sweep(session, today=today, grace_days=14)
    assert result == service.SweepResult(expired_requests=1, lapsed_pledges=1)
    assert f.request_row(world.engine, request_id).status == RequestStatus.EXPIRED


def test_sweep_runs_from_the_command_line(world, backend, monkeypatch, capsys):
    from api import cli

    today = utcnow().date()
    request_id = f.published(world, deadline=today)
    backdate(world, HelpRequest, request_id, deadline=today - timedelta(days=1))
    monkeypatch.setenv("DATABASE_URL", backend.url)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    assert cli.main(["sweep"]) == 0
    assert "1 request(s) expired, 0 pledge(s) lapsed" in capsys.readouterr().err
    assert f.request_row(world.engine, request_id).status == RequestStatus.EXPIRED


# --- Statistics ------------------------------------------------------------------------------


def test_running_counters_equal_a_rebuild_from_the_tables(world):
    money = f.published(world, target_minor=20_000)
    kind = f.published(world, items=[request_service.Item("Rice", 2, "bags")])
    f.submitted(world)
    rejected = f.submitted(world)
    with unit_of_work(world.engine) as session:
        request_service.verify_request(
            session, actor=world.principal(world.admin), request_id=rejected, approve=False
        )
    first = create(world, money, amount_minor=15_000)
    second = create(world, money, actor=world.other_helper, amount_minor=5_000)
    goods = create(world, kind, kind="GOODS", amount_minor=None, currency=None, description="x")
    act(world, service.mark_delivered, world.helper, first.id)
    confirm(world, world.rep, first.id, "Thanks")
    confirm(world, world.rep, second.id)
    act(world, service.cancel_pledge, world.helper, goods.id)

    def counters() -> dict[tuple[int, str, int], int]:
        with Session(world.engine) as session:
            rows = session.execute(sa.select(RegionStat)).scalars().all()
            return {(r.scope_id, r.metric, r.bucket): r.value for r in rows if r.value}

    running = counters()
    with unit_of_work(world.engine) as session:
        rebuild_stats(session)
    assert counters() == running
