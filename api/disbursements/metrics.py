"""Counters of disbursements kept in `region_stat` (api/stats), per currency, bucket 0.

"disbursed:USD" is what was paid out to beneficiaries, counted in the beneficiary's region
and its ancestors (and the instance). "fund_paid_out:USD" is what the funds of donation
targets paid out, counted in the region of the target owning the fund (the general fund:
the instance only), so an area's donations still held are "donated:" minus it. Campaign
payouts are not donation money: they count in "disbursed:" only."""

from __future__ import annotations

DISBURSED = "disbursed:"
FUND_PAID_OUT = "fund_paid_out:"


def disbursed_metric(currency: str) -> str:
    return DISBURSED + currency


def fund_paid_out_metric(currency: str) -> str:
    return FUND_PAID_OUT + currency
