"""Payments in the core: creating the expected payment, settling it (by reconciliation or
by a verified callback) and handing the outcome to the section it is for.

A section registers a purpose ("donation", later "order"...) with what to do when its
payment succeeds or fails; the money itself moves in that handler, through the ledger,
in the same transaction as the status change. Status changes are guarded UPDATEs
(`WHERE status = 'PENDING'`), so two settlements of one payment cannot both happen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.security import new_public_code
from api.payments.base import CallbackEvent, CallbackRejected, EventOutcome
from api.payments.models import Payment, PaymentEvent, PaymentStatus
from api.payments.registry import UnknownProvider, get_provider

Handler = Callable[[Session, Payment, Principal], None]


@dataclass(frozen=True)
class Purpose:
    on_succeeded: Handler
    on_failed: Handler


_purposes: dict[str, Purpose] = {}


def register_purpose(name: str, *, on_succeeded: Handler, on_failed: Handler) -> None:
    _purposes[name] = Purpose(on_succeeded, on_failed)


def create_payment(
    session: Session, *, provider: str, purpose: str, amount_minor: int, currency: str
) -> Payment:
    if purpose not in _purposes:
        raise ValueError(f"no payment purpose {purpose!r} registered")
    payment = Payment(
        reference=new_public_code("PAY"),
        provider=provider,
        purpose=purpose,
        amount_minor=amount_minor,
        currency=currency,
        status=PaymentStatus.PENDING,
        created_at=utcnow(),
    )
    session.add(payment)
    session.flush()
    return payment


def _move(
    session: Session,
    payment: Payment,
    source: PaymentStatus,
    target: PaymentStatus,
    **values: object,
) -> None:
    result = session.execute(
        sa.update(Payment)
        .where(Payment.id == payment.id, Payment.status == source)  # type: ignore[arg-type]
        .values(status=target, **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE)
    session.refresh(payment)


def settle(
    session: Session,
    *,
    payment: Payment,
    outcome: EventOutcome,
    external_reference: str | None,
    actor: Principal,
) -> None:
    """PENDING -> SUCCEEDED or FAILED, then the purpose's handler moves the money."""
    purpose = _purposes[payment.purpose]
    if outcome == EventOutcome.SUCCEEDED:
        _move(
            session,
            payment,
            PaymentStatus.PENDING,
            PaymentStatus.SUCCEEDED,
            external_reference=external_reference,
            settled_at=utcnow(),
        )
        purpose.on_succeeded(session, payment, actor)
    else:
        _move(session, payment, PaymentStatus.PENDING, PaymentStatus.FAILED, settled_at=utcnow())
        purpose.on_failed(session, payment, actor)


def mark_refunded(session: Session, *, payment: Payment) -> None:
    _move(session, payment, PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


# --- Callbacks -------------------------------------------------------------------------------


def handle_callback(
    session: Session, *, provider: str, event: CallbackEvent, actor: Principal
) -> str:
    """Apply a verified callback; returns "processed" or raises CallbackRejected. The
    event id is recorded in this transaction, so a replay is refused and a failure here
    leaves the event free for the gateway's retry."""
    table = PaymentEvent.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    recorded = session.execute(
        insert.values(provider=provider, event_id=event.event_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(table.c.id)
    ).first()
    if recorded is None:
        raise CallbackRejected(409, "REPLAYED_EVENT", N_("This event was already received."))
    payment = session.exec(
        select(Payment).where(
            Payment.reference == event.payment_reference, Payment.provider == provider
        )
    ).first()
    if payment is None:
        raise CallbackRejected(404, "UNKNOWN_PAYMENT", N_("No such payment for this provider."))
    if (event.amount_minor is not None and event.amount_minor != payment.amount_minor) or (
        event.currency is not None and event.currency != payment.currency
    ):
        raise CallbackRejected(422, "AMOUNT_MISMATCH", N_("The amount differs from the payment's."))
    session.execute(sa.update(table).where(table.c.id == recorded[0]).values(payment_id=payment.id))
    try:
        settle(
            session,
            payment=payment,
            outcome=event.outcome,
            external_reference=event.external_reference,
            actor=actor,
        )
    except ServiceError:
        raise CallbackRejected(
            409, "INVALID_STATE", N_("The payment is no longer pending.")
        ) from None
    return "processed"


def provider_or_error(name: str, *, field: str = "provider") -> str:
    try:
        get_provider(name)
    except UnknownProvider:
        raise ServiceError(ErrorCode.INVALID, field=field) from None
    return name


def references_by_payment_id(session: Session, payment_ids: Iterable[int]) -> dict[int, str]:
    """The references of payments by id: what a payer quotes on a transfer."""
    wanted = sorted(set(payment_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Payment.id, Payment.reference).where(col(Payment.id).in_(wanted))
    ).all()
    return {int(payment_id): reference for payment_id, reference in rows if payment_id is not None}
