"""Demo donations: a donation wall with content, receipts, and funds that balance.

Every gift goes through the real services (create, then reconcile by an admin), so the
ledger, receipt numbers and statistics are exactly what production would write."""

from __future__ import annotations

import random
from datetime import date

from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.core.auth import Principal
from api.core.roles import Role
from api.core.settings import Instance, Settings
from api.donation.models import TargetKind
from api.donation.service import DonationInput, create_donation, reconcile_donation
from api.help_requests.models import HelpRequest, RequestStatus

DONORS = ("Amina", "Chen Jie", "Lucía", "Dmitri", "Fatima", "Joseph", "Mei", "Pedro", "Zawadi")
MESSAGES = (
    "For the school fees. Keep going!",
    "From our family to yours.",
    None,
    "Good luck with the harvest.",
    None,
)
GIFTS = 40


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    admin_id = session.exec(
        select(Account.id).where(Account.role == Role.PLATFORM_ADMIN).order_by(col(Account.id))
    ).first()
    admin = Principal(account_id=admin_id, role=Role.PLATFORM_ADMIN)
    donor = Principal()
    settings = Settings(
        database_url="", secret_key="demo" * 8, environment="development", instance=instance
    )
    open_money_requests = session.exec(
        select(HelpRequest.id)
        .where(HelpRequest.status == RequestStatus.OPEN)
        .where(col(HelpRequest.target_amount_minor).is_not(None))
        .where(HelpRequest.currency == instance.default_currency)
        .order_by(col(HelpRequest.id))
        .limit(GIFTS)
    ).all()
    for number in range(GIFTS):
        to_request = open_money_requests and rng.random() < 0.6
        anonymous = rng.random() < 0.3
        created = create_donation(
            session,
            actor=donor,
            settings=settings,
            data=DonationInput(
                target_kind=TargetKind.HELP_REQUEST if to_request else TargetKind.GENERAL_FUND,
                target_id=rng.choice(open_money_requests) if to_request else None,
                amount_minor=rng.choice((500, 1_000, 2_500, 5_000, 10_000, 25_000)),
                currency=instance.default_currency,
                provider="offline",
                anonymous=anonymous,
                donor_name=None if anonymous else rng.choice(DONORS),
                message=rng.choice(MESSAGES),
                idempotency_key=f"demo-donation-{number}",
            ),
        )
        if rng.random() < 0.85:  # most gifts have arrived; the rest still wait for the bank
            assert created.donation.id is not None
            reconcile_donation(
                session,
                actor=admin,
                donation_id=created.donation.id,
                external_reference=f"BANK-{today:%Y%m%d}-{number:04d}",
                idempotency_key=f"demo-reconcile-{number}",
            )
    session.flush()


__all__ = ["generate"]
