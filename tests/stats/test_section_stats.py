"""Section statistics over GraphQL: money by currency, counts, monthly series; all of them
agree with the tables they summarise, and cost the same at any size."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import col

from api.core.roles import Role
from api.demo.generate import generate_demo_data
from api.donation.models import Donation, DonationStatus
from api.households.models import HouseholdStatusChange, PovertyStatus
from tests import factories

TODAY = date(2026, 3, 1)
SECTIONS = """
query {
  stats {
    moneyDonated { amountMinor currency formatted }
    mallSales { amountMinor currency }
    householdsWithEbusinessIncome
    mallOrdersCompleted
    campaignsFunded
    pairingsActive
    enterprisesPaired
    villagesPaired
  }
}
"""
MONTHLY = """
query($series: StatsSeries!, $from: Date!, $to: Date!) {
  stats {
    monthly(series: $series, from: $from, to: $to) {
      month count amounts { amountMinor currency } suppressed
    }
  }
}
"""


@pytest.fixture
def demo(backend, engine, settings):
    generate_demo_data(engine, households=150, seed=4, today=TODAY, instance=settings.instance)


@pytest.fixture
def admin(demo, engine, settings) -> str:
    """Exact figures, small ones included, are for staff covering the area: for the whole
    instance, platform admins."""
    return factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="stats@example.org").token


def test_money_donated_equals_the_received_donations(api, demo, session, admin):
    received = dict(
        session.execute(
            sa.select(col(Donation.currency), sa.func.sum(col(Donation.amount_minor)))
            .where(col(Donation.status) == DonationStatus.RECEIVED)
            .group_by(col(Donation.currency))
        ).all()
    )
    stats = api.data(SECTIONS, token=admin)["stats"]
    assert received, "the demo should have received donations"
    assert {m["currency"]: m["amountMinor"] for m in stats["moneyDonated"]} == received
    assert stats["mallSales"] and stats["mallOrdersCompleted"] > 0
    assert stats["householdsWithEbusinessIncome"] > 0


def test_the_monthly_donations_add_up_to_the_total(api, demo):
    total = {m["currency"]: m["amountMinor"] for m in api.data(SECTIONS)["stats"]["moneyDonated"]}
    months = api.data(
        MONTHLY, {"series": "MONEY_DONATED", "from": "2017-01-01", "to": "2026-12-31"}
    )["stats"]["monthly"]
    assert len(months) == 120 and months[0]["month"] == "2017-01"
    summed: dict[str, int] = {}
    for month in months:
        assert month["count"] == 0
        for amount in month["amounts"]:
            summed[amount["currency"]] = summed.get(amount["currency"], 0) + amount["amountMinor"]
    assert summed == total


def test_households_lifted_out_by_month_counts_each_recorded_lift(api, demo, session, admin):
    lifts = (
        session.execute(
            sa.select(col(HouseholdStatusChange.effective_on)).where(
                col(HouseholdStatusChange.status) == PovertyStatus.LIFTED_OUT
            )
        )
        .scalars()
        .all()
    )
    first, last = min(lifts), max(lifts)
    series = {"series": "HOUSEHOLDS_LIFTED_OUT", "from": str(first), "to": str(last)}
    months = api.data(MONTHLY, series, token=admin)["stats"]["monthly"]
    assert sum(m["count"] for m in months) == len(lifts)
    # The public sees the months with fewer lifts than the threshold withheld, not as 0.
    public = api.data(MONTHLY, series)["stats"]["monthly"]
    assert [m["count"] for m in public] == [m["count"] if m["count"] >= 5 else None for m in months]
    assert {m["suppressed"] for m in public if m["count"] is None} == {"SMALL_COUNT"}


@pytest.mark.parametrize(
    ("start", "end"), [("2026-05-01", "2026-04-30"), ("2000-01-01", "2026-01-01")]
)
def test_a_backwards_or_too_long_range_is_bad_input(api, demo, start, end):
    body = api.post(MONTHLY, {"series": "MALL_SALES", "from": start, "to": end})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_section_stats_cost_a_constant_number_of_statements(api, demo, sql_counter):
    sql_counter.reset()
    api.data(SECTIONS)
    assert sql_counter.count == 2  # the registry snapshot, then all section totals
    sql_counter.reset()
    api.data(MONTHLY, {"series": "MALL_SALES", "from": "2017-01-01", "to": "2026-12-31"})
    assert sql_counter.count == 2  # the registry snapshot, then the series
