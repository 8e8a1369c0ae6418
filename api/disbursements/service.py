"""Disbursements: staff record money paid out of a fund to a beneficiary, the household
confirms it arrived, donors see their gift reach its target, and everyone reads the totals.

Who may pay what. Platform admins pay from any fund. Caseworkers pay from the own fund of
a help request, project or campaign whose region lies in their area, never from the
general fund (the instance's money, allocated centrally). A help request pays its
household (from its fund at any status, from the general fund while it is OPEN or
PLEDGED); a project pays itself (from its fund or the general fund, unless CANCELLED); a
DISBURSED campaign pays its beneficiary from what it released (its payout account); a
verified household is paid directly from the general fund only.

Money. A disbursement posts "debit <fund>, credit cash:payouts" (the money leaves the
platform's accounts by transfer, mobile money or cash; the cash accounts together still
equal the funds). The fund is locked first (api/ledger `lock_accounts`), its balance read
and the posting guarded with `no_overdraft`, so concurrent payouts never take more than
it holds; a donation's refund locks the same fund first, so the two never deadlock.

Attribution (what donors see). A fund's payouts are attributed to its RECEIVED donations
first in, first out: oldest `received_at` first, each donation until its whole amount is
paid out. Each share is written once (`donation_disbursement`) and added to the
donation's `disbursed_minor`; the donation's `reached_target_at` is set when its last
share goes. A donation of which anything was paid out can no longer be refunded. Money a
fund holds from elsewhere (a campaign's payout account holds backings) carries no donor.

Figures of a help request, with P = live pledges, H = donations held in its fund, D =
disbursed to the household for it (from its fund or the general fund) and C = what the
household confirmed receiving (pledges and disbursements, `received_amount_minor`):
received = C + H + (D not yet confirmed), i.e. confirmed pledges + H + D;
remaining = max(target - P - H - D, 0)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.idempotency import check_key, claim_key
from api.core.money import MoneyParam
from api.core.roles import Role
from api.core.settings import Instance
from api.core.validation import FieldErrors, check_money, clean_text, optional_text
from api.crowdfunding.models import Campaign, CampaignStatus
from api.crowdfunding.service import (
    payout_account,
    public_campaigns_condition,
    visible_campaigns_condition,
)
from api.disbursements import metrics
from api.disbursements.models import (
    Disbursement,
    DisbursementReceipt,
    DisbursementSource,
    DisbursementTargetKind,
    DonationDisbursement,
)
from api.donation.models import Donation, DonationStatus, TargetKind
from api.donation.targets import account_for
from api.help_requests.models import HelpRequest, RequestStatus
from api.help_requests.service import (
    public_requests_condition,
    speaks_for_household,
    visible_request,
)
from api.households.models import Household, VerificationStatus
from api.households.service import visible_households_condition
from api.ledger.service import (
    GENERAL_FUND,
    balance_of,
    balances_of_many,
    cash_account,
    credit,
    debit,
    lock_accounts,
    post_transaction,
)
from api.projects.models import PUBLIC_PROJECT_STATUSES, Project, ProjectStatus
from api.projects.service import visible_projects_condition
from api.regions.models import Region
from api.stats.disclosure import Withheld, disclosure_for
from api.stats.metrics import INSTANCE_SCOPE, REQUESTS_MET
from api.stats.models import RegionStat
from api.stats.service import bump

AUDIT_SUBJECT = "Disbursement"
DISBURSEMENT_KIND = "DISBURSEMENT"
# Where paid-out money leaves the platform's accounts.
PAYOUT_CASH = cash_account("payouts")
EVIDENCE_LIMIT = 200
NOTE_LIMIT = 500
AMOUNT_FIELD = "amount.amountMinor"
CURRENCY_FIELD = "amount.currency"
# A request's need is open: it may be paid from the general fund, and be met.
OPEN_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.PLEDGED)
# Donations attributed to a payout are read in chunks of this many rows.
ATTRIBUTION_CHUNK = 200
TOO_MUCH = N_("This fund holds {held}: a disbursement cannot be larger.")


@dataclass(frozen=True)
class DisbursementInput:
    target_kind: DisbursementTargetKind
    target_id: int
    source: DisbursementSource
    amount_minor: int
    currency: str
    evidence_reference: str
    note: str | None
    idempotency_key: str


@dataclass(frozen=True)
class Payout:
    """Where a disbursement takes money from and whom it pays, as resolved and allowed."""

    fund_account: str
    # Whose donations the fund holds (kind, id), for attribution; None for a campaign.
    donations_of: tuple[str, int | None] | None
    # The region of the target owning the fund; None for the general fund and campaigns.
    fund_region_path: str | None
    household_id: int | None
    region_path: str
    # The one currency the target takes; None for any instance currency.
    currency: str | None


# --- Visibility ------------------------------------------------------------------------------


def visible_disbursements_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Platform admins all; caseworkers those paid to beneficiaries in their area; a
    household's representative those paid to the household; nobody else any."""
    if principal.is_admin:
        return sa.true()
    if principal.role == Role.CASEWORKER and principal.region_path:
        return col(Disbursement.region_path).startswith(principal.region_path)
    if principal.household_id is not None:
        return col(Disbursement.household_id) == principal.household_id
    return sa.false()


def may_confirm(disbursement: Disbursement) -> bool:
    return disbursement.household_id is not None


# --- Paying out ------------------------------------------------------------------------------


def _source_allowed(actor: Principal, data: DisbursementInput) -> None:
    kind, source = data.target_kind, data.source
    if kind == DisbursementTargetKind.HOUSEHOLD and source != DisbursementSource.GENERAL_FUND:
        # A household has no fund of its own.
        raise ServiceError(ErrorCode.INVALID, field="source")
    if kind == DisbursementTargetKind.CAMPAIGN and source != DisbursementSource.TARGET_FUND:
        # A campaign pays out what it raised, not the general fund's money.
        raise ServiceError(ErrorCode.INVALID, field="source")
    if source == DisbursementSource.GENERAL_FUND and not actor.is_admin:
        raise ServiceError(ErrorCode.FORBIDDEN, field="source")


def _covering(actor: Principal, region_path: str) -> None:
    if not actor.covers_region(region_path):
        raise ServiceError(ErrorCode.FORBIDDEN, field="target")


def _from_general_fund(data: DisbursementInput) -> bool:
    return data.source == DisbursementSource.GENERAL_FUND


def _request_payout(session: Session, actor: Principal, data: DisbursementInput) -> Payout:
    request = visible_request(session, actor, data.target_id)
    if request is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    _covering(actor, request.region_path)
    if request.currency is None:
        # Requests in kind take goods, not money.
        raise ServiceError(ErrorCode.INVALID_STATE, field="target")
    general = _from_general_fund(data)
    if general and request.status not in OPEN_REQUEST_STATUSES:
        raise ServiceError(ErrorCode.INVALID_STATE, field="target")
    own = (TargetKind.HELP_REQUEST.value, request.id)
    return Payout(
        fund_account=GENERAL_FUND if general else account_for(*own),
        donations_of=(TargetKind.GENERAL_FUND.value, None) if general else own,
        fund_region_path=None if general else request.region_path,
        household_id=request.household_id,
        region_path=request.region_path,
        currency=request.currency,
    )


def _project_payout(session: Session, actor: Principal, data: DisbursementInput) -> Payout:
    project = session.exec(
        select(Project).where(Project.id == data.target_id, visible_projects_condition(actor))
    ).first()
    if project is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    _covering(actor, project.region_path)
    if project.status == ProjectStatus.CANCELLED:
        raise ServiceError(ErrorCode.INVALID_STATE, field="target")
    general = _from_general_fund(data)
    own = (TargetKind.PROJECT.value, project.id)
    return Payout(
        fund_account=GENERAL_FUND if general else account_for(*own),
        donations_of=(TargetKind.GENERAL_FUND.value, None) if general else own,
        fund_region_path=None if general else project.region_path,
        household_id=None,
        region_path=project.region_path,
        currency=project.currency,
    )


def _campaign_payout(session: Session, actor: Principal, data: DisbursementInput) -> Payout:
    campaign = session.exec(
        select(Campaign).where(Campaign.id == data.target_id, visible_campaigns_condition(actor))
    ).first()
    if campaign is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    _covering(actor, campaign.region_path)
    if campaign.status != CampaignStatus.DISBURSED or campaign.id is None:
        # Only a campaign that succeeded has released money to its beneficiary.
        raise ServiceError(ErrorCode.INVALID_STATE, field="target")
    return Payout(
        fund_account=payout_account(campaign.id),
        donations_of=None,
        fund_region_path=None,
        household_id=campaign.household_id,
        region_path=campaign.region_path,
        currency=campaign.currency,
    )


def _household_payout(session: Session, actor: Principal, data: DisbursementInput) -> Payout:
    found = session.exec(
        select(Household, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(Household.id == data.target_id, visible_households_condition(actor))
    ).first()
    if found is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    household, path = found
    _covering(actor, path)
    if household.verification_status != VerificationStatus.VERIFIED:
        raise ServiceError(ErrorCode.INVALID_STATE, field="target")
    return Payout(
        fund_account=GENERAL_FUND,
        donations_of=(TargetKind.GENERAL_FUND.value, None),
        fund_region_path=None,
        household_id=household.id,
        region_path=path,
        currency=None,
    )


_RESOLVERS = {
    DisbursementTargetKind.HELP_REQUEST: _request_payout,
    DisbursementTargetKind.PROJECT: _project_payout,
    DisbursementTargetKind.CAMPAIGN: _campaign_payout,
    DisbursementTargetKind.HOUSEHOLD: _household_payout,
}


def _resolve(session: Session, actor: Principal, data: DisbursementInput) -> Payout:
    _source_allowed(actor, data)
    return _RESOLVERS[data.target_kind](session, actor, data)


def _fingerprint(data: DisbursementInput) -> dict[str, object]:
    return {
        "target": [data.target_kind.value, data.target_id],
        "source": data.source.value,
        "amount": [data.amount_minor, data.currency],
        "evidenceReference": data.evidence_reference.strip(),
        "note": (data.note or "").strip(),
    }


def _validate(
    session: Session, actor: Principal, instance: Instance, data: DisbursementInput
) -> tuple[Payout, str, str | None]:
    """The payout as allowed, the evidence and the note; every input error at once."""
    found = FieldErrors()
    money = found.check(
        lambda: check_money(
            instance,
            data.amount_minor,
            data.currency,
            field=AMOUNT_FIELD,
            currency_field=CURRENCY_FIELD,
        )
    )
    payout = found.check(lambda: _resolve(session, actor, data))
    evidence = found.check(
        lambda: clean_text(data.evidence_reference, field="evidenceReference", limit=EVIDENCE_LIMIT)
    )
    note = found.check(lambda: optional_text(data.note, field="note", limit=NOTE_LIMIT))
    if money and payout and payout.currency is not None and payout.currency != data.currency:
        found.add(ErrorCode.CURRENCY_MISMATCH, CURRENCY_FIELD, currency=payout.currency)
    found.raise_if_any()
    assert payout is not None and evidence is not None
    return payout, evidence, note


def _take_from_fund(
    session: Session, actor: Principal, payout: Payout, data: DisbursementInput, memo: str
) -> int:
    """Post the payout against the locked fund; OUT_OF_RANGE naming what it holds when it
    holds less. Returns the ledger transaction's id."""
    amount, currency = data.amount_minor, data.currency
    lock_accounts(session, [(payout.fund_account, currency)])
    held = balance_of(session, payout.fund_account, currency)
    if amount > held:
        raise ServiceError(
            ErrorCode.OUT_OF_RANGE,
            field=AMOUNT_FIELD,
            message=TOO_MUCH,
            held=MoneyParam(max(held, 0), currency),
        )
    transaction = post_transaction(
        session,
        kind=DISBURSEMENT_KIND,
        reference=f"{data.target_kind.value.lower()}:{data.target_id}",
        lines=[debit(payout.fund_account, amount, currency), credit(PAYOUT_CASH, amount, currency)],
        actor_account_id=actor.account_id,
        memo=memo,
        # Checked above under the lock already; the ledger's own guard stays the last word.
        no_overdraft=[payout.fund_account],
    )
    assert transaction.id is not None
    return transaction.id


def create_disbursement(
    session: Session, *, actor: Principal, instance: Instance, data: DisbursementInput
) -> Disbursement:
    """Record a payout (see the module for who may pay what). Replays with the same key and
    input return the first disbursement; nothing new is written."""
    check_key(data.idempotency_key)
    claim = claim_key(
        session,
        operation="disbursementCreate",
        actor=actor,
        key=data.idempotency_key,
        payload=_fingerprint(data),
    )
    if claim.replay_id is not None:
        replayed = session.get(Disbursement, claim.replay_id)
        assert replayed is not None
        return replayed
    payout, evidence, note = _validate(session, actor, instance, data)
    transaction_id = _take_from_fund(session, actor, payout, data, memo=evidence)
    now = utcnow()
    disbursement = Disbursement(
        source=data.source.value,
        fund_account=payout.fund_account,
        fund_region_path=payout.fund_region_path,
        target_kind=data.target_kind.value,
        target_id=data.target_id,
        household_id=payout.household_id,
        region_path=payout.region_path,
        amount_minor=data.amount_minor,
        currency=data.currency,
        evidence_reference=evidence,
        note=note,
        ledger_transaction_id=transaction_id,
        recorded_by_id=actor.account_id,
        created_at=now,
    )
    session.add(disbursement)
    session.flush()
    assert disbursement.id is not None
    amount, currency = data.amount_minor, data.currency
    if payout.donations_of is not None:
        _attribute(session, disbursement, payout.donations_of, now)
        bump(session, payout.fund_region_path, metrics.fund_paid_out_metric(currency), amount)
    bump(session, payout.region_path, metrics.disbursed_metric(currency), amount)
    record_audit(
        session,
        actor=actor,
        action="disbursement.create",
        subject_type=AUDIT_SUBJECT,
        subject_id=disbursement.id,
        detail={"target": disbursement.target_kind, "source": disbursement.source},
    )
    claim.complete(session, result_id=disbursement.id)
    return disbursement


def _attribute(
    session: Session,
    disbursement: Disbursement,
    donations_of: tuple[str, int | None],
    now: datetime,
) -> None:
    """Share the payout among the fund's received donations, oldest first (see module).
    The fund is locked, so no other payout or refund of it runs meanwhile; the guarded
    UPDATE keeps each share within its donation all the same."""
    kind, target_id = donations_of
    left = disbursement.amount_minor
    unpaid = sa.and_(
        col(Donation.target_kind) == kind,
        col(Donation.target_id).is_(None)
        if target_id is None
        else col(Donation.target_id) == target_id,
        col(Donation.currency) == disbursement.currency,
        # The partial index ix_donation_unpaid_by_target has exactly these two conditions.
        sa.text("status = 'RECEIVED' AND disbursed_minor < amount_minor"),
    )
    shares: list[dict[str, int]] = []
    while left > 0:
        rows = session.execute(
            sa.select(Donation.id, Donation.amount_minor, Donation.disbursed_minor)  # type: ignore[call-overload]
            .where(unpaid)
            .order_by(col(Donation.received_at), col(Donation.id))
            .limit(ATTRIBUTION_CHUNK)
        ).all()
        if not rows:
            break  # money from elsewhere: no donor to attribute it to
        for donation_id, amount_minor, disbursed_minor in rows:
            take = min(left, amount_minor - disbursed_minor)
            paid = col(Donation.disbursed_minor) + take
            changed = session.execute(
                sa.update(Donation)
                .where(
                    col(Donation.id) == donation_id,
                    col(Donation.status) == DonationStatus.RECEIVED,
                    paid <= col(Donation.amount_minor),
                )
                .values(
                    disbursed_minor=paid,
                    reached_target_at=sa.case(
                        (paid >= col(Donation.amount_minor), now),
                        else_=col(Donation.reached_target_at),
                    ),
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]  # pragma: no cover
                raise RuntimeError("a donation changed under a locked fund")
            shares.append(
                {
                    "donation_id": donation_id,
                    "disbursement_id": disbursement.id or 0,
                    "amount_minor": take,
                }
            )
            left -= take
            if left == 0:
                break
    if shares:
        session.execute(sa.insert(DonationDisbursement), shares)


# --- The household confirms ------------------------------------------------------------------


def confirm_receipt(session: Session, *, actor: Principal, disbursement_id: int) -> Disbursement:
    """The household (its representative, a caseworker covering it, or an admin) confirms
    a disbursement reached it. For a help request the money then counts as received by
    the household, and the request is met once confirmed money reaches its target."""
    disbursement = session.exec(
        select(Disbursement).where(
            Disbursement.id == disbursement_id, visible_disbursements_condition(actor)
        )
    ).first()
    if disbursement is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="disbursement")
    if disbursement.household_id is None:
        raise ServiceError(ErrorCode.INVALID_STATE, field="disbursement")
    household = session.get(Household, disbursement.household_id)
    assert household is not None
    if not speaks_for_household(session, actor, household):
        raise ServiceError(ErrorCode.FORBIDDEN, field="disbursement")
    table = DisbursementReceipt.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    now = utcnow()
    # One confirmation each: a second (or a concurrent) one inserts nothing.
    inserted = session.execute(
        insert.values(
            disbursement_id=disbursement_id, confirmed_by_id=actor.account_id, confirmed_at=now
        )
        .on_conflict_do_nothing(index_elements=["disbursement_id"])
        .returning(table.c.disbursement_id)
    ).first()
    if inserted is None:
        raise ServiceError(ErrorCode.INVALID_STATE, field="disbursement")
    if disbursement.target_kind == DisbursementTargetKind.HELP_REQUEST:
        _count_for_request(session, disbursement, now)
    record_audit(
        session,
        actor=actor,
        action="disbursement.confirm_receipt",
        subject_type=AUDIT_SUBJECT,
        subject_id=disbursement_id,
    )
    return disbursement


def _count_for_request(session: Session, disbursement: Disbursement, now: datetime) -> None:
    """Confirmed money joins what the household confirmed receiving from pledges, so
    either kind of money can complete the request (see pledges.confirm_receipt)."""
    request_id = disbursement.target_id
    session.execute(
        sa.update(HelpRequest)
        .where(col(HelpRequest.id) == request_id)
        .values(
            received_amount_minor=col(HelpRequest.received_amount_minor)
            + disbursement.amount_minor,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    met = session.execute(
        sa.update(HelpRequest)
        .where(
            col(HelpRequest.id) == request_id,
            col(HelpRequest.status).in_(OPEN_REQUEST_STATUSES),
            col(HelpRequest.received_amount_minor) >= col(HelpRequest.target_amount_minor),
        )
        .values(status=RequestStatus.FULFILLED, fulfilled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if met:
        bump(session, disbursement.region_path, REQUESTS_MET)


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisbursementCriteria:
    """A plain filter of the disbursement list (None: no condition)."""

    target_kind: DisbursementTargetKind | None = None
    target_id: int | None = None
    source: DisbursementSource | None = None
    confirmed: bool | None = None


def _confirmed() -> sa.ColumnElement[bool]:
    return (
        select(DisbursementReceipt.disbursement_id)
        .where(DisbursementReceipt.disbursement_id == Disbursement.id)
        .exists()
    )


def list_statement(principal: Principal, criteria: DisbursementCriteria) -> Any:
    """The disbursements the caller may see that meet the criteria (unordered)."""
    statement = select(Disbursement).where(visible_disbursements_condition(principal))
    if criteria.target_kind == DisbursementTargetKind.HOUSEHOLD:
        # Every payout that reached the household, whatever it was for.
        statement = statement.where(col(Disbursement.household_id) == criteria.target_id)
    elif criteria.target_kind is not None:
        statement = statement.where(
            col(Disbursement.target_kind) == criteria.target_kind.value,
            col(Disbursement.target_id) == criteria.target_id,
        )
    if criteria.source is not None:
        statement = statement.where(col(Disbursement.source) == criteria.source.value)
    if criteria.confirmed is True:
        statement = statement.where(_confirmed())
    elif criteria.confirmed is False:
        statement = statement.where(
            col(Disbursement.household_id).is_not(None), sa.not_(_confirmed())
        )
    return statement


def disbursements_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Disbursement]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Disbursement)
        .where(col(Disbursement.id).in_(wanted))
        .where(visible_disbursements_condition(principal))
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def confirmed_at(session: Session, ids: Iterable[int]) -> dict[int, datetime]:
    """When each disbursement was confirmed, for those that were, in one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(DisbursementReceipt.disbursement_id, DisbursementReceipt.confirmed_at).where(
            col(DisbursementReceipt.disbursement_id).in_(wanted)
        )
    ).all()
    return {disbursement_id: moment for disbursement_id, moment in rows}


@dataclass
class TargetMoney:
    """A target's money per currency: held in its fund, disbursed to it (from its fund or
    the general fund), and of that what the household has not confirmed yet."""

    held: dict[str, int] = field(default_factory=dict)
    disbursed: dict[str, int] = field(default_factory=dict)
    unconfirmed: dict[str, int] = field(default_factory=dict)


def target_money(
    session: Session, kind: DisbursementTargetKind, ids: Iterable[int]
) -> dict[int, TargetMoney]:
    """The money figures of many help requests or projects in two statements: their
    fund balances (the ledger) and what was disbursed to them."""
    wanted = sorted(set(ids))
    found = {target_id: TargetMoney() for target_id in wanted}
    if not wanted:
        return found
    donation_kind = TargetKind(kind.value)
    codes = {account_for(donation_kind, target_id): target_id for target_id in wanted}
    for code, held in balances_of_many(session, codes).items():
        found[codes[code]].held = held
    receipt = DisbursementReceipt.__table__  # type: ignore[attr-defined]
    table = Disbursement.__table__  # type: ignore[attr-defined]
    amount = table.c.amount_minor
    rows = session.execute(
        sa.select(
            table.c.target_id,
            table.c.currency,
            sa.func.sum(amount),
            sa.func.sum(sa.case((receipt.c.disbursement_id.is_(None), amount), else_=0)),
        )
        .select_from(table.outerjoin(receipt, receipt.c.disbursement_id == table.c.id))
        .where(table.c.target_kind == kind.value, table.c.target_id.in_(wanted))
        .group_by(table.c.target_id, table.c.currency)
    ).all()
    for target_id, currency, disbursed, unconfirmed in rows:
        found[target_id].disbursed[currency] = int(disbursed)
        found[target_id].unconfirmed[currency] = int(unconfirmed or 0)
    return found


@dataclass(frozen=True)
class FundFlow:
    currency: str
    paid_out: int
    held: int

    @property
    def received(self) -> int:
        return self.paid_out + self.held


def public_fund_account(session: Session, kind: TargetKind, target_id: int | None) -> str:
    """The ledger account of a fund anyone may read the totals of: the general fund, a
    public help request's, a public project's (any status), a public campaign's payout
    account. Anything else is NOT_FOUND on `target`."""
    if kind == TargetKind.GENERAL_FUND:
        return GENERAL_FUND
    if target_id is not None:
        model: Any
        condition: sa.ColumnElement[bool]
        if kind == TargetKind.HELP_REQUEST:
            model, condition = HelpRequest, public_requests_condition()
        elif kind == TargetKind.PROJECT:
            model, condition = Project, col(Project.status).in_(PUBLIC_PROJECT_STATUSES)
        else:
            model, condition = Campaign, public_campaigns_condition()
        if session.exec(select(model.id).where(model.id == target_id, condition)).first():
            if kind == TargetKind.CAMPAIGN:
                return payout_account(target_id)
            return account_for(kind, target_id)
    raise ServiceError(ErrorCode.NOT_FOUND, field="target")


def fund_flows(session: Session, fund_account: str) -> list[FundFlow]:
    """What a fund paid out and holds per currency, in two statements."""
    held = balances_of_many(session, [fund_account])[fund_account]
    table = Disbursement.__table__  # type: ignore[attr-defined]
    paid = dict(
        session.execute(
            sa.select(table.c.currency, sa.func.sum(table.c.amount_minor))
            .where(table.c.fund_account == fund_account)
            .group_by(table.c.currency)
        ).all()
    )
    currencies = sorted({*held, *paid})
    return [
        FundFlow(currency=c, paid_out=int(paid.get(c, 0)), held=held.get(c, 0))
        for c in currencies
        if held.get(c, 0) or paid.get(c, 0)
    ]


@dataclass(frozen=True)
class AreaMoney:
    """An area's donation money in one currency; a figure is None when withheld, and
    `withheld` says why (the rule of every public statistic, api/stats/disclosure.py)."""

    currency: str
    received: int | None
    disbursed: int | None
    held: int | None
    withheld: Withheld | None


_AREA_METRICS = ("donated:", metrics.DISBURSED, metrics.FUND_PAID_OUT)


def area_money(
    session: Session, principal: Principal, instance: Instance, region: Region | None
) -> list[AreaMoney]:
    """Donations received, disbursed and held in an area (or the instance), per currency,
    from the counters in `region_stat`: constant cost. Privacy, for everyone but staff
    covering the area: below the public level every figure is withheld; above it the paid
    figures are withheld where fewer households than the threshold received money."""
    disclosure = disclosure_for(principal, region, instance)
    scope = INSTANCE_SCOPE if region is None or region.id is None else region.id
    table = RegionStat.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(table.c.metric, sa.func.sum(table.c.value))
        .where(
            table.c.scope_id == scope,
            sa.or_(*(table.c.metric.startswith(p, autoescape=True) for p in _AREA_METRICS)),
        )
        .group_by(table.c.metric)
    ).all()
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for metric, value in rows:
        prefix, currency = metric.split(":", 1)
        figures[currency][prefix + ":"] = int(value or 0)
    below = disclosure.withheld(None)
    paid = below or disclosure.withheld(_households_paid(session, region, instance))
    result = []
    for currency in sorted(figures):
        values = figures[currency]
        if not any(values.values()):
            continue
        received = values["donated:"]
        result.append(
            AreaMoney(
                currency=currency,
                received=None if below else received,
                disbursed=None if paid else values[metrics.DISBURSED],
                held=None if paid else received - values[metrics.FUND_PAID_OUT],
                withheld=paid,
            )
        )
    return result


def _households_paid(session: Session, region: Region | None, instance: Instance) -> int:
    """How many households received money in the area, counted up to the threshold only
    (the question is "fewer than the threshold?"), so the cost stays bounded."""
    table = Disbursement.__table__  # type: ignore[attr-defined]
    households = sa.select(table.c.household_id).where(table.c.household_id.is_not(None))
    if region is not None:
        households = households.where(table.c.region_path.startswith(region.path))
    bounded = households.distinct().limit(max(instance.small_count_threshold, 1)).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(bounded)).scalar_one())
