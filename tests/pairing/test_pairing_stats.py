"""Pairing counters: kept current by the services and equal to a recount from the tables.
(`Stats` in api/stats reads them per region and as a monthly series.)"""

from __future__ import annotations

from api.core.db import unit_of_work, utcnow
from api.pairing import metrics, service
from tests.pairing import factories as f


def assert_counters_match_a_recount(world):
    with unit_of_work(world.engine) as session:
        recount = {key: value for key, value in metrics.pairing_counts(session).items() if value}
    assert f.stats_table(world.engine, metrics.METRICS) == recount


def counter(world, metric, region_code=None, bucket=0):
    scope = world.regions[region_code].id if region_code else 0
    return f.stats_table(world.engine, (metric,)).get((scope, metric, bucket), 0)


def end_early(world, pairing_id):
    with unit_of_work(world.engine) as session:
        service.end_pairing(
            session,
            actor=world.principal(world.admin),
            pairing_id=pairing_id,
            outcome="ENDED_EARLY",
        )


def test_enterprises_and_villages_are_counted_once_per_area(world):
    # given the enterprise pairs with both villages, and a rival with the first one
    first = f.active(world)
    f.active(world, village=world.other_village)
    rival = f.active(world, enterprise=world.other_enterprise)
    f.proposed(world, enterprise=world.other_enterprise, village=world.other_village)

    # then each enterprise counts once per area, each village once
    assert counter(world, metrics.PAIRINGS_ACTIVE) == 3
    assert counter(world, metrics.ENTERPRISES_PAIRED) == 2
    assert counter(world, metrics.ENTERPRISES_PAIRED, "P1-A") == 2
    assert counter(world, metrics.ENTERPRISES_PAIRED, "P1-A-C1") == 2
    assert counter(world, metrics.ENTERPRISES_PAIRED, "P1-A-C2") == 1
    assert counter(world, metrics.VILLAGES_PAIRED) == 2
    assert counter(world, metrics.VILLAGES_PAIRED, "P1-A-C1-T-V") == 1
    assert_counters_match_a_recount(world)

    # when the enterprise's first pairing ends early
    end_early(world, first)

    # then it is no longer paired in C1, but still in the province through C2
    assert counter(world, metrics.ENTERPRISES_PAIRED, "P1-A-C1") == 1
    assert counter(world, metrics.ENTERPRISES_PAIRED, "P1-A") == 2
    assert counter(world, metrics.VILLAGES_PAIRED, "P1-A-C1-T-V") == 1  # the rival stays
    assert_counters_match_a_recount(world)

    # and when the rival's ends too, the village is no longer paired
    end_early(world, rival)
    assert counter(world, metrics.VILLAGES_PAIRED, "P1-A-C1-T-V") == 0
    assert counter(world, metrics.VILLAGES_PAIRED) == 1
    assert counter(world, metrics.ENTERPRISES_PAIRED) == 1
    assert counter(world, metrics.PAIRINGS_ACTIVE) == 1
    assert_counters_match_a_recount(world)


def test_household_pairings_count_as_pairings_but_pair_no_village(world):
    f.active(world, household=world.household, helper=world.helper)
    assert counter(world, metrics.PAIRINGS_ACTIVE, "P1-A-C1-T-V") == 1
    assert counter(world, metrics.VILLAGES_PAIRED) == 0
    assert counter(world, metrics.ENTERPRISES_PAIRED) == 0
    assert_counters_match_a_recount(world)


def test_starts_are_a_monthly_series_that_endings_do_not_undo(world):
    pairing_id = f.active(world)
    end_early(world, pairing_id)
    bucket = metrics.month_bucket(utcnow())
    assert counter(world, metrics.PAIRINGS_STARTED_BY_MONTH, bucket=bucket) == 1
    assert counter(world, metrics.PAIRINGS_STARTED_BY_MONTH, "P1-A-C1", bucket=bucket) == 1
    assert_counters_match_a_recount(world)
