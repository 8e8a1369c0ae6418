"""Campaigns through the service: lifecycle, backing (pending until the money arrives),
closing at the deadline (refund or disburse), late money, cancelling, idempotency,
permissions, typed errors that write nothing, and concurrent backing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work, utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.idempotency import IdempotencyKey
from api.crowdfunding import service
from api.crowdfunding.metrics import CAMPAIGNS_FUNDED, month_bucket, raised_metric
from api.crowdfunding.models import (
    Backing,
    BackingStatus,
    Campaign,
    CampaignPost,
    CampaignStatus,
    CampaignTargetKind,
    FundingModel,
)
from api.donation import service as donations
from api.donation.models import TargetKind
from api.ledger.models import LedgerEntry, LedgerTransaction
from api.payments.base import CallbackEvent, EventOutcome
from api.payments.models import Payment, PaymentStatus
from api.payments.service import handle_callback
from tests.crowdfunding import factories as c
from tests.help_requests import factories as f


def codes(error: BaseException) -> set[ErrorCode]:
    if isinstance(error, ServiceErrors):
        return {e.code for e in error.errors}
    assert isinstance(error, ServiceError), error
    return {error.code}


def test_a_campaign_goes_from_draft_to_active_and_counts_only_received_money(world):
    campaign_id = c.draft(world)
    assert c.status(world, campaign_id) == CampaignStatus.DRAFT
    with unit_of_work(world.engine) as session:
        service.update_campaign(
            session,
            actor=world.principal(world.caseworker),
            instance=world.settings.instance,
            campaign_id=campaign_id,
            changes=service.CampaignChanges(title="A bigger tank", goal_minor=50_000),
        )
    with unit_of_work(world.engine) as session:
        service.submit_campaign(
            session, actor=world.principal(world.caseworker), campaign_id=campaign_id
        )
    # The organiser cannot approve their own campaign; another approver can.
    with pytest.raises(ServiceError) as own, unit_of_work(world.engine) as session:
        service.approve_campaign(
            session, actor=world.principal(world.caseworker), campaign_id=campaign_id, approve=True
        )
    assert own.value.code == ErrorCode.FORBIDDEN
    with unit_of_work(world.engine) as session:
        service.approve_campaign(
            session, actor=world.principal(world.admin), campaign_id=campaign_id, approve=True
        )
    row = c.campaign(world, campaign_id)
    assert (row.status, row.title, row.goal_minor) == (
        CampaignStatus.ACTIVE,
        "A bigger tank",
        50_000,
    )
    # Drafts only: an ACTIVE campaign is not edited.
    with pytest.raises(ServiceError) as edit, unit_of_work(world.engine) as session:
        service.update_campaign(
            session,
            actor=world.principal(world.caseworker),
            instance=world.settings.instance,
            campaign_id=campaign_id,
            changes=service.CampaignChanges(title="Changed"),
        )
    assert edit.value.code == ErrorCode.INVALID_STATE

    pending = c.back(world, campaign_id, 7_000)
    assert c.campaign(world, campaign_id).raised_minor == 0
    c.reconcile(world, pending)

    row = c.campaign(world, campaign_id)
    assert (row.raised_minor, row.backers_count) == (7_000, 1)
    assert c.backing(world, pending).status == BackingStatus.RECEIVED
    assert c.balance(world, f"campaign:{campaign_id}") == 7_000
    assert c.balance(world, "cash:offline") == 7_000
    month = month_bucket(c.backing(world, pending).received_at)  # type: ignore[arg-type]
    for scope in (0, world.regions["P1"].id, world.regions["P1-A-C1-T-V"].id):
        assert f.stat(world.engine, raised_metric("USD"), scope_id=scope, bucket=month) == 7_000


def test_a_missed_all_or_nothing_goal_refunds_every_backer_at_the_deadline(world):
    campaign_id = c.active(world)
    backings = [c.received(world, campaign_id, amount) for amount in (10_000, 20_000, 30_000)]
    pending = c.back(world, campaign_id, 5_000)
    c.make_due(world, campaign_id)

    result = c.close(world)

    assert result.refunded == [campaign_id] and result.disbursed == []
    row = c.campaign(world, campaign_id)
    assert row.status == CampaignStatus.REFUNDED and row.closed_at is not None
    # The money went back: nothing is raised any more, all of it shows as refunded.
    assert (row.raised_minor, row.backers_count) == (0, 0)
    assert (row.refunded_minor, row.refunded_count) == (60_000, 3)
    assert c.balance(world, f"campaign:{campaign_id}") == 0
    assert c.balance(world, "cash:offline") == 0
    with Session(world.engine) as session:
        for backing_id in backings:
            b = session.get(Backing, backing_id)
            assert b is not None and b.status == BackingStatus.REFUNDED
            reversal = session.get(LedgerTransaction, b.refund_transaction_id)
            assert reversal is not None and reversal.reverses_id == b.ledger_transaction_id
            assert session.get(Payment, b.payment_id).status == PaymentStatus.REFUNDED  # type: ignore[union-attr]
    assert c.backing(world, pending).status == BackingStatus.PENDING
    assert f.stat(world.engine, raised_metric("USD")) == 0
    assert f.stat(world.engine, CAMPAIGNS_FUNDED) == 0
    # Closing again does nothing.
    assert c.close(world).closed == 0


def test_pending_money_arriving_after_a_failed_close_is_refunded_at_once(world):
    campaign_id = c.active(world)
    pending = c.back(world, campaign_id, 5_000)
    c.make_due(world, campaign_id)
    c.close(world)

    late = c.reconcile(world, pending)

    assert late.status == BackingStatus.REFUNDED
    assert c.campaign(world, campaign_id).raised_minor == 0
    assert c.balance(world, f"campaign:{campaign_id}") == 0
    assert c.balance(world, "cash:offline") == 0
    assert f.stat(world.engine, raised_metric("USD")) == 0


def test_a_reached_goal_disburses_and_late_money_is_disbursed_too(world):
    campaign_id = c.active(world)
    c.received(world, campaign_id, 60_000)
    c.received(world, campaign_id, 40_000)
    pending = c.back(world, campaign_id, 3_000)
    c.make_due(world, campaign_id)

    assert c.close(world).disbursed == [campaign_id]

    row = c.campaign(world, campaign_id)
    assert row.status == CampaignStatus.DISBURSED and row.payout_transaction_id is not None
    assert c.balance(world, f"campaign:{campaign_id}") == 0
    assert c.balance(world, f"payout:campaign:{campaign_id}") == 100_000
    assert f.stat(world.engine, CAMPAIGNS_FUNDED, scope_id=world.regions["P1"].id) == 1

    assert c.reconcile(world, pending).status == BackingStatus.RECEIVED
    row = c.campaign(world, campaign_id)
    assert (row.raised_minor, row.backers_count) == (103_000, 3)
    assert c.balance(world, f"payout:campaign:{campaign_id}") == 103_000
    assert c.balance(world, f"campaign:{campaign_id}") == 0


def test_keep_what_you_raise_disburses_below_goal_and_fails_with_nothing(world):
    kept = c.active(world, funding_model=FundingModel.KEEP_WHAT_YOU_RAISE)
    empty = c.active(world, funding_model=FundingModel.KEEP_WHAT_YOU_RAISE)
    c.received(world, kept, 1_000)
    c.make_due(world, kept)
    c.make_due(world, empty)

    result = c.close(world)

    assert (result.disbursed, result.refunded) == ([kept], [empty])
    assert c.balance(world, f"payout:campaign:{kept}") == 1_000
    assert c.status(world, empty) == CampaignStatus.REFUNDED


def test_money_arriving_past_the_deadline_before_the_close_is_late(world):
    campaign_id = c.active(world, funding_model=FundingModel.KEEP_WHAT_YOU_RAISE)
    pending = c.back(world, campaign_id, 4_000)
    c.make_due(world, campaign_id)  # nobody closed it yet

    # Receiving closes it first (it raised nothing: failed) and then refunds the late money.
    assert c.reconcile(world, pending).status == BackingStatus.REFUNDED
    assert c.status(world, campaign_id) == CampaignStatus.REFUNDED


def test_a_gateway_callback_confirms_a_backing(world, monkeypatch):
    monkeypatch.setenv("AIDBRIDGE_WEBHOOK_SECRET", "s" * 32)
    campaign_id = c.active(world)
    backing_id = c.back(world, campaign_id, 2_500, provider="webhook")
    with Session(world.engine) as session:
        reference = session.get(Payment, c.backing(world, backing_id).payment_id).reference  # type: ignore[union-attr]
    with unit_of_work(world.engine) as session:
        handle_callback(
            session,
            provider="webhook",
            event=CallbackEvent("evt_1", reference, EventOutcome.SUCCEEDED, 2_500, "USD", "ch_1"),
            actor=service.SYSTEM,
        )
    assert c.campaign(world, campaign_id).raised_minor == 2_500
    # A gateway payment is not reconciled by hand.
    other = c.back(world, campaign_id, 100, provider="webhook")
    with pytest.raises(ServiceError) as refused:
        c.reconcile(world, other)
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_cancelling_an_active_campaign_refunds_received_backings(world):
    organiser = world.principal(world.caseworker)
    campaign_id = c.active(world, organiser)
    backing_id = c.received(world, campaign_id, 9_000)
    with unit_of_work(world.engine) as session:
        service.cancel_campaign(
            session,
            actor=organiser,
            settings=world.settings,
            campaign_id=campaign_id,
            reason="The county built the tank",
            idempotency_key=c.key(),
        )
    assert c.status(world, campaign_id) == CampaignStatus.CANCELLED
    assert c.backing(world, backing_id).status == BackingStatus.REFUNDED
    assert c.balance(world, f"campaign:{campaign_id}") == 0
    with pytest.raises(ServiceError) as again, unit_of_work(world.engine) as session:
        service.cancel_campaign(
            session,
            actor=organiser,
            settings=world.settings,
            campaign_id=campaign_id,
            reason=None,
            idempotency_key=c.key(),
        )
    assert again.value.code == ErrorCode.INVALID_STATE


def test_organisers_post_updates(world):
    campaign_id = c.active(world)
    with unit_of_work(world.engine) as session:
        post = service.post_update(
            session,
            actor=world.principal(world.caseworker),
            campaign_id=campaign_id,
            title="Digging started",
            body="The foundations are in.",
        )
    assert post.id is not None
    with pytest.raises(ServiceError) as refused, unit_of_work(world.engine) as session:
        service.post_update(
            session,
            actor=world.principal(world.helper),
            campaign_id=campaign_id,
            title="Spam",
            body="Spam",
        )
    assert refused.value.code == ErrorCode.FORBIDDEN


# --- Idempotency -----------------------------------------------------------------------------


def test_the_same_key_and_input_replays_and_another_input_is_refused(world):
    campaign_id = c.active(world)
    same = c.key()
    first = c.back(world, campaign_id, 1_000, idempotency_key=same)
    again = c.back(world, campaign_id, 1_000, idempotency_key=same)
    assert first == again
    assert f.count(world.engine, Backing) == f.count(world.engine, Payment) == 1
    with pytest.raises(ServiceError) as reused:
        c.back(world, campaign_id, 2_000, idempotency_key=same)
    assert reused.value.code == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert f.count(world.engine, Backing) == 1


def test_ten_concurrent_backings_with_one_key_make_one(world):
    campaign_id = c.active(world)
    same = c.key()
    barrier = threading.Barrier(10)

    def run(_: int) -> int:
        barrier.wait()
        return c.back(world, campaign_id, 1_000, idempotency_key=same)

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(run, range(10)))
    assert len(set(ids)) == 1
    assert f.count(world.engine, Backing) == 1


# --- Concurrency -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(FundingModel))
def test_thirty_concurrent_backers_are_counted_exactly(world, model):
    campaign_id = c.active(world, funding_model=model, goal_minor=50_000)
    amounts = [1_000 + 37 * i for i in range(30)]
    pending = [c.back(world, campaign_id, amount) for amount in amounts]
    admin = world.principal(world.admin)
    barrier = threading.Barrier(len(pending))

    def receive(backing_id: int) -> None:
        barrier.wait()
        c.reconcile(world, backing_id, admin)

    with ThreadPoolExecutor(max_workers=len(pending)) as pool:
        list(pool.map(receive, pending))

    row = c.campaign(world, campaign_id)
    assert row.raised_minor == sum(amounts)
    assert row.backers_count == 30
    assert c.balance(world, f"campaign:{campaign_id}") == sum(amounts)


def test_backing_racing_the_close_is_counted_once_or_refunded(world):
    """30 backings arrive while closers run: every cent is either in the outcome or
    refunded, never both, never lost."""
    campaign_id = c.active(world, goal_minor=10**9)  # will fail: all must come back
    pending = [c.back(world, campaign_id, 1_000) for _ in range(30)]
    deadline = utcnow() + timedelta(seconds=1)
    c.make_due(world, campaign_id, deadline)
    admin = world.principal(world.admin)
    barrier = threading.Barrier(len(pending) + 3)

    def receive(backing_id: int) -> None:
        barrier.wait()
        c.reconcile(world, backing_id, admin)

    def closer(_: int) -> None:
        barrier.wait()
        while utcnow() <= deadline:
            pass
        c.close(world)

    with ThreadPoolExecutor(max_workers=len(pending) + 3) as pool:
        futures = [pool.submit(receive, b) for b in pending] + [
            pool.submit(closer, i) for i in range(3)
        ]
        for future in futures:
            future.result()

    assert c.status(world, campaign_id) == CampaignStatus.REFUNDED
    assert c.balance(world, f"campaign:{campaign_id}") == 0
    assert c.balance(world, "cash:offline") == 0
    statuses = {c.backing(world, b).status for b in pending}
    assert statuses == {BackingStatus.REFUNDED}


# --- Permissions and bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("helper", ErrorCode.FORBIDDEN),
        ("rep", ErrorCode.FORBIDDEN),
        ("far_caseworker", ErrorCode.FORBIDDEN),  # the village is outside P2
        ("caseworker", None),
        ("admin", None),
        ("org", None),
    ],
)
def test_who_may_organise_a_village_campaign(world, who, expected):
    actor = c.org_admin(world) if who == "org" else getattr(world, who)
    if expected is None:
        assert c.draft(world, world.principal(actor))
        return
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.draft(world, world.principal(actor))
    assert codes(refused.value) == {expected}
    assert f.count(world.engine, Campaign) == 0


def test_organisation_admins_manage_their_organisations_campaigns(world):
    org = c.org_admin(world)
    campaign_id = c.active(world, world.principal(org))
    backing_id = c.back(world, campaign_id, 500)
    # A fellow admin of another organisation neither reconciles nor cancels it.
    stranger = c.org_admin(world, "other-org@example.org")
    with pytest.raises(ServiceError) as refused:
        c.reconcile(world, backing_id, world.principal(stranger))
    assert refused.value.code == ErrorCode.FORBIDDEN
    # A caseworker of the area approves but does not reconcile (the organisation holds the money).
    with pytest.raises(ServiceError) as caseworker:
        c.reconcile(world, backing_id, world.principal(world.caseworker))
    assert caseworker.value.code == ErrorCode.FORBIDDEN
    assert c.reconcile(world, backing_id, world.principal(org)).status == BackingStatus.RECEIVED


def test_drafts_are_hidden_from_the_public(world):
    campaign_id = c.draft(world)
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.back(world, campaign_id, 1_000)
    assert codes(refused.value) == {ErrorCode.NOT_FOUND}
    with pytest.raises(ServiceError) as far, unit_of_work(world.engine) as session:
        service.approve_campaign(
            session,
            actor=world.principal(world.far_caseworker),
            campaign_id=campaign_id,
            approve=True,
        )
    assert far.value.code == ErrorCode.NOT_FOUND


def test_targets_households_and_projects(world):
    caseworker = world.principal(world.caseworker)
    household_campaign = c.draft(
        world,
        caseworker,
        service.TargetRef(CampaignTargetKind.HOUSEHOLD, household_code=world.household_code),
    )
    row = c.campaign(world, household_campaign)
    assert row.household_id == world.household
    assert row.region_id == world.regions["P1-A-C1-T-V"].id
    hidden = f.count(world.engine, Campaign)
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.draft(world, caseworker, service.TargetRef(CampaignTargetKind.PROJECT, project_id=999))
    assert codes(refused.value) == {ErrorCode.NOT_FOUND}
    with pytest.raises((ServiceError, ServiceErrors)) as county:
        c.draft(
            world,
            caseworker,
            service.TargetRef(CampaignTargetKind.VILLAGE, region_id=world.regions["P1-A-C1"].id),
        )
    assert codes(county.value) == {ErrorCode.INVALID}
    assert f.count(world.engine, Campaign) == hidden


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": " "}, {ErrorCode.REQUIRED}),
        ({"title": "x" * 201}, {ErrorCode.TOO_LONG}),
        ({"goal_minor": 0}, {ErrorCode.OUT_OF_RANGE}),
        ({"currency": "XYZ"}, {ErrorCode.INVALID}),
        ({"deadline": utcnow() - timedelta(days=1)}, {ErrorCode.OUT_OF_RANGE}),
        ({"deadline": utcnow() + timedelta(days=400)}, {ErrorCode.OUT_OF_RANGE}),
        ({"title": "", "goal_minor": -1}, {ErrorCode.REQUIRED, ErrorCode.OUT_OF_RANGE}),
    ],
)
def test_bad_campaign_input_is_a_typed_error_and_writes_nothing(world, overrides, expected):
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.draft(world, **overrides)
    assert codes(refused.value) == expected
    assert f.count(world.engine, Campaign) == 0


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"currency": "EUR"}, {ErrorCode.CURRENCY_MISMATCH}),
        ({"amount_minor": 0}, {ErrorCode.OUT_OF_RANGE}),
        ({"provider": "carrier-pigeon"}, {ErrorCode.INVALID}),
        ({"backer_name": None}, {ErrorCode.REQUIRED}),
        ({"message": "x" * 501}, {ErrorCode.TOO_LONG}),
        ({"idempotency_key": " "}, {ErrorCode.REQUIRED}),
        ({"campaign_id": 999}, {ErrorCode.NOT_FOUND}),
    ],
)
def test_bad_backing_input_is_a_typed_error_and_writes_nothing(world, overrides, expected):
    campaign_id = c.active(world)
    overrides = dict(overrides)  # parameters are shared between backends
    overrides.setdefault("campaign_id", campaign_id)
    amount = overrides.pop("amount_minor", 1_000)
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.back(world, overrides.pop("campaign_id"), amount, **overrides)
    assert codes(refused.value) == expected
    for table in (Backing, Payment, IdempotencyKey, LedgerEntry, CampaignPost):
        assert f.count(world.engine, table) == 0, table


def test_backing_a_closed_campaign_is_refused(world):
    campaign_id = c.active(world)
    c.make_due(world, campaign_id)
    with pytest.raises((ServiceError, ServiceErrors)) as refused:
        c.back(world, campaign_id, 1_000)
    assert codes(refused.value) == {ErrorCode.INVALID_STATE}
    # A refused call writes nothing, not even the close it started; the scheduler closes it.
    assert f.count(world.engine, Backing) == 0
    assert c.status(world, campaign_id) == CampaignStatus.ACTIVE


def test_donations_to_a_campaign_are_refused_in_favour_of_backing(world):
    campaign_id = c.active(world)
    with pytest.raises((ServiceError, ServiceErrors)) as refused, unit_of_work(world.engine) as s:
        donations.create_donation(
            s,
            actor=service.SYSTEM,
            settings=world.settings,
            data=donations.DonationInput(
                target_kind=TargetKind.CAMPAIGN,
                target_id=campaign_id,
                amount_minor=100,
                currency="USD",
                provider="offline",
                anonymous=True,
                donor_name=None,
                message=None,
                idempotency_key=c.key(),
            ),
        )
    assert codes(refused.value) == {ErrorCode.INVALID_STATE}


def test_closing_is_set_based_and_idempotent(world):
    ids = [c.active(world) for _ in range(3)]
    for campaign_id in ids:
        c.make_due(world, campaign_id)
    with Session(world.engine) as session:
        due = session.execute(
            sa.select(sa.func.count()).select_from(Campaign).where(Campaign.status == "ACTIVE")  # type: ignore[arg-type]
        ).scalar_one()
    assert due == 3
    assert sorted(c.close(world).refunded) == ids
    assert c.close(world).closed == 0
