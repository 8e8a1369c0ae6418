"""The demo data generator: deterministic, complete, internally consistent, reloadable."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from api.accounts.models import Account
from api.core.db import unit_of_work
from api.core.roles import Role
from api.core.security import verify_password
from api.core.settings import Settings
from api.demo.generate import (
    ADMIN_EMAIL,
    CASEWORKER_EMAIL,
    DEMO_PASSWORD,
    HELPER_EMAIL,
    HOUSEHOLD_EMAIL,
    DemoSummary,
    demo_data_present,
    generate_demo_data,
)
from api.help_requests.models import HelpRequest, RequestStatus
from api.helpers.models import Helper, HelperKind
from api.households.models import Household, HouseholdCause, HouseholdStatusChange
from api.households.service import ALLOWED_STATUS_CHANGES
from api.pledges.models import LIVE_PLEDGE_STATUSES, Pledge, PledgeStatus
from api.regions.models import Region
from api.regions.service import create_region
from api.stats.service import read_stats
from tests.conftest import Backend

TODAY = date(2026, 3, 1)
NOW = datetime.combine(TODAY, time(0, 0), tzinfo=UTC)
DOMAIN_TABLES = [
    "region",
    "helper",
    "household",
    "household_cause",
    "household_status_change",
    "household_subsidy",
    "help_request",
    "pledge",
    "region_stat",
]


def generate(engine: Engine, settings: Settings, households: int, seed: int = 1) -> DemoSummary:
    return generate_demo_data(
        engine, households=households, seed=seed, today=TODAY, instance=settings.instance
    )


def rows_of(session: Session, table: str) -> list[tuple[Any, ...]]:
    """All rows in primary-key order, timestamps normalised to UTC."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=session.connection())
    order = list(reflected.primary_key.columns) or list(reflected.columns)
    return [tuple(row) for row in session.execute(sa.select(reflected).order_by(*order))]


def rows(session: Session, model: Any) -> list[Any]:
    return list(session.execute(sa.select(model)).scalars())


@pytest.fixture
def demo(engine: Engine, settings: Settings) -> Iterator[tuple[DemoSummary, Session]]:
    summary = generate(engine, settings, households=300)
    with Session(engine) as session:
        yield summary, session


def test_same_seed_gives_the_same_rows_and_another_seed_differs(
    backend: Backend, engine: Engine, settings: Settings
) -> None:
    snapshots = []
    for seed in (7, 7, 8):
        backend.truncate()
        generate(engine, settings, households=120, seed=seed)
        with Session(engine) as session:
            snapshots.append({table: rows_of(session, table) for table in DOMAIN_TABLES})
    assert snapshots[0] == snapshots[1]
    codes = [{row[1] for row in snapshot["household"]} for snapshot in snapshots]
    assert codes[0] == codes[1]
    assert not codes[0] & codes[2]
    assert snapshots[0]["help_request"] != snapshots[2]["help_request"]


def test_sizes_default_to_the_seed_ratios(engine: Engine, settings: Settings) -> None:
    summary = generate(engine, settings, households=40)
    assert (summary.households, summary.helpers, summary.requests) == (40, 100, 50)
    assert summary.accounts == (ADMIN_EMAIL, CASEWORKER_EMAIL, HELPER_EMAIL, HOUSEHOLD_EMAIL)


def test_every_request_and_pledge_status_is_present(
    demo: tuple[DemoSummary, Session],
) -> None:
    summary, session = demo
    with session:
        request_statuses = set(session.execute(sa.select(col(HelpRequest.status))).scalars())
        pledge_statuses = set(session.execute(sa.select(col(Pledge.status))).scalars())
    assert request_statuses == {status.value for status in RequestStatus}
    assert pledge_statuses == {status.value for status in PledgeStatus}
    assert set(summary.requests_by_status) == request_statuses


def test_money_and_pledges_are_consistent(
    demo: tuple[DemoSummary, Session], settings: Settings
) -> None:
    _, session = demo
    grace = timedelta(days=settings.instance.pledge_grace_days)
    with session:
        requests = rows(session, HelpRequest)
        pledges_by_request: dict[int, list[Pledge]] = defaultdict(list)
        for pledge in rows(session, Pledge):
            pledges_by_request[pledge.request_id].append(pledge)
        helper_created = {h.id: h.created_at for h in rows(session, Helper)}
    unpublished = {RequestStatus.DRAFT, RequestStatus.PENDING_VERIFICATION, RequestStatus.REJECTED}
    for request in requests:
        pledges = pledges_by_request[request.id]
        live = [p for p in pledges if p.status in LIVE_PLEDGE_STATUSES]
        confirmed = [p for p in pledges if p.status == PledgeStatus.CONFIRMED]
        # amounts are whole minor units: pledged = live pledges, received = confirmed ones
        assert request.pledged_amount_minor == sum(p.amount_minor or 0 for p in live)
        assert request.received_amount_minor == sum(p.amount_minor or 0 for p in confirmed)
        if request.target_amount_minor is None:
            assert request.items and request.currency is None
            assert all(p.amount_minor is None and p.kind != "MONEY" for p in pledges)
        else:
            assert isinstance(request.target_amount_minor, int)
            assert request.currency == settings.instance.default_currency
            assert all(p.kind == "MONEY" and p.currency == request.currency for p in pledges)
            if request.status in (RequestStatus.PLEDGED, RequestStatus.FULFILLED):
                assert request.pledged_amount_minor == request.target_amount_minor
            else:
                assert request.pledged_amount_minor < request.target_amount_minor
        # dates follow each other, and nothing is in the future
        if request.status in unpublished or (
            request.status == RequestStatus.WITHDRAWN and request.published_at is None
        ):
            assert request.published_at is None and not pledges
        else:
            assert request.published_at is not None
            assert request.created_at <= request.published_at <= NOW
        if pledges:
            assert request.first_pledge_at == min(p.created_at for p in pledges)
            assert request.published_at is not None
            assert request.published_at <= request.first_pledge_at
        else:
            assert request.first_pledge_at is None
        if request.status == RequestStatus.FULFILLED:
            assert request.received_amount_minor == request.pledged_amount_minor
            assert live and all(p.status == PledgeStatus.CONFIRMED for p in live)
            assert request.fulfilled_at == max(p.confirmed_at for p in live)  # type: ignore[type-var]
        else:
            assert request.fulfilled_at is None
        if request.status == RequestStatus.PLEDGED:
            assert any(p.status != PledgeStatus.CONFIRMED for p in live)
        if request.status in (RequestStatus.EXPIRED, RequestStatus.WITHDRAWN):
            assert not live
        if request.status == RequestStatus.EXPIRED:
            assert request.deadline is not None and request.deadline < TODAY
        assert request.updated_at <= NOW
        for pledge in pledges:
            assert helper_created[pledge.helper_id] <= pledge.created_at <= NOW
            delivered = pledge.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED)
            assert (pledge.delivered_at is not None) == delivered
            assert (pledge.confirmed_at is not None) == (pledge.status == PledgeStatus.CONFIRMED)
            ended = pledge.status in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED)
            assert (pledge.ended_at is not None) == ended
            if pledge.status == PledgeStatus.ACTIVE:
                assert pledge.due_on + grace >= TODAY
            if pledge.status == PledgeStatus.LAPSED:
                assert pledge.ended_at.date() > pledge.due_on + grace  # type: ignore[union-attr]
            if pledge.thank_you_message:
                assert pledge.status == PledgeStatus.CONFIRMED


def test_households_regions_and_histories_are_consistent(
    demo: tuple[DemoSummary, Session], settings: Settings
) -> None:
    _, session = demo
    instance = settings.instance
    with session:
        regions = {r.id: r for r in rows(session, Region)}
        households = rows(session, Household)
        causes: dict[int, list[str]] = defaultdict(list)
        for cause in rows(session, HouseholdCause):
            causes[cause.household_id].append(cause.cause_code)
        histories: dict[int, list[HouseholdStatusChange]] = defaultdict(list)
        for change in session.execute(
            sa.select(HouseholdStatusChange).order_by(col(HouseholdStatusChange.id))
        ).scalars():
            histories[change.household_id].append(change)
        request_paths = set(
            session.execute(sa.select(col(HelpRequest.household_id), col(HelpRequest.region_path)))
        )

    for region in regions.values():
        parent_path = regions[region.parent_id].path if region.parent_id else "/"
        assert region.path == f"{parent_path}{region.id}/"
        assert region.level == (regions[region.parent_id].level + 1 if region.parent_id else 1)
    depth = len(instance.admin_levels)
    code = re.compile(r"^HH-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$")
    assert len({h.public_code for h in households}) == len(households)
    path_of = {}
    for household in households:
        assert code.fullmatch(household.public_code)
        assert regions[household.region_id].level == depth
        path_of[household.id] = regions[household.region_id].path
        assert 1 <= len(causes[household.id]) <= 3
        assert set(causes[household.id]) <= instance.cause_codes()
        history = histories[household.id]
        assert history[0].status == "REGISTERED"
        for before, after in pairwise(history):
            assert after.status in ALLOWED_STATUS_CHANGES[before.status]
            assert before.effective_on <= after.effective_on <= TODAY
        assert household.poverty_status == history[-1].status
        assert isinstance(household.annual_income_per_member_minor, int)
    for household_id, path in request_paths:
        assert path == path_of[household_id]
    verified = sum(h.verification_status == "VERIFIED" for h in households) / len(households)
    assert verified > 0.75


def test_demo_accounts_log_in_with_the_documented_password(
    demo: tuple[DemoSummary, Session],
) -> None:
    _, session = demo
    with session:
        accounts = {a.email: a for a in rows(session, Account)}
        regions = {r.id: r for r in rows(session, Region)}
        assert set(accounts) == {ADMIN_EMAIL, CASEWORKER_EMAIL, HELPER_EMAIL, HOUSEHOLD_EMAIL}
        assert verify_password(accounts[ADMIN_EMAIL].password_hash, DEMO_PASSWORD)
        assert accounts[ADMIN_EMAIL].role == Role.PLATFORM_ADMIN
        caseworker = accounts[CASEWORKER_EMAIL]
        assert caseworker.role == Role.CASEWORKER
        county = regions[caseworker.region_id]
        assert county.level == 3
        representative = accounts[HOUSEHOLD_EMAIL]
        assert representative.role == Role.HOUSEHOLD_REPRESENTATIVE
        household = session.get(Household, representative.household_id)
        assert household is not None
        assert regions[household.region_id].path.startswith(county.path)
        own_statuses = set(
            session.execute(
                sa.select(col(HelpRequest.status)).where(
                    col(HelpRequest.household_id) == household.id
                )
            ).scalars()
        )
        assert own_statuses == {status.value for status in RequestStatus}
        helper_account = accounts[HELPER_EMAIL]
        assert helper_account.role == Role.HELPER
        helper = session.get(Helper, helper_account.helper_id)
        assert helper is not None and helper.kind == HelperKind.INDIVIDUAL


def test_stats_after_generation_look_like_the_seed(demo: tuple[DemoSummary, Session]) -> None:
    summary, session = demo
    with session:
        snapshot = read_stats(session, scope_id=0, today=TODAY)
    assert snapshot.households_registered == summary.households
    assert sum(snapshot.helpers_by_kind.values()) == summary.helpers
    assert snapshot.helpers_by_kind["INDIVIDUAL"] > snapshot.helpers_by_kind["ENTERPRISE"] > 0
    assert snapshot.requests_met == summary.requests_by_status["FULFILLED"]
    assert 0.1 <= snapshot.requests_met / summary.requests <= 0.3
    assert snapshot.answered_within_90_days_share is not None
    assert 0.1 <= snapshot.answered_within_90_days_share <= 0.35


def test_loads_once_and_continues_after_existing_rows(engine: Engine, settings: Settings) -> None:
    # given an instance with one region and an account using a demo email
    with unit_of_work(engine) as session:
        assert not demo_data_present(session)
        create_region(
            session, instance=settings.instance, code="EXISTING", name="Old", parent_id=None
        )
        session.add(
            Account(
                email=ADMIN_EMAIL, password_hash="x", display_name="Owner", role="PLATFORM_ADMIN"
            )
        )
    # when the demo data is loaded
    summary = generate(engine, settings, households=20)
    # then the existing email is left alone and ids continue after existing rows
    assert ADMIN_EMAIL not in summary.accounts
    with unit_of_work(engine) as session:
        assert demo_data_present(session)
        owner = session.execute(
            sa.select(Account).where(col(Account.email) == ADMIN_EMAIL)
        ).scalar_one()
        assert owner.display_name == "Owner"
        # and new rows get fresh ids (PostgreSQL sequences were moved past the explicit ids)
        region = create_region(
            session, instance=settings.instance, code="AFTER-DEMO", name="New", parent_id=None
        )
        largest = session.execute(sa.select(sa.func.max(col(Region.id)))).scalar_one()
        assert region.id == largest
        assert region.id == 1 + summary.regions + 1
