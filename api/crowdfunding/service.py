"""Crowdfunding: campaigns for a project, a village or a household; their lifecycle,
backings through the payment providers, and closing at the deadline.

Lifecycle: DRAFT -> SUBMITTED -> (caseworker covering the region, or platform admin,
not the organiser) ACTIVE -> at the deadline SUCCEEDED or FAILED -> DISBURSED or REFUNDED.
DRAFT, SUBMITTED and ACTIVE campaigns can be CANCELLED (received backings refunded).

Money, always through the ledger (api/ledger):
- a backing's money arrives: debit cash:<provider>, credit campaign:<id>;
- a refund: the exact reversal of that transaction;
- a disbursement: debit campaign:<id>, credit payout:campaign:<id> (a liability: owed to
  the target until the payout transfer is made), for the fund's whole balance.

Backing is its own mutation (campaignBack), not a donation: the donation target source
registered below refuses campaigns, so there is one money path for campaigns. Money that
arrives gets a receipt number, in the same transaction, from the organisation's one
gap-free yearly series (`api.donation.service.next_receipt_number`, shared with donations).

A refund moves the backing's amount from the campaign's `raised_minor`/`backers_count`
(money kept) to its `refunded_minor`/`refunded_count` (money given back), so a REFUNDED
campaign shows what it gave back rather than money it no longer holds.

Who reads a backing: `visible_backings_condition` on every path, and `may_identify_backer`
for the name and message of an anonymous one and for receipts.

Concurrency. `raised_minor`/`backers_count` change only in one guarded UPDATE
(`WHERE status = 'ACTIVE' AND deadline > now`) run before the ledger posting, and closing
is one guarded UPDATE (`WHERE status = 'ACTIVE' AND deadline <= now`) that decides the
outcome from the row's own values. Both take the campaign's row lock on PostgreSQL (the
loser re-reads the row after the winner commits) and the write lock on SQLite, so money
that arrives is either counted before the close or treated as late, never both.

Pending backings at the deadline: only received money counts. A backing whose money
arrives after the campaign stopped taking money is "late": for a campaign that succeeded
it is accepted, counted and disbursed at once; for one that failed or was cancelled it is
received and refunded in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.audit.service import record_audit
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.idempotency import check_key, claim_key
from api.core.roles import Role
from api.core.settings import Instance, Settings
from api.core.translations import TextField, Translatable, check_source_language
from api.core.validation import FieldErrors, check_money, clean_text, optional_text
from api.crowdfunding import metrics
from api.crowdfunding.models import (
    PUBLIC_STATUSES,
    Backing,
    BackingStatus,
    Campaign,
    CampaignPost,
    CampaignStatus,
    CampaignTargetKind,
    CampaignTranslation,
    FundingModel,
)
from api.donation.models import TargetKind
from api.donation.service import next_receipt_number
from api.donation.targets import Target, register_target_source
from api.households.models import Household
from api.households.service import public_households_condition
from api.ledger.models import AccountKind
from api.ledger.service import (
    balance_of,
    cash_account,
    credit,
    debit,
    post_transaction,
    register_account_prefix,
    reverse_transaction,
)
from api.payments import service as payments
from api.payments.base import Confirmation, EventOutcome
from api.payments.models import Payment
from api.payments.registry import UnknownProvider, get_provider
from api.projects.models import Project, ProjectStatus
from api.projects.service import visible_projects_condition
from api.regions.models import Region
from api.stats.service import bump

AUDIT_SUBJECT = "Campaign"
PURPOSE = "campaign_backing"
TITLE_LIMIT = 200
TEXT_LIMIT = 5000
NAME_LIMIT = 120
MESSAGE_LIMIT = 500
REFERENCE_LIMIT = 200
MAX_DURATION = timedelta(days=366)
RECEIVED_KIND = "CAMPAIGN_BACKING_RECEIVED"
REFUND_KIND = "CAMPAIGN_BACKING_REFUND"
PAYOUT_KIND = "CAMPAIGN_DISBURSEMENT"
ORGANISER_ROLES = (Role.ORGANISATION_ADMIN, Role.CASEWORKER, Role.PLATFORM_ADMIN)
# Project campaigns fund projects that have not ended.
FUNDABLE_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE)

# Money released to a campaign's target, owed until the payout transfer is made.
register_account_prefix("payout", AccountKind.LIABILITY)


def campaign_account(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def payout_account(campaign_id: int) -> str:
    return f"payout:campaign:{campaign_id}"


# --- Visibility and roles --------------------------------------------------------------------


def public_campaigns_condition() -> sa.ColumnElement[bool]:
    """Approved campaigns; a campaign cancelled after approval stays public too."""
    return sa.or_(
        col(Campaign.status).in_(PUBLIC_STATUSES),
        sa.and_(
            col(Campaign.status) == CampaignStatus.CANCELLED,
            col(Campaign.approved_at).is_not(None),
        ),
    )


def visible_campaigns_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Everyone sees public campaigns; organisers their own (and their organisation's);
    caseworkers every campaign in their area; platform admins all."""
    if principal.is_admin:
        return sa.true()
    conditions = [public_campaigns_condition()]
    if principal.account_id is not None:
        conditions.append(col(Campaign.organiser_account_id) == principal.account_id)
    if principal.role == Role.ORGANISATION_ADMIN and principal.helper_id is not None:
        conditions.append(col(Campaign.organiser_helper_id) == principal.helper_id)
    if principal.role == Role.CASEWORKER and principal.region_path:
        conditions.append(col(Campaign.region_path).startswith(principal.region_path))
    return sa.or_(*conditions)


def is_public(campaign: Campaign) -> bool:
    return campaign.status in PUBLIC_STATUSES or (
        campaign.status == CampaignStatus.CANCELLED and campaign.approved_at is not None
    )


def may_organise(actor: Principal, campaign: Campaign) -> bool:
    """Edit, submit, post updates, cancel: the organiser, fellow admins of the organising
    organisation, caseworkers covering the region, platform admins."""
    if actor.is_admin or actor.account_id is None:
        return actor.is_admin
    if campaign.organiser_account_id == actor.account_id:
        return True
    if (
        actor.role == Role.ORGANISATION_ADMIN
        and actor.helper_id is not None
        and actor.helper_id == campaign.organiser_helper_id
    ):
        return True
    return actor.role == Role.CASEWORKER and actor.covers_region(campaign.region_path)


def may_approve(actor: Principal, campaign: Campaign) -> bool:
    """Caseworkers covering the region (not for their own campaigns) and platform admins."""
    if actor.is_admin:
        return True
    return (
        actor.role == Role.CASEWORKER
        and actor.covers_region(campaign.region_path)
        and campaign.organiser_account_id != actor.account_id
    )


def may_reconcile(actor: Principal, campaign: Campaign) -> bool:
    """Platform admins, and admins of the organising organisation (it holds the account)."""
    if actor.is_admin:
        return True
    return (
        actor.role == Role.ORGANISATION_ADMIN
        and actor.helper_id is not None
        and actor.helper_id == campaign.organiser_helper_id
    )


def may_see(actor: Principal, campaign: Campaign) -> bool:
    return is_public(campaign) or may_organise(actor, campaign) or may_approve(actor, campaign)


def visible_backings_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """The one rule for reading a backing, whatever the path (list, node, lookup by
    receipt): its backer, the campaign's managers (see `may_reconcile`: they hold the
    money and match payments) and platform admins. Organisers and caseworkers who do not
    hold the money see the campaign's totals, not who gave; the public sees the backers
    list (`Campaign.backers`), which hides anonymous backers."""
    if principal.is_admin:
        return sa.true()
    if principal.account_id is None:
        return sa.false()
    own = col(Backing.backer_account_id) == principal.account_id
    if principal.role == Role.ORGANISATION_ADMIN and principal.helper_id is not None:
        managed = sa.select(Campaign.id).where(  # type: ignore[call-overload]
            col(Campaign.organiser_helper_id) == principal.helper_id
        )
        return sa.or_(own, col(Backing.campaign_id).in_(managed))
    return own


def may_identify_backer(principal: Principal, backing: Backing, *, proven_payer: bool) -> bool:
    """Who may read who an anonymous backer is (name, message) and any backer's receipt:
    the backer (by account, or by quoting the payment reference with the receipt number)
    and platform admins, who reconcile payments. Managers match money by reference."""
    own = principal.account_id is not None and backing.backer_account_id == principal.account_id
    return principal.is_admin or own or proven_payer


def backing_by_receipt(
    session: Session, actor: Principal, receipt_number: str, payment_reference: str | None
) -> tuple[Backing, bool] | None:
    """By receipt number, for whoever may see the backing, or for anyone who also quotes
    its payment reference (backers without an account keep both, as for donations).
    Returns the backing and whether the caller proved to be its payer."""
    statement = (
        select(Backing, Payment.reference)
        .join(Payment, col(Payment.id) == Backing.payment_id)
        .where(Backing.receipt_number == receipt_number.strip())
    )
    reference = (payment_reference or "").strip()
    if reference:
        statement = statement.where(
            sa.or_(visible_backings_condition(actor), col(Payment.reference) == reference)
        )
    else:
        statement = statement.where(visible_backings_condition(actor))
    found = session.exec(statement).first()
    if found is None:
        return None
    backing, payment_reference_found = found
    return backing, bool(reference) and payment_reference_found == reference


def backing_by_payment_reference(
    session: Session, backing_id: int, payment_reference: str
) -> Backing | None:
    """A backing for whoever holds both its ID and its payment reference: what a guest
    backer's browser keeps from `campaignBack`, before a receipt number exists."""
    statement = (
        select(Backing)
        .join(Payment, col(Payment.id) == Backing.payment_id)
        .where(
            col(Backing.id) == backing_id,
            col(Payment.reference) == payment_reference.strip(),
        )
    )
    return session.exec(statement).first()


# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRef:
    """Exactly one of: a project id, a village (region) id, a household's public code."""

    kind: CampaignTargetKind
    project_id: int | None = None
    region_id: int | None = None
    household_code: str | None = None


@dataclass(frozen=True)
class CampaignDetails:
    title: str
    description: str
    goal_minor: int
    currency: str
    funding_model: FundingModel
    deadline: datetime
    # The locale title and description are written in; the instance's default if None.
    language: str | None = None


@dataclass(frozen=True)
class CampaignChanges:
    """Changes to a draft; None leaves a value as it is."""

    title: str | None = None
    description: str | None = None
    goal_minor: int | None = None
    currency: str | None = None
    funding_model: FundingModel | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class BackingInput:
    campaign_id: int
    amount_minor: int
    currency: str
    provider: str
    anonymous: bool
    backer_name: str | None
    message: str | None
    idempotency_key: str


@dataclass(frozen=True)
class BackingCreated:
    backing: Backing
    payment: Payment


@dataclass(frozen=True)
class _ResolvedTarget:
    project_id: int | None
    household_id: int | None
    region_id: int
    region_path: str


def _check_deadline(deadline: datetime, now: datetime) -> datetime:
    if deadline.tzinfo is None or not now < deadline <= now + MAX_DURATION:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field="deadline")
    return deadline


def _resolve_target(
    session: Session, actor: Principal, instance: Instance, target: TargetRef
) -> _ResolvedTarget:
    if target.kind == CampaignTargetKind.PROJECT and target.project_id is not None:
        project = session.exec(
            select(Project)
            .where(Project.id == target.project_id)
            .where(visible_projects_condition(actor))
        ).first()
        if project is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="target")
        if project.status not in FUNDABLE_PROJECT_STATUSES:
            raise ServiceError(ErrorCode.INVALID_STATE, field="target")
        resolved = _ResolvedTarget(project.id, None, project.region_id, project.region_path)
    elif target.kind == CampaignTargetKind.VILLAGE and target.region_id is not None:
        region = session.get(Region, target.region_id)
        if region is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="target")
        if region.level != len(instance.admin_levels):
            # Villages are the lowest administrative level of the instance.
            raise ServiceError(ErrorCode.INVALID, field="target")
        assert region.id is not None
        resolved = _ResolvedTarget(None, None, region.id, region.path)
    elif target.kind == CampaignTargetKind.HOUSEHOLD and target.household_code:
        row = session.exec(
            select(Household.id, Region.id, Region.path)
            .join(Region, col(Region.id) == Household.region_id)
            .where(Household.public_code == target.household_code)
            .where(public_households_condition())
        ).first()
        if row is None:
            # Only households anyone may see (verified, consenting) can be campaigned for.
            raise ServiceError(ErrorCode.NOT_FOUND, field="target")
        resolved = _ResolvedTarget(None, row[0], int(row[1] or 0), row[2])
    else:
        raise ServiceError(ErrorCode.INVALID, field="target")
    if actor.role == Role.CASEWORKER and not actor.covers_region(resolved.region_path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="target")
    return resolved


def _validate_details(
    errors: FieldErrors,
    details: CampaignChanges,
    instance: Instance,
    now: datetime,
    current_currency: str | None = None,
) -> dict[str, object]:
    """The changed values, checked; a new goal without a currency keeps the current one."""
    values: dict[str, object] = {}
    if details.title is not None:
        values["title"] = errors.check(
            lambda: clean_text(details.title, field="title", limit=TITLE_LIMIT)
        )
    if details.description is not None:
        values["description"] = errors.check(
            lambda: clean_text(details.description, field="description", limit=TEXT_LIMIT)
        )
    goal_minor, currency, deadline = details.goal_minor, details.currency, details.deadline
    if goal_minor is not None or currency is not None:
        goal = errors.check(
            lambda: check_money(instance, goal_minor, currency or current_currency, field="goal")
        )
        if goal is not None:
            values["goal_minor"], values["currency"] = goal
    if details.funding_model is not None:
        values["funding_model"] = details.funding_model.value
    if deadline is not None:
        values["deadline"] = errors.check(lambda: _check_deadline(deadline, now))
    return values


# --- Organising ------------------------------------------------------------------------------


def create_campaign(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    target: TargetRef,
    details: CampaignDetails,
    now: datetime | None = None,
) -> Campaign:
    """A DRAFT campaign organised by the caller (organisation admins, caseworkers for
    their area, platform admins)."""
    if actor.role not in ORGANISER_ROLES or actor.account_id is None:
        raise ServiceError(ErrorCode.FORBIDDEN)
    now = now or utcnow()
    errors = FieldErrors()
    resolved = errors.check(lambda: _resolve_target(session, actor, instance, target))
    source_language = errors.check(
        lambda: check_source_language(
            details.language or instance.default_locale, locales=instance.locales
        )
    )
    values = _validate_details(
        errors,
        CampaignChanges(
            title=details.title,
            description=details.description,
            goal_minor=details.goal_minor,
            currency=details.currency,
            funding_model=details.funding_model,
            deadline=details.deadline,
        ),
        instance,
        now,
    )
    errors.raise_if_any()
    assert isinstance(resolved, _ResolvedTarget)
    campaign = Campaign(
        source_language=str(source_language),
        target_kind=target.kind.value,
        project_id=resolved.project_id,
        household_id=resolved.household_id,
        region_id=resolved.region_id,
        region_path=resolved.region_path,
        status=CampaignStatus.DRAFT,
        organiser_account_id=actor.account_id,
        organiser_helper_id=actor.helper_id if actor.role == Role.ORGANISATION_ADMIN else None,
        created_at=now,
        **values,  # type: ignore[arg-type]
    )
    session.add(campaign)
    session.flush()
    return campaign


def _campaign(session: Session, actor: Principal, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not may_see(actor, campaign):
        raise ServiceError(ErrorCode.NOT_FOUND, field="campaign")
    return campaign


def _organised(session: Session, actor: Principal, campaign_id: int) -> Campaign:
    campaign = _campaign(session, actor, campaign_id)
    if not may_organise(actor, campaign):
        raise ServiceError(ErrorCode.FORBIDDEN, field="campaign")
    return campaign


def _move(
    session: Session,
    campaign: Campaign,
    sources: Sequence[CampaignStatus],
    **values: object,
) -> None:
    """A guarded status change: refused (INVALID_STATE) unless the row is in `sources`."""
    changed = session.execute(
        sa.update(Campaign)
        .where(col(Campaign.id) == campaign.id, col(Campaign.status).in_(sources))
        .values(**values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE, field="campaign")
    session.refresh(campaign)


def update_campaign(
    session: Session,
    *,
    actor: Principal,
    instance: Instance,
    campaign_id: int,
    changes: CampaignChanges,
    now: datetime | None = None,
) -> Campaign:
    """Change a DRAFT (the target stays: create another campaign for another target)."""
    campaign = _organised(session, actor, campaign_id)
    errors = FieldErrors()
    values = _validate_details(errors, changes, instance, now or utcnow(), campaign.currency)
    errors.raise_if_any()
    if not values:
        if campaign.status != CampaignStatus.DRAFT:
            raise ServiceError(ErrorCode.INVALID_STATE, field="campaign")
        return campaign
    _move(session, campaign, [CampaignStatus.DRAFT], **values)
    return campaign


def submit_campaign(
    session: Session, *, actor: Principal, campaign_id: int, now: datetime | None = None
) -> Campaign:
    now = now or utcnow()
    campaign = _organised(session, actor, campaign_id)
    if campaign.deadline <= now:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field="deadline")
    _move(
        session, campaign, [CampaignStatus.DRAFT], status=CampaignStatus.SUBMITTED, submitted_at=now
    )
    return campaign


def approve_campaign(
    session: Session,
    *,
    actor: Principal,
    campaign_id: int,
    approve: bool,
    now: datetime | None = None,
) -> Campaign:
    """SUBMITTED -> ACTIVE (public, taking backings), or back to DRAFT when refused."""
    now = now or utcnow()
    campaign = _campaign(session, actor, campaign_id)
    if not may_approve(actor, campaign):
        raise ServiceError(ErrorCode.FORBIDDEN, field="campaign")
    if approve:
        if campaign.deadline <= now:
            raise ServiceError(ErrorCode.OUT_OF_RANGE, field="deadline")
        _move(
            session,
            campaign,
            [CampaignStatus.SUBMITTED],
            status=CampaignStatus.ACTIVE,
            approved_at=now,
            approved_by_id=actor.account_id,
        )
    else:
        _move(session, campaign, [CampaignStatus.SUBMITTED], status=CampaignStatus.DRAFT)
    assert campaign.id is not None
    record_audit(
        session,
        actor=actor,
        action="campaign.approved" if approve else "campaign.returned",
        subject_type=AUDIT_SUBJECT,
        subject_id=campaign.id,
    )
    return campaign


CAMPAIGN_TEXT = Translatable(
    CampaignTranslation,
    "campaign_id",
    (
        TextField("title", "title", TITLE_LIMIT),
        TextField("description", "description", TEXT_LIMIT),
    ),
)


def set_campaign_translation(
    session: Session,
    *,
    actor: Principal,
    locales: Sequence[str],
    campaign_id: int,
    locale: str,
    title: str | None,
    description: str | None,
) -> Campaign:
    """Add, replace or remove (no text at all) the campaign's title and description in one
    more locale. Its organisers (see `may_organise`), in any status: an ACTIVE campaign is
    where a translation helps most."""
    campaign = _organised(session, actor, campaign_id)
    translations.set_translation(
        session,
        CAMPAIGN_TEXT,
        original=campaign,
        locale=locale,
        locales=locales,
        values={"title": title, "description": description},
    )
    return campaign


def post_update(
    session: Session, *, actor: Principal, campaign_id: int, title: str, body: str
) -> CampaignPost:
    """An update from the organiser, in any status (news after the payout matters too)."""
    campaign = _organised(session, actor, campaign_id)
    errors = FieldErrors()
    clean_title = errors.check(lambda: clean_text(title, field="title", limit=TITLE_LIMIT))
    clean_body = errors.check(lambda: clean_text(body, field="body", limit=TEXT_LIMIT))
    errors.raise_if_any()
    assert campaign.id is not None and actor.account_id is not None
    post = CampaignPost(
        campaign_id=campaign.id,
        author_account_id=actor.account_id,
        title=str(clean_title),
        body=str(clean_body),
        created_at=utcnow(),
    )
    session.add(post)
    session.flush()
    return post


# --- Backing ---------------------------------------------------------------------------------


def _fingerprint(data: BackingInput) -> dict[str, object]:
    return {
        "campaign": data.campaign_id,
        "amount": [data.amount_minor, data.currency],
        "provider": data.provider,
        "anonymous": data.anonymous,
        "backerName": (data.backer_name or "").strip(),
        "message": (data.message or "").strip(),
    }


def back_campaign(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    data: BackingInput,
    now: datetime | None = None,
) -> BackingCreated:
    """A PENDING backing of an ACTIVE campaign and the payment it waits for; anyone, logged
    in or not. Replays with the same key and input return the first backing."""
    claim = claim_key(
        session,
        operation="campaignBack",
        actor=actor,
        key=data.idempotency_key,
        payload=_fingerprint(data),
    )
    if claim.replay_id is not None:
        backing = session.get(Backing, claim.replay_id)
        assert backing is not None
        payment = session.get(Payment, backing.payment_id)
        assert payment is not None
        return BackingCreated(backing, payment)
    now = now or utcnow()
    close_due_campaigns(session, now=now, settings=settings, ids=[data.campaign_id])
    errors = FieldErrors()
    campaign = session.get(Campaign, data.campaign_id)
    if campaign is None or not may_see(actor, campaign):
        errors.errors.append(ServiceError(ErrorCode.NOT_FOUND, field="campaign"))
        campaign = None
    elif campaign.status != CampaignStatus.ACTIVE or campaign.deadline <= now:
        errors.errors.append(ServiceError(ErrorCode.INVALID_STATE, field="campaign"))
    money = errors.check(
        lambda: check_money(settings.instance, data.amount_minor, data.currency, field="amount")
    )
    if money is not None and campaign is not None and data.currency != campaign.currency:
        # Money the instance takes, but not what this campaign counts in.
        errors.add(ErrorCode.CURRENCY_MISMATCH, "amount", currency=campaign.currency)
    try:
        if not get_provider(data.provider).is_available(settings):
            errors.errors.append(ServiceError(ErrorCode.INVALID, field="provider"))
    except UnknownProvider:
        errors.errors.append(ServiceError(ErrorCode.INVALID, field="provider"))
    name = errors.check(
        lambda: optional_text(data.backer_name, field="backerName", limit=NAME_LIMIT)
    )
    message = errors.check(
        lambda: optional_text(data.message, field="message", limit=MESSAGE_LIMIT)
    )
    if name is None and actor.account_id is not None:
        account = session.get(Account, actor.account_id)
        name = account.display_name if account else None
    if name is None and not data.anonymous and not errors.errors:
        errors.errors.append(ServiceError(ErrorCode.REQUIRED, field="backerName"))
    errors.raise_if_any()
    assert campaign is not None and campaign.id is not None
    payment = payments.create_payment(
        session,
        provider=data.provider,
        purpose=PURPOSE,
        amount_minor=data.amount_minor,
        currency=data.currency,
    )
    assert payment.id is not None
    backing = Backing(
        campaign_id=campaign.id,
        backer_account_id=actor.account_id,
        backer_name=name,
        anonymous=data.anonymous,
        message=message,
        amount_minor=data.amount_minor,
        currency=data.currency,
        provider=data.provider,
        payment_id=payment.id,
        status=BackingStatus.PENDING,
        created_at=now,
    )
    session.add(backing)
    session.flush()
    assert backing.id is not None
    claim.complete(session, result_id=backing.id)
    return BackingCreated(backing, payment)


def _backing_of(session: Session, payment: Payment) -> Backing:
    return session.exec(select(Backing).where(Backing.payment_id == payment.id)).one()


def _count_raised(session: Session, campaign: Campaign, backing: Backing, *, sign: int) -> None:
    assert backing.received_at is not None
    _stat(
        session,
        campaign.region_path,
        metrics.raised_metric(backing.currency),
        sign * backing.amount_minor,
        bucket=metrics.month_bucket(backing.received_at),
    )


_STATS = "crowdfunding_stat_deltas"


def _stat(session: Session, region_path: str, metric: str, delta: int, bucket: int = 0) -> None:
    """Note a statistics change; `_flush_stats` writes them when the operation ends.

    Counter rows are shared by every campaign of a region, so they are locked last, once,
    in one order (metric, bucket, region): a transaction never waits for a campaign or a
    fund while holding them, which keeps concurrent backings and closers deadlock-free."""
    deltas: dict[tuple[str, int, str], int] = session.info.setdefault(_STATS, {})
    deltas[(metric, bucket, region_path)] = deltas.get((metric, bucket, region_path), 0) + delta


def _flush_stats(session: Session) -> None:
    deltas: dict[tuple[str, int, str], int] = session.info.pop(_STATS, {})
    for (metric, bucket, region_path), delta in sorted(deltas.items()):
        bump(session, region_path, metric, delta, bucket=bucket)


def _lock_campaign(session: Session, campaign_id: int) -> None:
    """Take the campaign's row lock first (PostgreSQL; SQLite holds the write lock), so
    every money movement of one campaign runs one at a time in one lock order."""
    session.execute(
        sa.select(col(Campaign.id)).where(col(Campaign.id) == campaign_id).with_for_update()
    ).all()


def _received(session: Session, payment: Payment, actor: Principal) -> None:
    """The payment purpose's success handler: the money arrived (see the module doc)."""
    backing = _backing_of(session, payment)
    assert backing.id is not None
    now = utcnow()
    _lock_campaign(session, backing.campaign_id)
    # A campaign past its deadline is closed first, so late money is recognised as such.
    close_due_campaigns(session, now=now, ids=[backing.campaign_id], flush_stats=False)
    counted = session.execute(
        sa.update(Campaign)
        .where(
            col(Campaign.id) == backing.campaign_id,
            col(Campaign.status) == CampaignStatus.ACTIVE,
            col(Campaign.deadline) > now,
        )
        .values(
            raised_minor=col(Campaign.raised_minor) + backing.amount_minor,
            backers_count=col(Campaign.backers_count) + 1,
        )
    ).rowcount  # type: ignore[attr-defined]
    transaction = post_transaction(
        session,
        kind=RECEIVED_KIND,
        reference=f"campaign_backing:{backing.id}",
        lines=[
            debit(cash_account(backing.provider), backing.amount_minor, backing.currency),
            credit(campaign_account(backing.campaign_id), backing.amount_minor, backing.currency),
        ],
        actor_account_id=actor.account_id,
    )
    changed = session.execute(
        sa.update(Backing)
        .where(col(Backing.id) == backing.id, col(Backing.status) == BackingStatus.PENDING)
        .values(
            status=BackingStatus.RECEIVED,
            # A receipt of the organisation: the same gap-free series as donations.
            receipt_number=next_receipt_number(session, now.year),
            received_at=now,
            ledger_transaction_id=transaction.id,
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE)
    session.refresh(backing)
    campaign = session.get(Campaign, backing.campaign_id)
    assert campaign is not None and campaign.id is not None
    session.refresh(campaign)
    _count_raised(session, campaign, backing, sign=1)
    record_audit(
        session,
        actor=actor,
        action="campaign.backing_received",
        subject_type=AUDIT_SUBJECT,
        subject_id=campaign.id,
        detail={"backing": backing.id, "late": counted != 1, "receipt": backing.receipt_number},
    )
    if counted != 1:
        _late(session, campaign, backing, actor)
    _flush_stats(session)


def _late(session: Session, campaign: Campaign, backing: Backing, actor: Principal) -> None:
    if campaign.status in (CampaignStatus.SUCCEEDED, CampaignStatus.DISBURSED):
        # Late money for a campaign that made it: accepted, counted, paid out at once.
        late = session.execute(
            sa.update(Campaign)
            .where(col(Campaign.id) == campaign.id, col(Campaign.status) == campaign.status)
            .values(
                raised_minor=col(Campaign.raised_minor) + backing.amount_minor,
                backers_count=col(Campaign.backers_count) + 1,
            )
        )
        if late.rowcount != 1:  # type: ignore[attr-defined]  # pragma: no cover
            raise ServiceError(ErrorCode.INVALID_STATE)
        if campaign.status == CampaignStatus.DISBURSED:
            _pay_out(session, campaign, backing.amount_minor, actor)
        session.refresh(campaign)
    else:
        # Late money for a campaign that failed or was cancelled goes straight back; it
        # never counted toward `raised`.
        _refund(
            session,
            backing,
            actor=actor,
            settings=None,
            memo="Arrived after the campaign closed",
            counted=False,
        )


def _failed(session: Session, payment: Payment, actor: Principal) -> None:
    backing = _backing_of(session, payment)
    session.execute(
        sa.update(Backing)
        .where(col(Backing.id) == backing.id, col(Backing.status) == BackingStatus.PENDING)
        .values(status=BackingStatus.FAILED)
    )
    session.refresh(backing)


payments.register_purpose(PURPOSE, on_succeeded=_received, on_failed=_failed)


def _refund(
    session: Session,
    backing: Backing,
    *,
    actor: Principal,
    settings: Settings | None,
    memo: str | None,
    counted: bool = True,
) -> None:
    """Give one RECEIVED backing back: the reversal of its ledger transaction. The money
    moves from the campaign's `raised` (where it `counted`, i.e. it arrived while the
    campaign took money) to its `refunded`, in the same transaction."""
    assert backing.id is not None
    changed = session.execute(
        sa.update(Backing)
        .where(col(Backing.id) == backing.id, col(Backing.status) == BackingStatus.RECEIVED)
        .values(status=BackingStatus.REFUNDED, refunded_at=utcnow())
    )
    if changed.rowcount != 1 or backing.ledger_transaction_id is None:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE)
    reversal = reverse_transaction(
        session,
        transaction_id=backing.ledger_transaction_id,
        kind=REFUND_KIND,
        reference=f"campaign_backing:{backing.id}",
        actor_account_id=actor.account_id,
        memo=memo,
        no_overdraft=[campaign_account(backing.campaign_id)],
    )
    session.execute(
        sa.update(Backing)
        .where(col(Backing.id) == backing.id)
        .values(refund_transaction_id=reversal.id)
    )
    session.refresh(backing)
    payment = session.get(Payment, backing.payment_id)
    assert payment is not None
    payments.mark_refunded(session, payment=payment)
    if settings is not None:
        get_provider(backing.provider).refund(payment, settings)
    kept = backing.amount_minor if counted else 0
    session.execute(
        sa.update(Campaign)
        .where(col(Campaign.id) == backing.campaign_id)
        .values(
            raised_minor=col(Campaign.raised_minor) - kept,
            backers_count=col(Campaign.backers_count) - (1 if counted else 0),
            refunded_minor=col(Campaign.refunded_minor) + backing.amount_minor,
            refunded_count=col(Campaign.refunded_count) + 1,
        )
    )
    campaign = session.get(Campaign, backing.campaign_id)
    assert campaign is not None
    session.refresh(campaign)
    _count_raised(session, campaign, backing, sign=-1)


def _refund_all(
    session: Session,
    campaign: Campaign,
    *,
    actor: Principal,
    settings: Settings | None,
    memo: str,
) -> None:
    backings = session.exec(
        select(Backing)
        .where(Backing.campaign_id == campaign.id, Backing.status == BackingStatus.RECEIVED)
        .order_by(col(Backing.id))
    ).all()
    for backing in backings:
        _refund(session, backing, actor=actor, settings=settings, memo=memo)


def _pay_out(
    session: Session, campaign: Campaign, amount_minor: int, actor: Principal
) -> int | None:
    assert campaign.id is not None
    if amount_minor <= 0:
        return None
    transaction = post_transaction(
        session,
        kind=PAYOUT_KIND,
        reference=f"campaign:{campaign.id}",
        lines=[
            debit(campaign_account(campaign.id), amount_minor, campaign.currency),
            credit(payout_account(campaign.id), amount_minor, campaign.currency),
        ],
        actor_account_id=actor.account_id,
        no_overdraft=[campaign_account(campaign.id)],
    )
    return transaction.id


# --- Reconciliation and cancelling -----------------------------------------------------------


def reconcile_backing(
    session: Session,
    *,
    actor: Principal,
    backing_id: int,
    external_reference: str,
    idempotency_key: str,
) -> Backing:
    """Record that an offline backing's money arrived (bank or cash-book reference)."""
    check_key(idempotency_key)
    reference = optional_text(external_reference, field="externalReference", limit=REFERENCE_LIMIT)
    if reference is None:
        raise ServiceError(ErrorCode.REQUIRED, field="externalReference")
    claim = claim_key(
        session,
        operation="campaignBackingReconcile",
        actor=actor,
        key=idempotency_key,
        payload={"backing": backing_id, "externalReference": reference},
    )
    if claim.replay_id is not None:
        replayed = session.get(Backing, claim.replay_id)
        assert replayed is not None
        return replayed
    backing = session.get(Backing, backing_id)
    campaign = session.get(Campaign, backing.campaign_id) if backing else None
    if backing is None or campaign is None or not may_see(actor, campaign):
        raise ServiceError(ErrorCode.NOT_FOUND, field="backing")
    if not may_reconcile(actor, campaign):
        raise ServiceError(ErrorCode.FORBIDDEN, field="backing")
    if get_provider(backing.provider).confirmation != Confirmation.RECONCILIATION:
        # A gateway confirms its own payments by callback; nobody overrides it by hand.
        raise ServiceError(ErrorCode.INVALID_STATE, field="backing")
    payment = session.get(Payment, backing.payment_id)
    assert payment is not None
    try:
        payments.settle(
            session,
            payment=payment,
            outcome=EventOutcome.SUCCEEDED,
            external_reference=reference,
            actor=actor,
        )
    except ServiceError as error:
        raise ServiceError(error.code, field="backing") from None
    session.refresh(backing)
    assert backing.id is not None
    claim.complete(session, result_id=backing.id)
    return backing


def cancel_campaign(
    session: Session,
    *,
    actor: Principal,
    settings: Settings | None,
    campaign_id: int,
    reason: str | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> Campaign:
    """Stop a DRAFT, SUBMITTED or ACTIVE campaign; every received backing is refunded.
    Backings still pending are refunded when (if) their money arrives."""
    check_key(idempotency_key)
    memo = optional_text(reason, field="reason", limit=MESSAGE_LIMIT)
    claim = claim_key(
        session,
        operation="campaignCancel",
        actor=actor,
        key=idempotency_key,
        payload={"campaign": campaign_id, "reason": memo or ""},
    )
    if claim.replay_id is not None:
        replayed = session.get(Campaign, claim.replay_id)
        assert replayed is not None
        return replayed
    now = now or utcnow()
    _lock_campaign(session, campaign_id)
    close_due_campaigns(session, now=now, settings=settings, ids=[campaign_id], flush_stats=False)
    campaign = _organised(session, actor, campaign_id)
    _move(
        session,
        campaign,
        [CampaignStatus.DRAFT, CampaignStatus.SUBMITTED, CampaignStatus.ACTIVE],
        status=CampaignStatus.CANCELLED,
        closed_at=now,
    )
    _refund_all(
        session, campaign, actor=actor, settings=settings, memo=memo or "Campaign cancelled"
    )
    _flush_stats(session)
    assert campaign.id is not None
    record_audit(
        session,
        actor=actor,
        action="campaign.cancelled",
        subject_type=AUDIT_SUBJECT,
        subject_id=campaign.id,
        detail={"reason": memo},
    )
    claim.complete(session, result_id=campaign.id)
    return campaign


# --- Closing at the deadline -----------------------------------------------------------------

SYSTEM = Principal()


@dataclass(frozen=True)
class CloseResult:
    disbursed: list[int]
    refunded: list[int]

    @property
    def closed(self) -> int:
        return len(self.disbursed) + len(self.refunded)


def close_due_campaigns(
    session: Session,
    *,
    now: datetime,
    settings: Settings | None = None,
    ids: Iterable[int] | None = None,
    limit: int | None = None,
    flush_stats: bool = True,
) -> CloseResult:
    """Close ACTIVE campaigns whose deadline has passed (all, or only `ids`), then settle
    them: successes disburse, failures refund every received backing.

    One guarded UPDATE decides every outcome from the rows' own values (all-or-nothing
    succeeds when raised >= goal; keep-what-you-raise when it raised anything), so a
    campaign is closed by exactly one caller however many run at once, and running it
    again closes nothing. `settings` lets providers' refund hooks run (the CLI and the
    API pass it)."""
    due = sa.and_(col(Campaign.status) == CampaignStatus.ACTIVE, col(Campaign.deadline) <= now)
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return CloseResult([], [])
        due = sa.and_(due, col(Campaign.id).in_(wanted))
    # Lock the due rows in id order first (PostgreSQL), so two closers never lock the same
    # campaigns in different orders; the UPDATE below re-checks each row's status.
    locking = select(Campaign.id).where(due).order_by(col(Campaign.id))
    if limit is not None:
        locking = locking.limit(limit)
    locked = [int(i) for (i,) in session.execute(locking.with_for_update()).all()]
    if not locked:
        return CloseResult([], [])
    due = sa.and_(due, col(Campaign.id).in_(locked))
    succeeded = _succeeds()
    closed = session.execute(
        sa.update(Campaign)
        .where(due)
        .values(
            status=sa.case(
                (succeeded, CampaignStatus.SUCCEEDED.value), else_=CampaignStatus.FAILED.value
            ),
            closed_at=now,
        )
        .returning(col(Campaign.id), col(Campaign.status))
        .execution_options(synchronize_session=False)
    ).all()
    disbursed: list[int] = []
    refunded: list[int] = []
    for campaign_id, status in sorted(closed):
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        session.refresh(campaign)
        if status == CampaignStatus.SUCCEEDED:
            amount = balance_of(session, campaign_account(campaign_id), campaign.currency)
            payout_id = _pay_out(session, campaign, amount, SYSTEM)
            _move(
                session,
                campaign,
                [CampaignStatus.SUCCEEDED],
                status=CampaignStatus.DISBURSED,
                payout_transaction_id=payout_id,
            )
            _stat(session, campaign.region_path, metrics.CAMPAIGNS_FUNDED, 1)
            disbursed.append(campaign_id)
        else:
            _refund_all(
                session, campaign, actor=SYSTEM, settings=settings, memo="Campaign missed its goal"
            )
            _move(session, campaign, [CampaignStatus.FAILED], status=CampaignStatus.REFUNDED)
            refunded.append(campaign_id)
    if flush_stats:
        _flush_stats(session)
    return CloseResult(disbursed, refunded)


def _succeeds() -> sa.ColumnElement[bool]:
    """The outcome rule at the deadline, on the row's own values (see close_due_campaigns)."""
    return sa.or_(
        col(Campaign.raised_minor) >= col(Campaign.goal_minor),
        sa.and_(
            col(Campaign.funding_model) == FundingModel.KEEP_WHAT_YOU_RAISE,
            col(Campaign.raised_minor) > 0,
        ),
    )


def shown_status(campaign: Campaign, now: datetime) -> CampaignStatus:
    """The status a read shows. An ACTIVE campaign past its deadline is closed: it shows
    the outcome close_due_campaigns will record (SUCCEEDED or FAILED, the passing states)
    until the closer settles it, so nobody sees ACTIVE past the deadline and no read has
    to write."""
    status = CampaignStatus(campaign.status)
    if status != CampaignStatus.ACTIVE or campaign.deadline > now:
        return status
    succeeds = campaign.raised_minor >= campaign.goal_minor or (
        campaign.funding_model == FundingModel.KEEP_WHAT_YOU_RAISE and campaign.raised_minor > 0
    )
    return CampaignStatus.SUCCEEDED if succeeds else CampaignStatus.FAILED


def shown_status_condition(
    statuses: Iterable[CampaignStatus], now: datetime
) -> sa.ColumnElement[bool]:
    """Campaigns whose shown status (shown_status) is one of `statuses`, as SQL that keeps
    the status index usable: each wanted status is its own branch."""
    overdue = sa.and_(col(Campaign.status) == CampaignStatus.ACTIVE, col(Campaign.deadline) <= now)
    branches: list[sa.ColumnElement[bool]] = []
    for status in sorted(set(statuses)):
        if status == CampaignStatus.ACTIVE:
            branches.append(sa.and_(col(Campaign.status) == status, col(Campaign.deadline) > now))
        elif status == CampaignStatus.SUCCEEDED:
            branches.append(sa.or_(col(Campaign.status) == status, sa.and_(overdue, _succeeds())))
        elif status == CampaignStatus.FAILED:
            branches.append(
                sa.or_(col(Campaign.status) == status, sa.and_(overdue, sa.not_(_succeeds())))
            )
        else:
            branches.append(col(Campaign.status) == status)
    return sa.or_(*branches) if branches else sa.false()


def due_campaign_ids(
    session: Session, *, now: datetime, ids: Iterable[int] | None = None, limit: int = 50
) -> list[int]:
    """ACTIVE campaigns past their deadline (a cheap index read), oldest deadline first."""
    statement = select(Campaign.id).where(
        Campaign.status == CampaignStatus.ACTIVE, col(Campaign.deadline) <= now
    )
    if ids is not None:
        statement = statement.where(col(Campaign.id).in_(sorted(set(ids))))
    rows = session.exec(
        statement.order_by(col(Campaign.deadline), col(Campaign.id)).limit(limit)
    ).all()
    return [int(i) for i in rows if i is not None]


# --- Donations ---------------------------------------------------------------------------------


class CampaignDonationSource:
    """Campaigns as a donation target kind, so a campaign's global ID is understood by
    donationCreate, which refuses it: campaigns are funded only through campaignBack, whose
    backings count toward the goal and are refunded if it fails. One money path."""

    type_name = "Campaign"
    account_prefix = "campaign"

    def accepting(self, session: Session, target_id: int) -> Target:
        raise ServiceError(
            ErrorCode.INVALID_STATE,
            field="target",
            message=N_("Campaigns are backed with campaignBack, not donated to."),
        )

    def titles(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        rows = session.exec(
            select(Campaign.id, Campaign.title)
            .where(col(Campaign.id).in_(sorted(set(ids))))
            .where(public_campaigns_condition())
        ).all()
        return {int(i): title for i, title in rows if i is not None}

    def managers(self, session: Session, ids: Iterable[int]) -> dict[int, int]:
        rows = session.exec(
            select(Campaign.id, Campaign.organiser_helper_id).where(
                col(Campaign.id).in_(sorted(set(ids)))
            )
        ).all()
        return {int(i): int(h) for i, h in rows if i is not None and h is not None}


register_target_source(TargetKind.CAMPAIGN, CampaignDonationSource())
