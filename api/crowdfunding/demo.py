"""Demo campaigns: about a dozen, in every status, with backings and ledger entries made
through the real services (so the books balance and statistics agree). Deterministic for
a given `rng` and `today` (ids aside). A handful carry a Chinese or French translation."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.roles import Role
from api.core.settings import Instance, Settings
from api.core.translations import digest_of
from api.crowdfunding import service
from api.crowdfunding.models import (
    Campaign,
    CampaignStatus,
    CampaignTargetKind,
    CampaignTranslation,
    FundingModel,
)
from api.households.models import Household
from api.households.service import public_households_condition
from api.regions.models import Region
from api.regions.service import public_region_id

ADMIN = Principal(role=Role.PLATFORM_ADMIN)
NAMES = ("Li Wei", "Zhang Min", "Ana Souza", "Amina Bello", "Kofi Mensah", "Maria Lopez")
# (title, model, goal, share of the goal received, days to deadline, final status)
PLAN: tuple[tuple[str, FundingModel, int, int, int, CampaignStatus], ...] = (
    (
        "Clean water for {place}",
        FundingModel.ALL_OR_NOTHING,
        500_000,
        60,
        20,
        CampaignStatus.ACTIVE,
    ),
    (
        "School bus for {place}",
        FundingModel.KEEP_WHAT_YOU_RAISE,
        300_000,
        35,
        45,
        CampaignStatus.ACTIVE,
    ),
    ("Solar lamps in {place}", FundingModel.ALL_OR_NOTHING, 120_000, 110, 5, CampaignStatus.ACTIVE),
    (
        "Greenhouse for a family in {place}",
        FundingModel.KEEP_WHAT_YOU_RAISE,
        80_000,
        0,
        30,
        CampaignStatus.ACTIVE,
    ),
    (
        "Village clinic roof in {place}",
        FundingModel.ALL_OR_NOTHING,
        200_000,
        120,
        -1,
        CampaignStatus.DISBURSED,
    ),
    (
        "Tea seedlings for {place}",
        FundingModel.KEEP_WHAT_YOU_RAISE,
        150_000,
        40,
        -1,
        CampaignStatus.DISBURSED,
    ),
    (
        "Footbridge in {place}",
        FundingModel.ALL_OR_NOTHING,
        400_000,
        30,
        -1,
        CampaignStatus.REFUNDED,
    ),
    (
        "Wheelchair for a family in {place}",
        FundingModel.ALL_OR_NOTHING,
        60_000,
        20,
        25,
        CampaignStatus.CANCELLED,
    ),
    (
        "Library books for {place}",
        FundingModel.ALL_OR_NOTHING,
        90_000,
        0,
        40,
        CampaignStatus.SUBMITTED,
    ),
    (
        "Goat herd for {place}",
        FundingModel.KEEP_WHAT_YOU_RAISE,
        70_000,
        0,
        50,
        CampaignStatus.DRAFT,
    ),
    (
        "Irrigation pump for {place}",
        FundingModel.ALL_OR_NOTHING,
        250_000,
        80,
        15,
        CampaignStatus.ACTIVE,
    ),
    (
        "Internet point in {place}",
        FundingModel.KEEP_WHAT_YOU_RAISE,
        100_000,
        50,
        -1,
        CampaignStatus.DISBURSED,
    ),
)

DESCRIPTION = "Raised with neighbours and friends; every gift is in the ledger."
# A handful of campaigns (by index in PLAN) translated, so the list shows translated text:
# (locale, title, description).
TRANSLATED: dict[int, tuple[str, str, str]] = {
    0: ("zh_Hans", "{place}清洁饮水", "与邻居和朋友一起筹款。每一笔捐赠都记入账本。"),
    1: (
        "fr",
        "Bus scolaire pour {place}",
        "Collecte avec les voisins et les amis ; chaque don est inscrit au registre.",
    ),
    2: ("zh_Hans", "{place}太阳能灯", "与邻居和朋友一起筹款。每一笔捐赠都记入账本。"),
    4: (
        "fr",
        "Toit du dispensaire de {place}",
        "Collecte avec les voisins et les amis ; chaque don est inscrit au registre.",
    ),
    10: ("zh_Hans", "{place}灌溉水泵", "与邻居和朋友一起筹款。每一笔捐赠都记入账本。"),
}


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    """Needs regions and an account to organise (a platform admin, else any). Campaigns
    that are finished in the plan are created live, backed, then closed by
    `close_due_campaigns` with their deadline moved into the past."""
    villages = session.exec(
        select(Region)
        .where(Region.level == len(instance.admin_levels))
        .order_by(col(Region.id))
        .limit(12)
    ).all()
    organiser_id = session.exec(
        select(Account.id).order_by(col(Account.role) != Role.PLATFORM_ADMIN, col(Account.id))
    ).first()
    if not villages or organiser_id is None:
        return
    households = session.exec(
        select(Household.public_code, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(public_households_condition())
        .order_by(col(Household.id))
        .limit(4)
    ).all()
    organiser = Principal(account_id=organiser_id, role=Role.PLATFORM_ADMIN)
    # Backing reads the instance's money rule and provider availability (offline needs no
    # setting).
    settings = Settings(
        database_url="", secret_key="", environment="development", instance=instance
    )
    # Money is received at the real time; a `today` in the past must not make it late.
    now = max(datetime.combine(today, time(12, 0), tzinfo=UTC), utcnow())
    currency = instance.default_currency
    to_close: list[int] = []
    translated: list[dict[str, object]] = []
    for index, (title, model, goal, share, days, final) in enumerate(PLAN):
        village = villages[index % len(villages)]
        household, household_path = (
            households[index % len(households)] if households and "family" in title else (None, "")
        )
        # A household's campaign names its area no finer than the public level: its title
        # is public, and the household's village is not.
        place = village if household is None else _public_area(session, household_path, instance)
        target = (
            service.TargetRef(CampaignTargetKind.HOUSEHOLD, household_code=household)
            if household
            else service.TargetRef(CampaignTargetKind.VILLAGE, region_id=village.id)
        )
        campaign = service.create_campaign(
            session,
            actor=organiser,
            instance=instance,
            target=target,
            details=service.CampaignDetails(
                title=title.format(place=place.name),
                description=DESCRIPTION,
                goal_minor=goal,
                currency=currency,
                funding_model=model,
                deadline=now + timedelta(days=max(days, 1)),
                # Written in English; an instance without English gets its default.
                language="en" if "en" in instance.locales else None,
            ),
            now=now - timedelta(days=30),
        )
        assert campaign.id is not None
        if index in TRANSLATED and TRANSLATED[index][0] in instance.locales:
            locale, translated_title, translated_description = TRANSLATED[index]
            translated.append(
                {
                    "campaign_id": campaign.id,
                    "locale": locale,
                    "title": translated_title.format(place=place.name),
                    "description": translated_description,
                    "source_digest": digest_of(service.CAMPAIGN_TEXT, campaign),
                    "updated_at": now,
                }
            )
        if final == CampaignStatus.DRAFT:
            continue
        service.submit_campaign(session, actor=organiser, campaign_id=campaign.id, now=now)
        if final == CampaignStatus.SUBMITTED:
            continue
        service.approve_campaign(
            session, actor=ADMIN, campaign_id=campaign.id, approve=True, now=now
        )
        remaining = goal * share // 100
        while remaining > 0:
            amount = min(remaining, rng.choice((5_000, 10_000, 20_000, 50_000)))
            remaining -= amount
            created = service.back_campaign(
                session,
                actor=Principal(),
                settings=settings,
                data=service.BackingInput(
                    campaign_id=campaign.id,
                    amount_minor=amount,
                    currency=currency,
                    provider="offline",
                    anonymous=rng.random() < 0.25,
                    backer_name=rng.choice(NAMES),
                    message=None,
                    idempotency_key=_key(rng),
                ),
                now=now,
            )
            assert created.backing.id is not None
            service.reconcile_backing(
                session,
                actor=ADMIN,
                backing_id=created.backing.id,
                external_reference=f"DEMO-{created.backing.id}",
                idempotency_key=_key(rng),
            )
        if index % 2 == 0:
            service.post_update(
                session,
                actor=organiser,
                campaign_id=campaign.id,
                title="Thank you",
                body="Work has started; photos follow in the next update.",
            )
        if final == CampaignStatus.CANCELLED:
            service.cancel_campaign(
                session,
                actor=organiser,
                settings=None,
                campaign_id=campaign.id,
                reason="Covered by a government programme",
                idempotency_key=_key(rng),
            )
        elif days < 0:
            to_close.append(campaign.id)
    if translated:
        session.execute(sa.insert(CampaignTranslation.__table__), translated)  # type: ignore[attr-defined]
    if to_close:
        past = now - timedelta(minutes=1)
        session.execute(
            sa.update(Campaign).where(col(Campaign.id).in_(to_close)).values(deadline=past)
        )
        service.close_due_campaigns(session, now=now, ids=to_close)


def _public_area(session: Session, region_path: str, instance: Instance) -> Region:
    area = session.get(Region, public_region_id(region_path, instance.public_region_level))
    assert area is not None
    return area
