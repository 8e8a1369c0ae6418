"""Donations: give to a help request, a project, a campaign or the general fund, by any
payment provider; receive (reconciliation or gateway callback), refund.

Every money-moving call takes an idempotency key (api/core/idempotency.py). The money is
in the ledger (api/ledger): receiving posts "debit cash:<provider>, credit <target fund>",
a refund posts the exact reversal. Receipt numbers ("2026-000123") are issued when money
is received, from a per-year counter bumped by one atomic UPDATE in the same transaction,
so they are sequential without gaps on both backends, also under concurrency."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.idempotency import check_key, claim_key
from api.core.roles import Role
from api.core.settings import Settings
from api.core.validation import FieldErrors, check_money, optional_text
from api.donation import metrics
from api.donation.models import Donation, DonationStatus, ReceiptCounter, TargetKind
from api.donation.targets import Target, accepting_target, account_for, source_for
from api.ledger.service import (
    cash_account,
    credit,
    debit,
    lock_accounts,
    post_transaction,
    reverse_transaction,
)
from api.payments import service as payments
from api.payments.base import Confirmation, EventOutcome
from api.payments.models import Payment
from api.payments.registry import UnknownProvider, get_provider
from api.stats.service import bump

AUDIT_SUBJECT = "Donation"
NAME_LIMIT = 120
MESSAGE_LIMIT = 500
REFERENCE_LIMIT = 200
AMOUNT_FIELD = "amount.amountMinor"
CURRENCY_FIELD = "amount.currency"
RECEIVED_KIND = "DONATION_RECEIVED"
PAID_OUT = N_("Part of this donation was already paid out to its target: it cannot be refunded.")
REFUND_KIND = "DONATION_REFUND"


@dataclass(frozen=True)
class DonationInput:
    target_kind: TargetKind
    target_id: int | None
    amount_minor: int
    currency: str
    provider: str
    anonymous: bool
    donor_name: str | None
    message: str | None
    idempotency_key: str


@dataclass(frozen=True)
class Created:
    donation: Donation
    payment: Payment


# --- Visibility ------------------------------------------------------------------------------


def visible_donations_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Admins see every donation; a logged-in donor their own; nobody else any (the
    public sees the donation wall, which shows no personal data of anonymous donors)."""
    if principal.is_admin:
        return sa.true()
    if principal.account_id is not None:
        return col(Donation.donor_account_id) == principal.account_id
    return sa.false()


def donation_by_receipt(
    session: Session, actor: Principal, receipt_number: str, payment_reference: str | None
) -> Donation | None:
    """By receipt number, for whoever may see it, or for anyone who also quotes the
    donation's payment reference (donors without an account keep both)."""
    statement = select(Donation).where(Donation.receipt_number == receipt_number.strip())
    if payment_reference:
        statement = statement.join(Payment, col(Payment.id) == Donation.payment_id).where(
            sa.or_(
                visible_donations_condition(actor),
                col(Payment.reference) == payment_reference.strip(),
            )
        )
    else:
        statement = statement.where(visible_donations_condition(actor))
    return session.exec(statement).first()


def donation_by_payment_reference(
    session: Session, donation_id: int, payment_reference: str
) -> Donation | None:
    """A donation for whoever holds both its ID and its payment reference: what a guest
    donor's browser keeps from `donationCreate`, before a receipt number exists."""
    statement = (
        select(Donation)
        .join(Payment, col(Payment.id) == Donation.payment_id)
        .where(
            col(Donation.id) == donation_id,
            col(Payment.reference) == payment_reference.strip(),
        )
    )
    return session.exec(statement).first()


def may_manage(session: Session, actor: Principal, donation: Donation) -> bool:
    """Platform admins; an organisation's admins for targets their organisation runs."""
    if actor.is_admin:
        return True
    if actor.role != Role.ORGANISATION_ADMIN or actor.helper_id is None:
        return False
    if donation.target_id is None:
        return False
    source = source_for(TargetKind(donation.target_kind))
    managers = source.managers(session, [donation.target_id]) if source else {}
    return managers.get(donation.target_id) == actor.helper_id


# --- Giving ----------------------------------------------------------------------------------


def _validate(
    session: Session, actor: Principal, settings: Settings, data: DonationInput
) -> tuple[Target, str | None, str | None]:
    found = FieldErrors()
    # The instance's money rule, for every target alike (the general fund too), then the
    # target's own currency where it has one.
    money = found.check(
        lambda: check_money(
            settings.instance,
            data.amount_minor,
            data.currency,
            field=AMOUNT_FIELD,
            currency_field=CURRENCY_FIELD,
        )
    )
    target = found.check(lambda: accepting_target(session, data.target_kind, data.target_id))
    if (
        money is not None
        and target is not None
        and target.currency is not None
        and target.currency != data.currency
    ):
        found.add(ErrorCode.CURRENCY_MISMATCH, CURRENCY_FIELD, currency=target.currency)
    try:
        if not get_provider(data.provider).is_available(settings):
            found.add(ErrorCode.INVALID, "provider")
    except UnknownProvider:
        found.add(ErrorCode.INVALID, "provider")
    name = found.check(lambda: optional_text(data.donor_name, field="donorName", limit=NAME_LIMIT))
    message = found.check(lambda: optional_text(data.message, field="message", limit=MESSAGE_LIMIT))
    if name is None and actor.account_id is not None:
        account = session.get(Account, actor.account_id)
        name = account.display_name if account else None
    if name is None and not data.anonymous and not found.errors:
        # A named gift needs a name to show; give one or give anonymously.
        found.add(ErrorCode.REQUIRED, "donorName")
    found.raise_if_any()
    assert target is not None
    return target, name, message


def _fingerprint(data: DonationInput) -> dict[str, object]:
    return {
        "target": [data.target_kind.value, data.target_id],
        "amount": [data.amount_minor, data.currency],
        "provider": data.provider,
        "anonymous": data.anonymous,
        "donorName": (data.donor_name or "").strip(),
        "message": (data.message or "").strip(),
    }


def create_donation(
    session: Session, *, actor: Principal, settings: Settings, data: DonationInput
) -> Created:
    """A pending donation and the payment it waits for. Replays with the same key and
    input return the first donation; nothing new is written."""
    claim = claim_key(
        session,
        operation="donationCreate",
        actor=actor,
        key=data.idempotency_key,
        payload=_fingerprint(data),
    )
    if claim.replay_id is not None:
        donation = session.get(Donation, claim.replay_id)
        assert donation is not None
        payment = session.get(Payment, donation.payment_id)
        assert payment is not None
        return Created(donation, payment)
    target, name, message = _validate(session, actor, settings, data)
    payment = payments.create_payment(
        session,
        provider=data.provider,
        purpose="donation",
        amount_minor=data.amount_minor,
        currency=data.currency,
    )
    assert payment.id is not None
    donation = Donation(
        donor_account_id=actor.account_id,
        donor_name=name,
        anonymous=data.anonymous,
        message=message,
        target_kind=target.kind,
        target_id=target.id,
        target_region_path=target.region_path,
        amount_minor=data.amount_minor,
        currency=data.currency,
        provider=data.provider,
        payment_id=payment.id,
        status=DonationStatus.PENDING,
        created_at=utcnow(),
    )
    session.add(donation)
    session.flush()
    assert donation.id is not None
    claim.complete(session, result_id=donation.id)
    return Created(donation, payment)


# --- Receiving -------------------------------------------------------------------------------


def next_receipt_number(session: Session, year: int) -> str:
    """The next number of the year. The UPDATE is atomic (a row lock on PostgreSQL, the
    write lock on SQLite) and rolls back with its transaction, so no gaps, no repeats."""
    table = ReceiptCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(
        insert.values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        sa.update(table)
        .where(table.c.year == year)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    ).scalar_one()
    return f"{year}-{number:06d}"


def _donation_of(session: Session, payment: Payment) -> Donation:
    donation = session.exec(select(Donation).where(Donation.payment_id == payment.id)).one()
    return donation


def _received(session: Session, payment: Payment, actor: Principal) -> None:
    donation = _donation_of(session, payment)
    assert donation.id is not None
    account = account_for(donation.target_kind, donation.target_id)
    transaction = post_transaction(
        session,
        kind=RECEIVED_KIND,
        reference=f"donation:{donation.id}",
        lines=[
            debit(cash_account(donation.provider), donation.amount_minor, donation.currency),
            credit(account, donation.amount_minor, donation.currency),
        ],
        actor_account_id=actor.account_id,
    )
    now = utcnow()
    changed = session.execute(
        sa.update(Donation)
        .where(Donation.id == donation.id, Donation.status == DonationStatus.PENDING)  # type: ignore[arg-type]
        .values(
            status=DonationStatus.RECEIVED,
            receipt_number=next_receipt_number(session, now.year),
            received_at=now,
            ledger_transaction_id=transaction.id,
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE)
    session.refresh(donation)
    _count(session, donation, sign=1)
    record_audit(
        session,
        actor=actor,
        action="donation.received",
        subject_type=AUDIT_SUBJECT,
        subject_id=donation.id,
        detail={"provider": donation.provider, "receipt": donation.receipt_number},
    )


def _failed(session: Session, payment: Payment, actor: Principal) -> None:
    donation = _donation_of(session, payment)
    session.execute(
        sa.update(Donation)
        .where(Donation.id == donation.id, Donation.status == DonationStatus.PENDING)  # type: ignore[arg-type]
        .values(status=DonationStatus.FAILED)
    )
    session.refresh(donation)


payments.register_purpose("donation", on_succeeded=_received, on_failed=_failed)


def _count(session: Session, donation: Donation, *, sign: int) -> None:
    assert donation.received_at is not None
    amount = sign * donation.amount_minor
    region = donation.target_region_path
    bump(session, region, metrics.donated_metric(donation.currency), amount)
    bump(
        session,
        region,
        metrics.donated_by_month_metric(donation.currency),
        amount,
        bucket=metrics.month_bucket(donation.received_at),
    )
    bump(session, region, metrics.DONATIONS_RECEIVED, sign)


def _managed_donation(session: Session, actor: Principal, donation_id: int) -> Donation:
    donation = session.get(Donation, donation_id)
    if donation is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="donation")
    if may_manage(session, actor, donation):
        return donation
    own = actor.account_id is not None and donation.donor_account_id == actor.account_id
    # Donors learn they may not do this; others do not learn the donation exists.
    raise ServiceError(ErrorCode.FORBIDDEN if own else ErrorCode.NOT_FOUND, field="donation")


def reconcile_donation(
    session: Session,
    *,
    actor: Principal,
    donation_id: int,
    external_reference: str,
    idempotency_key: str,
) -> Donation:
    """Record that an offline donation's money arrived (with the bank or cash-book
    reference): ledger entries, a receipt number, statistics."""
    check_key(idempotency_key)
    reference = optional_text(external_reference, field="externalReference", limit=REFERENCE_LIMIT)
    if reference is None:
        raise ServiceError(ErrorCode.REQUIRED, field="externalReference")
    claim = claim_key(
        session,
        operation="donationReconcile",
        actor=actor,
        key=idempotency_key,
        payload={"donation": donation_id, "externalReference": reference},
    )
    if claim.replay_id is not None:
        replayed = session.get(Donation, claim.replay_id)
        assert replayed is not None
        return replayed
    donation = _managed_donation(session, actor, donation_id)
    if get_provider(donation.provider).confirmation != Confirmation.RECONCILIATION:
        # A gateway confirms its own payments by callback; nobody overrides it by hand.
        raise ServiceError(ErrorCode.INVALID_STATE, field="donation")
    payment = session.get(Payment, donation.payment_id)
    assert payment is not None
    payments.settle(
        session,
        payment=payment,
        outcome=EventOutcome.SUCCEEDED,
        external_reference=reference,
        actor=actor,
    )
    session.refresh(donation)
    assert donation.id is not None
    claim.complete(session, result_id=donation.id)
    return donation


def refund_donation(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    donation_id: int,
    reason: str | None,
    idempotency_key: str,
) -> Donation:
    """Give a received donation back: a reversing ledger transaction (refused if the
    target's fund no longer holds the money), statistics taken back, the provider told."""
    check_key(idempotency_key)
    memo = optional_text(reason, field="reason", limit=MESSAGE_LIMIT)
    claim = claim_key(
        session,
        operation="donationRefund",
        actor=actor,
        key=idempotency_key,
        payload={"donation": donation_id, "reason": memo or ""},
    )
    if claim.replay_id is not None:
        replayed = session.get(Donation, claim.replay_id)
        assert replayed is not None
        return replayed
    donation = _managed_donation(session, actor, donation_id)
    assert donation.id is not None
    fund = account_for(donation.target_kind, donation.target_id)
    # The fund's lock first, as its payouts take it (api/disbursements): one lock order.
    lock_accounts(session, [(fund, donation.currency)])
    changed = session.execute(
        sa.update(Donation)
        .where(
            col(Donation.id) == donation.id,
            col(Donation.status) == DonationStatus.RECEIVED,
            # Money already paid out to the target cannot be given back.
            col(Donation.disbursed_minor) == 0,
        )
        .values(status=DonationStatus.REFUNDED, refunded_at=utcnow())
    )
    if changed.rowcount != 1 or donation.ledger_transaction_id is None:  # type: ignore[attr-defined]
        session.refresh(donation)
        if donation.status == DonationStatus.RECEIVED and donation.disbursed_minor > 0:
            raise ServiceError(ErrorCode.INVALID_STATE, field="donation", message=PAID_OUT)
        raise ServiceError(ErrorCode.INVALID_STATE, field="donation")
    reversal = reverse_transaction(
        session,
        transaction_id=donation.ledger_transaction_id,
        kind=REFUND_KIND,
        reference=f"donation:{donation.id}",
        actor_account_id=actor.account_id,
        memo=memo,
        no_overdraft=[fund],
    )
    session.execute(
        sa.update(Donation)
        .where(Donation.id == donation.id)  # type: ignore[arg-type]
        .values(refund_transaction_id=reversal.id)
    )
    session.refresh(donation)
    payment = session.get(Payment, donation.payment_id)
    assert payment is not None
    payments.mark_refunded(session, payment=payment)
    get_provider(donation.provider).refund(payment, settings)
    _count(session, donation, sign=-1)
    record_audit(
        session,
        actor=actor,
        action="donation.refunded",
        subject_type=AUDIT_SUBJECT,
        subject_id=donation.id,
        detail={"receipt": donation.receipt_number},
    )
    claim.complete(session, result_id=donation.id)
    return donation
