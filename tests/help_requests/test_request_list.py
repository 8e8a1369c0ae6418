"""Finding requests: each filter, each ordering walked page by page (no duplicates, no
gaps), and a page costing the same number of statements whatever its size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from api.core.db import unit_of_work, utcnow
from api.help_requests import service
from api.help_requests.models import HelpRequest
from api.helpers.models import Helper
from api.helpers.service import update_helper_profile
from tests import factories
from tests.help_requests import factories as f

LIST = """
query($filter: HelpRequestFilter, $orderBy: HelpRequestOrder, $first: Int!, $after: String) {
  helpRequests(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    nodes { id title { text } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def titles(api, filter=None, token=None, order_by=None) -> list[str]:
    body = api.data(LIST, {"filter": filter, "orderBy": order_by, "first": 100}, token=token)
    return [n["title"]["text"] for n in body["helpRequests"]["nodes"]]


def walk(api, order_by, *, token=None, size=2, filter=None) -> list[str]:
    """Every title, following `endCursor` page by page."""
    seen: list[str] = []
    after = None
    while True:
        page = api.data(
            LIST,
            {"filter": filter, "orderBy": order_by, "first": size, "after": after},
            token=token,
        )["helpRequests"]
        seen += [n["title"]["text"] for n in page["nodes"]]
        assert len(page["nodes"]) <= size
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    """Published requests: two in C1 (ILLNESS household), two in C2 (DISABILITY)."""
    f.published(world, title="fees", category="EDUCATION", target_minor=20_000)
    f.published(
        world,
        title="rice",
        category="DAILY_GOODS",
        description="Rice 100% needed",
        items=[service.Item("Rice", 2, "bags")],
    )
    f.published(
        world,
        household=world.other_household,
        title="clinic",
        category="MEDICAL",
        target_minor=80_000,
    )
    f.published(
        world,
        household=world.other_household,
        title="euro",
        category="MEDICAL",
        target_minor=50_000,
        currency="CNY",
    )


def region_id(world, code):
    return f.gid("Region", world.regions[code].id)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({}, {"fees", "rice", "clinic", "euro"}),
        ({"region": "P1-A-C2"}, {"clinic", "euro"}),
        ({"region": "P1"}, {"fees", "rice", "clinic", "euro"}),
        ({"region": "P2"}, set()),
        ({"cause": "DISABILITY"}, {"clinic", "euro"}),
        ({"cause": "ILLNESS"}, {"fees", "rice"}),
        ({"category": "MEDICAL"}, {"clinic", "euro"}),
        ({"status": ["OPEN"]}, {"fees", "rice", "clinic", "euro"}),
        ({"status": ["DRAFT", "FULFILLED"]}, set()),
        ({"amount": {"currency": "USD"}}, {"fees", "clinic"}),
        ({"amount": {"currency": "USD", "min": 20_001}}, {"clinic"}),
        ({"amount": {"currency": "USD", "max": 20_000}}, {"fees"}),
        ({"amount": {"currency": "CNY", "min": 1, "max": 100_000}}, {"euro"}),
        ({"text": "RICE"}, {"rice"}),
        ({"text": "COMING school"}, {"fees", "clinic", "euro"}),
        ({"text": "100%"}, {"rice"}),
        ({"text": "%"}, {"rice"}),  # a literal percent sign, not a wildcard
        ({"text": "_"}, set()),
        ({"cause": "DISABILITY", "category": "MEDICAL", "amount": {"currency": "CNY"}}, {"euro"}),
    ],
)
def test_filters(api, world, catalogue, condition, expected):
    given = dict(condition)
    if "region" in given:
        given["region"] = region_id(world, given["region"])
    assert set(titles(api, given)) == expected


def test_an_unknown_region_matches_nothing_and_a_wrong_id_is_a_bad_input(api, world, catalogue):
    assert titles(api, {"region": f.gid("Region", 9999)}) == []
    body = api.post(LIST, {"filter": {"region": f.gid("Household", "X")}, "first": 5})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = api.post(LIST, {"filter": {"amount": {"currency": "DOLLARS"}}, "first": 5})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def set_preferences(world, **preferences):
    with unit_of_work(world.engine) as session:
        helper = session.get(Helper, world.helper.helper_id)
        update_helper_profile(
            session, instance=world.settings.instance, helper=helper, **preferences
        )


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        ({}, {"fees", "rice", "clinic", "euro"}),
        ({"preferred_region_ids": ["P1-A-C2"]}, {"clinic", "euro"}),
        ({"preferred_region_ids": ["P1-A-C1", "P2"]}, {"fees", "rice"}),
        ({"preferred_causes": ["DISABILITY", "SCHOOLING"]}, {"clinic", "euro"}),
        ({"preferred_categories": ["EDUCATION", "DAILY_GOODS"]}, {"fees", "rice"}),
        ({"budget_minor": 30_000, "budget_currency": "USD"}, {"fees", "rice"}),
        ({"budget_minor": 50_000, "budget_currency": "CNY"}, {"rice", "euro"}),
        (
            {
                "preferred_region_ids": ["P1-A-C2"],
                "budget_minor": 100_000,
                "budget_currency": "USD",
            },
            {"clinic"},
        ),
    ],
)
def test_matching_my_preferences(api, world, catalogue, preferences, expected):
    preferences = dict(preferences)  # the parameters are shared by both backends
    if "preferred_region_ids" in preferences:
        preferences["preferred_region_ids"] = [
            world.regions[code].id for code in preferences["preferred_region_ids"]
        ]
    set_preferences(world, **preferences)
    found = titles(api, {"matchingMyPreferences": True}, token=world.helper.token)
    assert set(found) == expected
    everything = titles(api, {"matchingMyPreferences": False}, token=world.helper.token)
    assert set(everything) == {"fees", "rice", "clinic", "euro"}


def test_the_budget_counts_what_is_still_to_pledge(api, world, catalogue):
    clinic = f.published(world, household=world.other_household, title="big", target_minor=90_000)
    f.pledge(world, clinic, amount=70_000, helper=world.other_helper)
    set_preferences(world, budget_minor=25_000, budget_currency="USD")
    found = titles(api, {"matchingMyPreferences": True}, token=world.helper.token)
    assert set(found) == {"fees", "rice", "big"}


@pytest.mark.parametrize(("who", "code"), [("anonymous", "UNAUTHENTICATED"), ("rep", "FORBIDDEN")])
def test_only_helpers_have_preferences(api, world, who, code):
    actor = world.people()[who]
    body = api.post(
        LIST,
        {"filter": {"matchingMyPreferences": True}, "first": 5},
        token=actor.token if actor else None,
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


# --- Orderings -------------------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """Seven published requests with distinct publication times, repeated urgencies and
    deadlines (some none), one fully pledged; ids do not follow publication order."""
    now = utcnow()
    today = now.date()
    spec = [
        # title, days since publication, urgency, deadline in days (None: no deadline)
        ("a", 5, "LOW", 30),
        ("b", 1, "CRITICAL", None),
        ("c", 9, "HIGH", 10),
        ("d", 3, "HIGH", 10),
        ("e", 7, "MEDIUM", None),
        ("f", 2, "CRITICAL", 60),
        ("g", 4, "MEDIUM", 5),
    ]
    rows = {}
    for title, age, urgency, deadline in spec:
        request_id = f.published(
            world,
            title=title,
            urgency=urgency,
            target_minor=10_000,
            deadline=today + timedelta(days=deadline) if deadline is not None else None,
            published_at=now - timedelta(days=age),
        )
        rows[title] = request_id
    f.pledge(world, rows["d"], amount=10_000)  # fully pledged: not "unmet"
    return {title: f.request_row(world.engine, i) for title, i in rows.items()}


def expected_order(rows: dict[str, HelpRequest], field: str, descending: bool) -> list[str]:
    items = list(rows.items())
    if field == "NEWEST":
        key = lambda item: (item[1].published_at or item[1].created_at, item[1].id)  # noqa: E731
    elif field == "MOST_URGENT":
        key = lambda item: (item[1].urgency_rank, item[1].id)  # noqa: E731
    elif field == "OLDEST_UNMET":
        items = [i for i in items if i[1].status == "OPEN"]
        key = lambda item: (item[1].published_at, item[1].id)  # noqa: E731
    else:
        items = [i for i in items if i[1].deadline is not None]
        key = lambda item: (item[1].deadline, item[1].id)  # noqa: E731
    return [title for title, _ in sorted(items, key=key, reverse=descending)]


NATURAL = {"NEWEST": True, "MOST_URGENT": True, "OLDEST_UNMET": False, "DEADLINE_SOONEST": False}


@pytest.mark.parametrize("field", list(NATURAL))
@pytest.mark.parametrize("direction", [None, "ASC", "DESC"])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_each_ordering_pages_without_duplicates_or_gaps(api, spread, field, direction, size):
    order_by = {"field": field} if direction is None else {"field": field, "direction": direction}
    descending = NATURAL[field] if direction is None else direction == "DESC"
    seen = walk(api, order_by, size=size)
    assert seen == expected_order(spread, field, descending)


def test_natural_orders_read_as_their_names(api, spread):
    assert walk(api, {"field": "NEWEST"})[:3] == ["b", "f", "d"]
    assert walk(api, {"field": "MOST_URGENT"})[:2] == ["f", "b"]  # equal urgency: newer id
    assert walk(api, {"field": "OLDEST_UNMET"}) == ["c", "e", "a", "g", "f", "b"]
    assert walk(api, {"field": "DEADLINE_SOONEST"})[:1] == ["g"]
    assert titles(api) == walk(api, {"field": "NEWEST"})  # the default


def test_newest_orders_unpublished_requests_by_creation_for_staff(api, world, spread):
    f.draft(world, title="draft")
    f.submitted(world, title="pending")
    with Session(world.engine) as session:
        rows = {row.title: row for row in session.exec(select(HelpRequest)).all()}
    assert len(rows) == len(spread) + 2
    seen = walk(api, {"field": "NEWEST"}, token=world.caseworker.token, size=2)
    assert seen[:2] == ["pending", "draft"]
    assert seen == expected_order(rows, "NEWEST", True)
    assert walk(api, {"field": "NEWEST"}, token=world.helper.token) == expected_order(
        spread, "NEWEST", True
    )


def test_orderings_combine_with_filters(api, world, spread):
    order_by = {"field": "DEADLINE_SOONEST", "direction": "DESC"}
    seen = walk(api, order_by, filter={"status": ["OPEN"]}, size=2)
    open_rows = {t: r for t, r in spread.items() if r.status == "OPEN"}
    assert seen == expected_order(open_rows, "DEADLINE_SOONEST", True)


def test_bad_cursors_and_page_sizes_are_refused(api, world, spread):
    body = api.post(LIST, {"first": 2, "after": "not-a-cursor"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_CURSOR"
    body = api.post(LIST, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


# --- Cost ------------------------------------------------------------------------------------

PAGE_OF_50 = """
{ helpRequests(first: 50) { nodes {
    id title { text } urgency status pledgeCount
    category { label }
    target { formatted }
    household {
      publicCode region { name } causes { label } openRequests { title { text } } thanks { message }
    }
} } }"""


def more_requests(world, engine, settings, count: int) -> None:
    """`count` published requests spread over new households in both counties."""
    households = [
        factories.household(
            engine,
            settings,
            world.regions["P1-A-C1-T-V" if i % 2 else "P1-A-C2-T-V"],
            head_name=f"Head {i}",
            causes=["ILLNESS", "SCHOOLING"] if i % 3 else ["DISABILITY"],
        )[0]
        for i in range(max(1, count // 5))
    ]
    admin = world.principal(world.admin)
    with unit_of_work(engine) as session:
        for i in range(count):
            row = service.create_request(
                session,
                actor=admin,
                instance=settings.instance,
                household_id=households[i % len(households)],
                details=f.details(title=f"r{i}", category=["MEDICAL", "HOUSING"][i % 2]),
            )
            service.submit_request(session, actor=admin, request_id=row.id)
            service.verify_request(session, actor=admin, request_id=row.id, approve=True)


@pytest.mark.parametrize("who", ["anonymous", "caseworker"])
def test_a_page_costs_the_same_statements_for_5_or_50_requests(
    api, world, engine, settings, sql_counter, who
):
    actor = world.people()[who]
    token = actor.token if actor else None
    more_requests(world, engine, settings, 5)
    sql_counter.reset()
    assert len(api.data(PAGE_OF_50, token=token)["helpRequests"]["nodes"]) == 5
    few = sql_counter.count
    more_requests(world, engine, settings, 45)
    f.pledge(world, f.published(world, title="pledged"), amount=1_000)
    sql_counter.reset()
    assert len(api.data(PAGE_OF_50, token=token)["helpRequests"]["nodes"]) == 50
    assert sql_counter.count == few
