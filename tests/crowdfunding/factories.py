"""Campaigns taken through the real services, and small readers for assertions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.core.auth import ANONYMOUS, Principal
from api.core.db import unit_of_work, utcnow
from api.core.roles import Role
from api.crowdfunding import service
from api.crowdfunding.models import (
    Backing,
    Campaign,
    CampaignStatus,
    CampaignTargetKind,
    FundingModel,
)
from api.ledger import service as ledger
from tests.factories import Actor
from tests.help_requests.factories import World, account


def key() -> str:
    return str(uuid.uuid4())


def org_admin(world: World, email: str = "org@example.org") -> Actor:
    return account(world.engine, world.settings, Role.ORGANISATION_ADMIN, email=email)


def village(world: World) -> service.TargetRef:
    return service.TargetRef(CampaignTargetKind.VILLAGE, region_id=world.regions["P1-A-C1-T-V"].id)


def details(**overrides: Any) -> service.CampaignDetails:
    values: dict[str, Any] = {
        "title": "A water tank for the village",
        "description": "Clean water all year round.",
        "goal_minor": 100_000,
        "currency": "USD",
        "funding_model": FundingModel.ALL_OR_NOTHING,
        "deadline": utcnow() + timedelta(days=30),
    }
    values.update(overrides)
    return service.CampaignDetails(**values)


def draft(
    world: World,
    organiser: Principal | None = None,
    target: service.TargetRef | None = None,
    **overrides: Any,
) -> int:
    with unit_of_work(world.engine) as session:
        row = service.create_campaign(
            session,
            actor=organiser or world.principal(world.caseworker),
            instance=world.settings.instance,
            target=target or village(world),
            details=details(**overrides),
        )
        assert row.id is not None
        return row.id


def active(world: World, organiser: Principal | None = None, **overrides: Any) -> int:
    campaign_id = draft(world, organiser, **overrides)
    with unit_of_work(world.engine) as session:
        service.submit_campaign(
            session, actor=organiser or world.principal(world.caseworker), campaign_id=campaign_id
        )
    with unit_of_work(world.engine) as session:
        service.approve_campaign(
            session, actor=world.principal(world.admin), campaign_id=campaign_id, approve=True
        )
    return campaign_id


def back(
    world: World,
    campaign_id: int,
    amount: int = 10_000,
    actor: Principal = ANONYMOUS,
    **overrides: Any,
) -> int:
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "amount_minor": amount,
        "currency": "USD",
        "provider": "offline",
        "anonymous": False,
        "backer_name": "Ada Backer",
        "message": None,
        "idempotency_key": key(),
    }
    values.update(overrides)
    with unit_of_work(world.engine) as session:
        created = service.back_campaign(
            session,
            actor=actor,
            settings=world.settings,
            data=service.BackingInput(**values),
        )
        assert created.backing.id is not None
        return created.backing.id


def reconcile(world: World, backing_id: int, actor: Principal | None = None) -> Backing:
    with unit_of_work(world.engine) as session:
        return service.reconcile_backing(
            session,
            actor=actor or world.principal(world.admin),
            backing_id=backing_id,
            external_reference="BANK-1",
            idempotency_key=key(),
        )


def received(world: World, campaign_id: int, amount: int = 10_000, **overrides: Any) -> int:
    backing_id = back(world, campaign_id, amount, **overrides)
    reconcile(world, backing_id)
    return backing_id


def make_due(world: World, campaign_id: int, deadline: datetime | None = None) -> None:
    """Move the deadline into the past (as time passing would)."""
    with unit_of_work(world.engine) as session:
        session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            .values(deadline=deadline or utcnow() - timedelta(minutes=1))
        )


def close(world: World) -> service.CloseResult:
    with unit_of_work(world.engine) as session:
        return service.close_due_campaigns(session, now=utcnow(), settings=world.settings)


def campaign(world: World, campaign_id: int) -> Campaign:
    with Session(world.engine) as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        return row


def backing(world: World, backing_id: int) -> Backing:
    with Session(world.engine) as session:
        row = session.get(Backing, backing_id)
        assert row is not None
        return row


def balance(world: World, code: str, currency: str = "USD") -> int:
    with Session(world.engine) as session:
        return ledger.balance_of(session, code, currency)


def status(world: World, campaign_id: int) -> CampaignStatus:
    return CampaignStatus(campaign(world, campaign_id).status)


def translate(world: World, campaign_id: int, locale: str, **texts: str | None) -> None:
    """The campaign's title and description in `locale`, written by a platform admin."""
    admin = world.principal(world.admin)
    with unit_of_work(world.engine) as session:
        service.set_campaign_translation(
            session,
            actor=admin,
            locales=world.settings.instance.locales,
            campaign_id=campaign_id,
            locale=locale,
            title=texts.get("title"),
            description=texts.get("description"),
        )
