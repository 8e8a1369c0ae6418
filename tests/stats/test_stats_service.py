"""Statistics: counters kept by `bump`, read at constant cost, and rebuilt from the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from strawberry import relay

from api.core.db import unit_of_work
from api.core.settings import Settings
from api.demo.generate import generate_demo_data
from api.help_requests.models import HelpRequest
from api.helpers.models import Helper
from api.households.models import Household, HouseholdStatusChange, PovertyStatus
from api.pledges.models import Pledge
from api.regions.models import Region
from api.stats.metrics import (
    DAYS_TO_FIRST_PLEDGE,
    HOUSEHOLDS_LIFTED_OUT,
    HOUSEHOLDS_REGISTERED,
    INSTANCE_SCOPE,
    PLEDGES_DELIVERED,
    REQUESTS_ANSWERED_90D_BY_DAY,
    REQUESTS_MADE,
    REQUESTS_MET,
    REQUESTS_PUBLISHED_BY_DAY,
    helpers_metric,
)
from api.stats.models import RegionStat
from api.stats.sections import HOUSEHOLDS_LIFTED_OUT_BY_MONTH
from api.stats.service import (
    answered_in_window,
    bump,
    day_number,
    histogram_median,
    read_stats,
    rebuild_stats,
    whole_days_between,
)
from tests import factories
from tests.conftest import Backend, GraphQLClient, StatementCounter

TODAY = date(2026, 3, 1)
STAT = RegionStat.__table__  # type: ignore[attr-defined]


def stat_rows(session: Session) -> dict[tuple[int, str, int], int]:
    """Every non-zero counter; incremental bumps may leave zero rows, which read the same."""
    rows = session.execute(sa.select(STAT.c.scope_id, STAT.c.metric, STAT.c.bucket, STAT.c.value))
    return {(s, m, b): v for s, m, b, v in rows if v != 0}


# --- bump and read_stats -------------------------------------------------------------------


def test_a_count_in_a_region_shows_in_its_ancestors_and_the_instance_not_in_siblings(
    engine: Engine, settings: Settings
) -> None:
    # given two sibling counties under one prefecture, and a household in the first
    regions = factories.region_tree(engine, settings)
    factories.household(engine, settings, regions["P1-A-C1-T-V"])
    with unit_of_work(engine) as session:
        bump(session, None, helpers_metric("ENTERPRISE"), 3)

    # when reading each scope
    with Session(engine) as session:

        def households_in(code: str | None) -> int:
            scope = regions[code].id if code else INSTANCE_SCOPE
            assert scope is not None
            return read_stats(session, scope_id=scope, today=TODAY).households_registered

        # then the village, its ancestors and the instance count it; the sibling does not
        assert households_in("P1-A-C1-T-V") == 1
        assert households_in("P1-A-C1") == 1
        assert households_in("P1") == 1
        assert households_in(None) == 1
        assert households_in("P1-A-C2") == 0
        assert households_in("P2") == 0
        # and helpers have no region: every scope shows the instance figures, all kinds listed
        sibling = read_stats(session, scope_id=regions["P1-A-C2"].id or 0, today=TODAY)
        assert sibling.helpers_by_kind == {"INDIVIDUAL": 0, "ENTERPRISE": 3, "ORGANISATION": 0}


def test_an_empty_instance_reads_zeros_and_no_shares(session: Session) -> None:
    snapshot = read_stats(session, scope_id=INSTANCE_SCOPE, today=TODAY)
    assert snapshot.households_registered == 0
    assert snapshot.requests_made == snapshot.requests_met == snapshot.pledges_delivered == 0
    assert snapshot.answered_within_90_days_share is None
    assert snapshot.median_days_to_first_pledge is None


def test_share_counts_only_closed_cohorts_and_median_comes_from_the_histogram(
    session: Session,
) -> None:
    # given requests published on days with closed and still-open 90-day windows
    today = day_number(TODAY)
    path = "/7/8/"
    published = {today - 200: 3, today - 100: 1, today - 90: 1, today - 89: 2, today - 3: 5}
    answered = {today - 200: 1, today - 90: 1, today - 89: 2, today - 3: 4}
    for day, count in published.items():
        bump(session, path, REQUESTS_PUBLISHED_BY_DAY, count, bucket=day)
    for day, count in answered.items():
        bump(session, path, REQUESTS_ANSWERED_90D_BY_DAY, count, bucket=day)
    for days, count in {0: 1, 2: 2, 10: 1}.items():
        bump(session, path, DAYS_TO_FIRST_PLEDGE, count, bucket=days)
    session.commit()

    # when reading the region and the instance
    for scope in (7, 8, INSTANCE_SCOPE):
        snapshot = read_stats(session, scope_id=scope, today=TODAY)
        # then only cohorts published at least 90 days ago count: (1 + 1) / (3 + 1 + 1)
        assert snapshot.answered_within_90_days_share == pytest.approx(0.4)
        # and the median of [0, 2, 2, 10] is 2
        assert snapshot.median_days_to_first_pledge == 2.0
    assert read_stats(session, scope_id=9, today=TODAY).answered_within_90_days_share is None


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({5: 0}, None),
        ({4: 1}, 4.0),
        ({1: 1, 4: 1}, 2.5),
        ({1: 1, 3: 1, 30: 1}, 3.0),
        ({0: 2, 7: 2}, 3.5),
        ({0: 3, 7: 2}, 0.0),
        ({9: 1, 0: 1, 5: 2}, 5.0),
    ],
)
def test_histogram_median(histogram: dict[int, int], median: float | None) -> None:
    assert histogram_median(histogram) == median


def test_whole_days_round_down_and_the_window_excludes_day_90() -> None:
    start = datetime(2025, 1, 1, 23, 59, 59, 999_999, tzinfo=UTC)
    assert whole_days_between(start, start + timedelta(days=1, microseconds=-1)) == 0
    assert whole_days_between(start, start + timedelta(days=1)) == 1
    assert answered_in_window(start, start + timedelta(days=90, microseconds=-1))
    assert not answered_in_window(start, start + timedelta(days=90))


def test_read_stats_runs_one_statement_whatever_the_size(
    backend: Backend, engine: Engine, settings: Settings, sql_counter: StatementCounter
) -> None:
    statements: dict[tuple[int, str], int] = {}
    for households in (50, 500):
        backend.truncate()
        generate_demo_data(
            engine, households=households, seed=3, today=TODAY, instance=settings.instance
        )
        with Session(engine) as session:
            county = session.execute(
                sa.select(col(Region.id)).where(col(Region.level) == 3).limit(1)
            ).scalar_one()
            for name, scope in (("county", county), ("instance", INSTANCE_SCOPE)):
                sql_counter.reset()
                snapshot = read_stats(session, scope_id=scope, today=TODAY)
                statements[(households, name)] = sql_counter.count
                assert snapshot.households_registered > 0
    assert set(statements.values()) == {1}, statements


# --- rebuild_stats ---------------------------------------------------------------------------


def replay_bumps(session: Session) -> None:
    """What the domain services do, event by event, replayed from the rows with `bump`."""
    session.execute(sa.delete(STAT))
    paths = {
        region_id: path
        for region_id, path in session.execute(sa.select(col(Region.id), col(Region.path)))
    }
    household_paths = {
        household_id: paths[region_id]
        for household_id, region_id in session.execute(
            sa.select(col(Household.id), col(Household.region_id))
        )
    }
    for household_id, path in household_paths.items():
        bump(session, path, HOUSEHOLDS_REGISTERED)
        history = session.execute(
            sa.select(col(HouseholdStatusChange.status), col(HouseholdStatusChange.effective_on))
            .where(col(HouseholdStatusChange.household_id) == household_id)
            .order_by(col(HouseholdStatusChange.effective_on), col(HouseholdStatusChange.id))
        ).all()
        previous = None
        for status, effective_on in history:
            if status == PovertyStatus.LIFTED_OUT:
                bump(session, path, HOUSEHOLDS_LIFTED_OUT)
                month = effective_on.year * 12 + effective_on.month
                bump(session, path, HOUSEHOLDS_LIFTED_OUT_BY_MONTH, bucket=month)
            elif previous == PovertyStatus.LIFTED_OUT:
                bump(session, path, HOUSEHOLDS_LIFTED_OUT, -1)
            previous = status
    for (kind,) in session.execute(sa.select(col(Helper.kind))):
        bump(session, None, helpers_metric(kind))
    requests = session.execute(
        sa.select(
            col(HelpRequest.region_path),
            col(HelpRequest.status),
            col(HelpRequest.submitted_at),
            col(HelpRequest.published_at),
            col(HelpRequest.first_pledge_at),
        )
    )
    for path, status, submitted_at, published_at, first_pledge_at in requests:
        if submitted_at is not None:  # submission is what bumps REQUESTS_MADE
            bump(session, path, REQUESTS_MADE)
        if published_at is not None:
            bump(session, path, REQUESTS_PUBLISHED_BY_DAY, bucket=day_number(published_at))
            if first_pledge_at is not None:
                days = whole_days_between(published_at, first_pledge_at)
                bump(session, path, DAYS_TO_FIRST_PLEDGE, bucket=days)
                if answered_in_window(published_at, first_pledge_at):
                    bump(
                        session,
                        path,
                        REQUESTS_ANSWERED_90D_BY_DAY,
                        bucket=day_number(published_at),
                    )
        if status == "FULFILLED":
            bump(session, path, REQUESTS_MET)
    delivered = session.execute(
        sa.select(col(HelpRequest.region_path))
        .join(Pledge, col(Pledge.request_id) == col(HelpRequest.id))
        .where(col(Pledge.delivered_at).is_not(None))
    )
    for (path,) in delivered:
        bump(session, path, PLEDGES_DELIVERED)


def add_edge_requests(session: Session) -> None:
    """Requests whose timestamps sit on day and window edges, to the microsecond."""
    household_id, path = session.execute(
        sa.select(col(HelpRequest.household_id), col(HelpRequest.region_path)).limit(1)
    ).one()
    next_id = session.execute(sa.select(sa.func.max(col(HelpRequest.id)))).scalar_one() + 1
    late = datetime(2025, 6, 30, 23, 59, 59, 999_999, tzinfo=UTC)
    early = datetime(2025, 7, 1, 0, 0, 0, 0, tzinfo=UTC)
    delays = [
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(days=1, microseconds=-1),
        timedelta(days=1),
        timedelta(days=90, microseconds=-1),
        timedelta(days=90),
        timedelta(days=89, hours=23, minutes=59, seconds=59, microseconds=500_000),
        timedelta(days=400, seconds=1),
        None,
    ]
    rows: list[dict[str, Any]] = []
    for published in (late, early, datetime(2025, 7, 1, 12, 0, 0, 500_000, tzinfo=UTC)):
        for delay in delays:
            rows.append(
                {
                    "id": next_id + len(rows),
                    "household_id": household_id,
                    "region_path": path,
                    "category": "OTHER",
                    "title": "Edge case",
                    "description": "Timestamps on a day or window edge.",
                    "items": [],
                    "status": "OPEN",
                    "published_at": published,
                    "first_pledge_at": None if delay is None else published + delay,
                    "created_at": published,
                    "updated_at": published,
                }
            )
    session.execute(sa.insert(HelpRequest.__table__), rows)  # type: ignore[attr-defined]


def test_rebuild_gives_exactly_the_incremental_counters(engine: Engine, settings: Settings) -> None:
    # given a generated instance plus requests on day and 90-day-window edges
    with unit_of_work(engine) as session:
        generate_demo_data(session, households=80, seed=11, today=TODAY, instance=settings.instance)
        add_edge_requests(session)
    # and the counters the services' bumps would have produced, event by event
    with unit_of_work(engine) as session:
        replay_bumps(session)
    with Session(engine) as session:
        incremental = stat_rows(session)
    assert {metric for _, metric, _ in incremental} >= {
        HOUSEHOLDS_REGISTERED,
        HOUSEHOLDS_LIFTED_OUT,
        REQUESTS_MADE,
        REQUESTS_MET,
        REQUESTS_PUBLISHED_BY_DAY,
        REQUESTS_ANSWERED_90D_BY_DAY,
        DAYS_TO_FIRST_PLEDGE,
        PLEDGES_DELIVERED,
    }

    # when the counters are rebuilt from the tables
    with unit_of_work(engine) as session:
        rebuild_stats(session)

    # then they are exactly the same
    with Session(engine) as session:
        assert stat_rows(session) == incremental


def test_rebuild_replaces_drifted_counters(engine: Engine, settings: Settings) -> None:
    with unit_of_work(engine) as session:
        generate_demo_data(session, households=30, seed=5, today=TODAY, instance=settings.instance)
    with Session(engine) as session:
        expected = stat_rows(session)
    with unit_of_work(engine) as session:
        bump(session, "/1/", HOUSEHOLDS_REGISTERED, 1000)
        # A core counter in a scope that no longer exists is wiped too. (Counters of the
        # sections are theirs to keep: see test_rebuild_leaves_the_sections_own_counters.)
        bump(session, "/424242/", REQUESTS_MADE)
        rebuild_stats(session)
    with Session(engine) as session:
        assert stat_rows(session) == expected


# --- GraphQL -------------------------------------------------------------------------------

STATS = """
query Stats($region: ID) {
  stats(region: $region) {
    householdsRegistered
    helpersRegistered { kind count }
    requestsMade
    requestsMet
    answeredWithin90DaysShare
    medianDaysToFirstPledge
    pledgesDelivered
    householdsLiftedOut
    region { code }
    suppressed { figure reason }
  }
}
"""


def test_stats_are_public_for_the_instance_and_a_region(
    engine: Engine, settings: Settings, api: GraphQLClient
) -> None:
    # given five households in one county, one elsewhere, and some first-pledge delays
    regions = factories.region_tree(engine, settings)
    for _ in range(5):
        factories.household(engine, settings, regions["P1-A-C1-T-V"])
    factories.household(engine, settings, regions["P2-B"])
    county = regions["P1-A-C1"]
    with unit_of_work(engine) as session:
        for days in (1, 2, 3, 4, 6):
            bump(session, regions["P1-A-C1-T-V"].path, DAYS_TO_FIRST_PLEDGE, bucket=days)

    # when anyone asks, without logging in
    whole = api.data(STATS)["stats"]
    region_id = str(relay.GlobalID("Region", str(county.id)))
    local = api.data(STATS, {"region": region_id})["stats"]
    sibling = api.data(STATS, {"region": str(relay.GlobalID("Region", str(regions["P2"].id)))})

    # then the figures are scoped, helpers listed by kind, and shares null until measurable
    assert whole["householdsRegistered"] == 6
    assert whole["region"] is None
    assert {h["kind"] for h in whole["helpersRegistered"]} == {
        "INDIVIDUAL",
        "ENTERPRISE",
        "ORGANISATION",
    }
    assert whole["answeredWithin90DaysShare"] is None
    assert local["region"] == {"code": "P1-A-C1"}
    assert local["householdsRegistered"] == 5
    assert local["medianDaysToFirstPledge"] == 3
    # and a figure below the threshold is withheld, with the reason, never a silent zero
    assert sibling["stats"]["householdsRegistered"] is None
    assert {"figure": "HOUSEHOLDS_REGISTERED", "reason": "SMALL_COUNT"} in sibling["stats"][
        "suppressed"
    ]
    assert {"figure": "HOUSEHOLDS_REGISTERED", "reason": "SMALL_COUNT"} not in local["suppressed"]


@pytest.mark.parametrize(
    "region",
    [
        str(relay.GlobalID("Region", "999999")),
        str(relay.GlobalID("Household", "1")),
        str(relay.GlobalID("Region", "abc")),
        "not-a-global-id",
    ],
)
def test_an_unknown_region_is_not_found(api: GraphQLClient, region: str) -> None:
    body = api.post(STATS, {"region": region})
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"]


def test_rebuild_leaves_the_sections_own_counters_alone(backend, session):
    """Donations, mall, crowdfunding and pairing keep their counters in their services;
    a rebuild of the registry counters must not wipe them."""
    bump(session, None, "donated:USD", 2_500)
    bump(session, None, HOUSEHOLDS_REGISTERED, 7)  # drifted: no household exists
    session.commit()
    rebuild_stats(session)
    session.commit()
    rows = stat_rows(session)
    assert rows[(INSTANCE_SCOPE, "donated:USD", 0)] == 2_500
    assert (INSTANCE_SCOPE, HOUSEHOLDS_REGISTERED, 0) not in rows
