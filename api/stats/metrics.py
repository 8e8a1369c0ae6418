"""Names of the counters kept in `region_stat`. Each is bumped by the service that changes
the underlying fact, for the household's region, every ancestor, and the instance (0)."""

from __future__ import annotations

INSTANCE_SCOPE = 0

HOUSEHOLDS_REGISTERED = "households_registered"
HOUSEHOLDS_LIFTED_OUT = "households_lifted_out"  # current count: +1 on lift, -1 on relapse
HELPERS_REGISTERED = "helpers_registered:"  # + kind, instance scope only
REQUESTS_MADE = "requests_made"  # left draft (submitted for verification)
REQUESTS_PUBLISHED_BY_DAY = "requests_published_by_day"  # bucket = publication day number
REQUESTS_ANSWERED_90D_BY_DAY = "requests_answered_90d_by_day"  # bucket = publication day
REQUESTS_MET = "requests_met"  # receipt confirmed
DAYS_TO_FIRST_PLEDGE = "days_to_first_pledge"  # histogram, bucket = whole days
PLEDGES_DELIVERED = "pledges_delivered"

ANSWER_WINDOW_DAYS = 90


def helpers_metric(kind: str) -> str:
    return HELPERS_REGISTERED + kind
