"""Donations through the service: pending, received (ledger, receipt, statistics),
refunded (a reversing entry); idempotency keys; typed errors that write nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from api.core.db import unit_of_work, utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.idempotency import IdempotencyKey
from api.donation import service
from api.donation.metrics import (
    DONATIONS_RECEIVED,
    donated_by_month_metric,
    donated_metric,
    month_bucket,
)
from api.donation.models import Donation, DonationStatus, TargetKind
from api.help_requests.service import Item
from api.ledger.models import LedgerEntry, LedgerTransaction
from api.payments.models import Payment, PaymentStatus
from tests.donation import factories as d
from tests.help_requests import factories as f


def codes(error: BaseException) -> set[ErrorCode]:
    if isinstance(error, ServiceErrors):
        return {e.code for e in error.errors}
    assert isinstance(error, ServiceError), error
    return {error.code}


def nothing_written(engine) -> None:
    for table in (Donation, Payment, IdempotencyKey, LedgerTransaction, LedgerEntry):
        assert d.count(engine, table) == 0, table


def test_an_offline_donation_waits_for_reconciliation_then_posts_and_issues_a_receipt(world):
    admin = world.principal(world.admin)
    request_id = f.published(world)
    donation_id, reference = d.donate(
        world.engine,
        world.settings,
        world.principal(world.helper),
        target_kind=TargetKind.HELP_REQUEST,
        target_id=request_id,
        donor_name=None,
    )
    pending = d.row(world.engine, donation_id)
    assert pending.status == DonationStatus.PENDING
    assert pending.donor_name == "helper"  # the account's display name
    assert pending.receipt_number is None
    assert d.count(world.engine, LedgerTransaction) == 0

    received = d.reconcile(world.engine, admin, donation_id)

    assert received.status == DonationStatus.RECEIVED
    assert received.receipt_number == f"{utcnow().year}-000001"
    assert d.balance(world.engine, f"request:{request_id}") == 2_500
    assert d.balance(world.engine, "cash:offline") == 2_500
    assert d.payment(world.engine, reference).status == PaymentStatus.SUCCEEDED
    assert d.payment(world.engine, reference).external_reference == "BANK-0001"
    # Statistics: instance and every region of the request's household.
    month = month_bucket(received.received_at)  # type: ignore[arg-type]
    for scope in [0, world.regions["P1"].id, world.regions["P1-A-C1-T-V"].id]:
        assert f.stat(world.engine, donated_metric("USD"), scope_id=scope, bucket=0) == 2_500
        assert (
            f.stat(world.engine, donated_by_month_metric("USD"), scope_id=scope, bucket=month)
            == 2_500
        )
        assert f.stat(world.engine, DONATIONS_RECEIVED, scope_id=scope) == 1
    assert f.stat(world.engine, donated_metric("USD"), scope_id=world.regions["P2"].id) == 0
    # A donation is not a pledge: the request's pledge progress is untouched.
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 0


def test_a_refund_is_a_reversing_entry_and_takes_the_statistics_back(world):
    admin = world.principal(world.admin)
    donation_id, reference = d.donate(world.engine, world.settings)
    received = d.reconcile(world.engine, admin, donation_id)

    with unit_of_work(world.engine) as session:
        refunded = service.refund_donation(
            session,
            actor=admin,
            settings=world.settings,
            donation_id=donation_id,
            reason="Donor asked",
            idempotency_key=d.key(),
        )

    assert refunded.status == DonationStatus.REFUNDED
    assert refunded.receipt_number == received.receipt_number
    assert d.balance(world.engine, "fund:general") == 0
    assert d.balance(world.engine, "cash:offline") == 0
    assert d.count(world.engine, LedgerTransaction) == 2
    with Session(world.engine) as session:
        reversal = session.get(LedgerTransaction, refunded.refund_transaction_id)
        assert reversal is not None and reversal.reverses_id == received.ledger_transaction_id
        assert reversal.memo == "Donor asked"
    assert d.payment(world.engine, reference).status == PaymentStatus.REFUNDED
    assert f.stat(world.engine, donated_metric("USD")) == 0
    assert f.stat(world.engine, DONATIONS_RECEIVED) == 0
    # Refunding twice (with a new key) is refused.
    with pytest.raises(ServiceError) as again, unit_of_work(world.engine) as session:
        service.refund_donation(
            session,
            actor=admin,
            settings=world.settings,
            donation_id=donation_id,
            reason=None,
            idempotency_key=d.key(),
        )
    assert again.value.code == ErrorCode.INVALID_STATE


def test_a_refund_is_refused_when_the_fund_was_already_paid_out(world):
    from api.ledger import service as ledger

    admin = world.principal(world.admin)
    donation_id, _ = d.donate(world.engine, world.settings)
    d.reconcile(world.engine, admin, donation_id)
    with unit_of_work(world.engine) as session:
        ledger.post_transaction(
            session,
            kind="DISBURSEMENT",
            reference="payout:1",
            lines=[
                ledger.debit("fund:general", 2_000, "USD"),
                ledger.credit("cash:offline", 2_000, "USD"),
            ],
        )
    with pytest.raises(ServiceError) as refused, unit_of_work(world.engine) as session:
        service.refund_donation(
            session,
            actor=admin,
            settings=world.settings,
            donation_id=donation_id,
            reason=None,
            idempotency_key=d.key(),
        )
    assert refused.value.code == ErrorCode.OUT_OF_RANGE
    assert d.row(world.engine, donation_id).status == DonationStatus.RECEIVED


def test_only_admins_reconcile_and_refund(world):
    helper = world.principal(world.helper)
    donation_id, _ = d.donate(world.engine, world.settings, helper)
    for actor, code in [
        (helper, ErrorCode.FORBIDDEN),
        (world.principal(world.caseworker), ErrorCode.NOT_FOUND),
    ]:
        with pytest.raises(ServiceError) as refused, unit_of_work(world.engine) as session:
            service.reconcile_donation(
                session,
                actor=actor,
                donation_id=donation_id,
                external_reference="X",
                idempotency_key=d.key(),
            )
        assert refused.value.code == code
    assert d.row(world.engine, donation_id).status == DonationStatus.PENDING


def test_the_same_key_and_input_returns_the_first_donation_and_writes_nothing(world):
    helper = world.principal(world.helper)
    same = d.data()
    with unit_of_work(world.engine) as session:
        first = service.create_donation(session, actor=helper, settings=world.settings, data=same)
    with unit_of_work(world.engine) as session:
        again = service.create_donation(session, actor=helper, settings=world.settings, data=same)

    assert again.donation.id == first.donation.id
    assert again.payment.reference == first.payment.reference
    assert d.count(world.engine, Donation) == d.count(world.engine, Payment) == 1
    assert d.count(world.engine, IdempotencyKey) == 1


def test_the_same_key_with_another_input_is_refused(world):
    helper = world.principal(world.helper)
    first = d.data()
    d_changed = d.data(idempotency_key=first.idempotency_key, amount_minor=9_999)
    with unit_of_work(world.engine) as session:
        service.create_donation(session, actor=helper, settings=world.settings, data=first)
    with pytest.raises(ServiceError) as refused, unit_of_work(world.engine) as session:
        service.create_donation(session, actor=helper, settings=world.settings, data=d_changed)
    assert refused.value.code == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert refused.value.field == "idempotencyKey"
    assert d.count(world.engine, Donation) == 1


def test_keys_belong_to_their_caller(world):
    same = d.data()
    with unit_of_work(world.engine) as session:
        a = service.create_donation(
            session, actor=world.principal(world.helper), settings=world.settings, data=same
        )
    with unit_of_work(world.engine) as session:
        b = service.create_donation(
            session, actor=world.principal(world.other_helper), settings=world.settings, data=same
        )
    assert a.donation.id != b.donation.id


def test_reconciling_with_the_same_key_replays(world):
    admin = world.principal(world.admin)
    donation_id, _ = d.donate(world.engine, world.settings)
    k = d.key()
    results = []
    for _ in range(2):
        with unit_of_work(world.engine) as session:
            results.append(
                service.reconcile_donation(
                    session,
                    actor=admin,
                    donation_id=donation_id,
                    external_reference="B-1",
                    idempotency_key=k,
                ).receipt_number
            )
    assert results[0] == results[1]
    assert d.count(world.engine, LedgerTransaction) == 1


def test_ten_concurrent_calls_with_one_key_make_one_donation(world):
    helper = world.principal(world.helper)
    same = d.data()
    barrier = threading.Barrier(10)

    def create(_: int) -> int | None:
        barrier.wait()
        with unit_of_work(world.engine) as session:
            return service.create_donation(
                session, actor=helper, settings=world.settings, data=same
            ).donation.id

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(create, range(10)))

    assert len(set(ids)) == 1 and ids[0] is not None
    assert d.count(world.engine, Donation) == d.count(world.engine, Payment) == 1


def test_receipt_numbers_are_sequential_without_gaps_under_concurrency(world):
    admin = world.principal(world.admin)
    ids = [d.donate(world.engine, world.settings)[0] for _ in range(12)]
    barrier = threading.Barrier(len(ids))

    def reconcile(donation_id: int) -> str | None:
        barrier.wait()
        return d.reconcile(world.engine, admin, donation_id).receipt_number

    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        numbers = list(pool.map(reconcile, ids))

    year = datetime.now(UTC).year
    assert sorted(numbers) == [f"{year}-{n:06d}" for n in range(1, 13)]  # type: ignore[type-var]
    assert d.balance(world.engine, "fund:general") == 12 * 2_500


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"amount_minor": 0}, {ErrorCode.OUT_OF_RANGE}),
        ({"currency": "XYZ"}, {ErrorCode.INVALID}),
        ({"provider": "carrier-pigeon"}, {ErrorCode.INVALID}),
        ({"provider": "webhook"}, {ErrorCode.INVALID}),  # not configured: no secret
        ({"donor_name": None}, {ErrorCode.REQUIRED}),
        ({"donor_name": "x" * 121}, {ErrorCode.TOO_LONG}),
        ({"message": "x" * 501}, {ErrorCode.TOO_LONG}),
        ({"idempotency_key": "  "}, {ErrorCode.REQUIRED}),
        ({"target_kind": TargetKind.PROJECT, "target_id": 1}, {ErrorCode.NOT_FOUND}),
        ({"target_kind": TargetKind.HELP_REQUEST, "target_id": 999}, {ErrorCode.NOT_FOUND}),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(world, monkeypatch, overrides, expected):
    monkeypatch.delenv("AIDBRIDGE_WEBHOOK_SECRET", raising=False)
    with (
        pytest.raises((ServiceError, ServiceErrors)) as refused,
        unit_of_work(world.engine) as session,
    ):
        service.create_donation(
            session, actor=service.Principal(), settings=world.settings, data=d.data(**overrides)
        )
    assert codes(refused.value) == expected
    nothing_written(world.engine)


def test_requests_take_donations_in_their_currency_while_open(world):
    request_id = f.published(world)
    in_kind = f.published(world, items=[Item("Rice", 2, "bags")])
    draft = f.draft(world)
    for target_id, currency, expected in [
        (request_id, "EUR", ErrorCode.CURRENCY_MISMATCH),
        (in_kind, "USD", ErrorCode.INVALID_STATE),
        (draft, "USD", ErrorCode.NOT_FOUND),
    ]:
        with (
            pytest.raises((ServiceError, ServiceErrors)) as refused,
            unit_of_work(world.engine) as session,
        ):
            service.create_donation(
                session,
                actor=world.principal(world.helper),
                settings=world.settings,
                data=d.data(
                    target_kind=TargetKind.HELP_REQUEST, target_id=target_id, currency=currency
                ),
            )
        assert codes(refused.value) == {expected}
    nothing_written(world.engine)
