"""The operations the benchmark sends: the headline read, the filtered first page, `stats`,
and the fixed mix of public and authenticated operations.

Documents are constants so the floor (bench/floor.py) can answer exactly these and the
response bodies can be compared byte for byte."""

from __future__ import annotations

import json
from dataclasses import dataclass

# The public needs page as a donor first sees it (issue 11's headline read).
REQUEST_CARD = (
    "nodes { id title { text } urgency status category { label } target { formatted } "
    "household { publicCode membersCount region { name } causes { label } } }"
)
HEADLINE = "{ helpRequests(first: 50) { " + REQUEST_CARD + " } }"
# The first page of open requests in one category: the filter a donor uses most.
FILTERED = (
    '{ helpRequests(first: 50, filter: {status: [OPEN], category: "MEDICAL"}) { '
    + REQUEST_CARD
    + " } }"
)
STATS = (
    "{ stats { householdsRegistered requestsMade requestsMet answeredWithin90DaysShare "
    "medianDaysToFirstPledge pledgesDelivered householdsLiftedOut } }"
)

# Who sends an operation of the mix: nobody, or one of the demo accounts (logged in once
# before timing; their tokens are sent as bearer tokens).
ANONYMOUS = "anonymous"
HELPER = "helper"
CASEWORKER = "caseworker"


@dataclass(frozen=True)
class Operation:
    name: str
    query: str
    as_: str = ANONYMOUS
    variables: dict[str, object] | None = None

    def body(self) -> bytes:
        payload: dict[str, object] = {"query": self.query}
        if self.variables:
            payload["variables"] = self.variables
        return json.dumps(payload, separators=(",", ":")).encode()


# The mix: what a public page view and a logged-in helper's and caseworker's sessions ask,
# in a fixed order that repeats (equal weight each). Every one is a read: repeated for
# minutes, a write would grow the dataset the next run measures.
MIX: tuple[Operation, ...] = (
    Operation("headline", HEADLINE),
    Operation("filtered", FILTERED),
    Operation("stats", STATS),
    Operation(
        "facets",
        "{ helpRequestFacets { total categories { value label count } "
        "urgencies { value count } kinds { value count } } }",
    ),
    Operation(
        "households",
        "{ households(first: 20) { nodes { publicCode membersCount region { name } "
        "causes { label } } } }",
    ),
    Operation(
        "helper.me",
        "{ me { id displayName role helper { id displayName kind } } }",
        HELPER,
    ),
    Operation(
        "helper.matching",
        "{ helpRequests(first: 20, filter: {matchingMyPreferences: true}) { "
        + REQUEST_CARD
        + " } }",
        HELPER,
    ),
    Operation(
        "helper.pledges",
        "{ myPledges(first: 20) { nodes { id status kind amount { formatted } "
        "request { id title { text } } } } }",
        HELPER,
    ),
    Operation(
        "caseworker.requests",
        "{ helpRequests(first: 20, orderBy: {field: MOST_URGENT}) { " + REQUEST_CARD + " } }",
        CASEWORKER,
    ),
    Operation(
        "caseworker.stats",
        "{ me { id role region { name } } stats { householdsRegistered requestsMade } }",
        CASEWORKER,
    ),
)


def login_body(email: str, password: str) -> bytes:
    query = (
        "mutation Login($input: TokenCreateInput!) { tokenCreate(input: $input) "
        "{ token errors { code message } } }"
    )
    return json.dumps(
        {"query": query, "variables": {"input": {"email": email, "password": password}}}
    ).encode()
