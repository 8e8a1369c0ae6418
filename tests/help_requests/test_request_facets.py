"""The donor "Needs" page: filters by urgency and by money or in kind, and the facet counts
beside the list (`helpRequestFacets`), which count exactly the requests the list shows the
same reader, leave out each facet's own filter, never go below the public level for areas
the reader does not cover, come with localized labels, and cost a constant number of
statements."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session

from api.core.auth import ANONYMOUS, Principal
from api.help_requests import facets, matching
from api.regions.models import Region
from tests.help_requests import factories as f
from tests.help_requests.test_request_list import more_requests, set_preferences, titles

FACETS = """
query($filter: HelpRequestFilter) {
  helpRequestFacets(filter: $filter) {
    total
    causes { value label count }
    categories { value label count }
    urgencies { value label count }
    kinds { value label count }
    regions { region { id code name } count }
  }
}"""

PAGE = """
query($filter: HelpRequestFilter, $after: String) {
  helpRequests(filter: $filter, first: 2, after: $after) {
    nodes {
      id urgency category { code } target { currency }
      household { causes { code } region { id } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def catalogue(world):
    """Published: fees and rice (C1, ILLNESS household), clinic and euro (C2, DISABILITY).
    Unpublished: a draft in C1 (its caseworker sees it) and a pending request in C2 (only
    admins see it among these readers)."""
    f.published(world, title="fees", category="EDUCATION", target_minor=20_000, urgency="HIGH")
    f.published(
        world,
        title="rice",
        category="DAILY_GOODS",
        items=[f.requests.Item("Rice", 2, "bags")],
        urgency="CRITICAL",
    )
    f.published(
        world,
        household=world.other_household,
        title="clinic",
        category="MEDICAL",
        target_minor=80_000,
        urgency="HIGH",
    )
    f.published(
        world,
        household=world.other_household,
        title="euro",
        category="MEDICAL",
        target_minor=50_000,
        currency="CNY",
        urgency="LOW",
    )
    f.draft(world, title="draft", category="HOUSING", urgency="CRITICAL")
    f.submitted(world, household=world.other_household, title="pending", category="MEDICAL")


def region_gid(world, code: str) -> str:
    return f.gid("Region", world.regions[code].id)


def with_regions(world, given: dict[str, Any]) -> dict[str, Any]:
    given = dict(given)  # the parameters are shared by both backends
    if "region" in given:
        given["region"] = region_gid(world, given["region"])
    return given


def facet_counts(api, filter=None, token=None, locale=None) -> dict[str, Any]:
    body = api.data(FACETS, {"filter": filter}, token=token, locale=locale)
    return body["helpRequestFacets"]


def nonzero(entries: list[dict[str, Any]]) -> dict[str, int]:
    return {e["value"]: e["count"] for e in entries if e["count"]}


def regions_of(world, found: dict[str, Any]) -> dict[str, int]:
    by_gid = {region_gid(world, code): code for code in world.regions}
    return {by_gid[r["region"]["id"]]: r["count"] for r in found["regions"]}


# --- New filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"urgency": ["HIGH"]}, {"fees", "clinic"}),
        ({"urgency": ["LOW", "CRITICAL"]}, {"rice", "euro"}),
        ({"urgency": ["MEDIUM"]}, set()),
        ({"urgency": []}, {"fees", "rice", "clinic", "euro"}),
        ({"kind": "IN_KIND"}, {"rice"}),
        ({"kind": "MONEY"}, {"fees", "clinic", "euro"}),
        ({"kind": "MONEY", "urgency": ["HIGH"], "category": "MEDICAL"}, {"clinic"}),
        ({"kind": "IN_KIND", "amount": {"currency": "USD"}}, set()),
        ({"kind": "MONEY", "region": "P1-A-C1"}, {"fees"}),
    ],
)
def test_the_list_filters_by_urgency_and_kind(api, world, catalogue, condition, expected):
    assert set(titles(api, with_regions(world, condition))) == expected


def test_an_unknown_kind_or_urgency_is_refused_with_a_code(api, world):
    for condition in ({"kind": "GOODS"}, {"urgency": ["URGENT"]}):
        for document in (FACETS, PAGE):
            body = api.post(document, {"filter": condition})
            assert body["errors"] and all(e["extensions"]["code"] for e in body["errors"])
            assert body.get("data") is None


# --- Facet semantics -------------------------------------------------------------------------


def test_facets_of_the_whole_list(api, world, catalogue):
    found = facet_counts(api)
    assert found["total"] == 4
    assert nonzero(found["categories"]) == {"EDUCATION": 1, "DAILY_GOODS": 1, "MEDICAL": 2}
    assert nonzero(found["causes"]) == {"ILLNESS": 2, "DISABILITY": 2}
    assert [(u["value"], u["count"]) for u in found["urgencies"]] == [
        ("LOW", 1),
        ("MEDIUM", 0),
        ("HIGH", 2),
        ("CRITICAL", 1),
    ]
    assert [(k["value"], k["count"]) for k in found["kinds"]] == [("MONEY", 3), ("IN_KIND", 1)]
    assert regions_of(world, found) == {"P1": 4}
    # Every category and cause of the instance is listed, in the taxonomy's order.
    instance = world.settings.instance
    assert [c["value"] for c in found["categories"]] == [e.code for e in instance.need_categories]
    assert [c["value"] for c in found["causes"]] == [e.code for e in instance.poverty_causes]


def test_each_facet_applies_every_other_condition_but_not_its_own(api, world, catalogue):
    found = facet_counts(api, {"category": "MEDICAL", "urgency": ["HIGH"]})
    assert found["total"] == 1  # clinic
    # Categories: urgency HIGH only (fees, clinic), so the other categories stay visible.
    assert nonzero(found["categories"]) == {"EDUCATION": 1, "MEDICAL": 1}
    # Urgencies: category MEDICAL only (clinic, euro).
    assert nonzero(found["urgencies"]) == {"HIGH": 1, "LOW": 1}
    # The other facets: both conditions.
    assert nonzero(found["causes"]) == {"DISABILITY": 1}
    assert nonzero(found["kinds"]) == {"MONEY": 1}
    assert regions_of(world, found) == {"P1": 1}

    found = facet_counts(api, {"kind": "IN_KIND", "cause": "DISABILITY"})
    assert found["total"] == 0
    assert nonzero(found["kinds"]) == {"MONEY": 2}  # clinic, euro: DISABILITY, any kind
    assert nonzero(found["causes"]) == {"ILLNESS": 1}  # rice: in kind, any cause
    assert regions_of(world, found) == {}


def test_the_region_facet_drills_down_from_the_filters_region(api, world, catalogue):
    assert regions_of(world, facet_counts(api, {"region": region_gid(world, "P1")})) == {"P1-A": 4}
    found = facet_counts(api, {"region": region_gid(world, "P1-A"), "category": "MEDICAL"})
    assert regions_of(world, found) == {"P1-A-C2": 2}
    # The most requests first.
    found = facet_counts(api, {"region": region_gid(world, "P1-A"), "urgency": ["HIGH", "LOW"]})
    assert [r["region"]["code"] for r in found["regions"]] == ["P1-A-C2", "P1-A-C1"]
    assert [r["count"] for r in found["regions"]] == [2, 1]
    assert regions_of(world, facet_counts(api, {"region": region_gid(world, "P2")})) == {}


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def facets_from_the_list(api, world, filter: dict[str, Any], token=None) -> dict[str, Any]:
    """The facet counts computed by paging through `helpRequests` as the reader does: per
    facet, the list with every condition but that facet's own."""

    def nodes(condition: dict[str, Any]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        after = None
        while True:
            page = api.data(PAGE, {"filter": condition, "after": after}, token=token)
            seen += page["helpRequests"]["nodes"]
            if not page["helpRequests"]["pageInfo"]["hasNextPage"]:
                return seen
            after = page["helpRequests"]["pageInfo"]["endCursor"]

    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in filter.items() if k != key}

    by_id = {r.id: r for r in world.regions.values()}
    parent = filter.get("region")
    depth = 0
    if parent is not None:
        depth = len(by_id[pk(parent)].ancestor_ids())
    regions: Counter[str] = Counter()
    for node in nodes(filter):
        ancestors = by_id[pk(node["household"]["region"]["id"])].ancestor_ids()
        if len(ancestors) > depth:  # the list shows the household no finer than this
            regions[by_id[ancestors[depth]].code] += 1
    return {
        "total": len(nodes(filter)),
        "causes": dict(
            Counter(c["code"] for n in nodes(without("cause")) for c in n["household"]["causes"])
        ),
        "categories": dict(Counter(n["category"]["code"] for n in nodes(without("category")))),
        "urgencies": dict(Counter(n["urgency"] for n in nodes(without("urgency")))),
        "kinds": dict(
            Counter("MONEY" if n["target"] else "IN_KIND" for n in nodes(without("kind")))
        ),
        "regions": dict(regions),
    }


@pytest.mark.parametrize(
    "condition",
    [
        {},
        {"region": "P1"},
        {"region": "P1-A"},
        {"region": "P1-A-C2"},  # at the public level: no finer areas for the public
        {"cause": "ILLNESS"},
        {"kind": "MONEY", "urgency": ["HIGH", "LOW"]},
        {"category": "MEDICAL", "text": "clinic", "status": ["OPEN", "PLEDGED"]},
        {"amount": {"currency": "USD", "min": 30_000}, "region": "P1-A"},
    ],
)
def test_for_the_public_the_facets_are_what_paging_through_the_list_gives(
    api, world, catalogue, condition
):
    given = with_regions(world, condition)
    found = facet_counts(api, given)
    expected = facets_from_the_list(api, world, given)
    assert found["total"] == expected["total"]
    for name in ("causes", "categories", "urgencies", "kinds"):
        assert nonzero(found[name]) == expected[name], name
    assert regions_of(world, found) == expected["regions"]


# --- Privacy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "total", "p1a_c1", "p1a_c2"),
    [
        # Below the public level (county) only where the reader covers the county.
        ("anonymous", 4, {}, {}),
        ("helper", 4, {}, {}),
        ("rep", 5, {}, {}),  # its household's draft too, but no household's exact region
        ("caseworker", 5, {"P1-A-C1-T": 3}, {}),
        ("far_caseworker", 4, {}, {}),
        ("admin", 6, {"P1-A-C1-T": 3}, {"P1-A-C2-T": 3}),
    ],
)
def test_each_reader_counts_what_it_can_list(api, world, catalogue, who, total, p1a_c1, p1a_c2):
    actor = world.people()[who]
    token = actor.token if actor else None
    found = facet_counts(api, token=token)
    assert found["total"] == total == len(titles(api, token=token))
    assert sum(c["count"] for c in found["kinds"]) == total
    assert sum(c["count"] for c in found["urgencies"]) == total
    assert sum(c["count"] for c in found["categories"]) == total
    c1 = regions_of(world, facet_counts(api, {"region": region_gid(world, "P1-A-C1")}, token))
    c2 = regions_of(world, facet_counts(api, {"region": region_gid(world, "P1-A-C2")}, token))
    assert (c1, c2) == (p1a_c1, p1a_c2)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("helper", False),
        ("rep", False),
        ("caseworker", True),
        ("far_caseworker", False),
        ("admin", True),
    ],
)
def test_a_region_filter_below_the_public_level_is_refused_as_on_the_list(
    api, world, catalogue, who, allowed
):
    actor = world.people()[who]
    token = actor.token if actor else None
    town = {"region": region_gid(world, "P1-A-C1-T")}
    body = api.post(FACETS, {"filter": town}, token=token)
    listed = api.post(PAGE, {"filter": town}, token=token)
    if allowed:
        assert not body.get("errors") and not listed.get("errors")
        expected = {"P1-A-C1-T-V": 3}  # fees, rice, draft
        assert regions_of(world, body["data"]["helpRequestFacets"]) == expected
    else:
        codes = [e["extensions"]["code"] for e in body["errors"]]
        assert codes == ["REGION_TOO_FINE"]
        assert [e["extensions"]["code"] for e in listed["errors"]] == codes


def principal(world, who: str) -> Principal:
    actor = world.people()[who]
    return world.principal(actor) if actor else ANONYMOUS


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {}),
        ("caseworker", {"P1-A-C1": 3}),  # covers C1, not C2 (whose requests it may list)
        ("admin", {"P1-A-C1": 3, "P1-A-C2": 3}),
    ],
)
def test_with_a_higher_public_level_only_covered_areas_below_it_are_counted(
    world, catalogue, who, expected
):
    """An instance whose public level is the prefecture (2): the counties under it are
    finer, so a count per county only for the counties the reader covers."""
    with Session(world.engine) as session:
        wanted = matching.RequestFilter(region=session.get(Region, world.regions["P1-A"].id))
        found = facets.request_facets(session, principal(world, who), wanted, public_level=2)
    assert {region.code: n for region, n in found.regions} == expected


def test_preferences_narrow_every_facet(api, world, catalogue):
    set_preferences(world, preferred_categories=["MEDICAL"])
    token = world.helper.token
    found = facet_counts(api, {"matchingMyPreferences": True}, token=token)
    assert found["total"] == 2
    assert nonzero(found["categories"]) == {"MEDICAL": 2}
    assert nonzero(found["kinds"]) == {"MONEY": 2}
    body = api.post(FACETS, {"filter": {"matchingMyPreferences": True}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_an_unknown_region_counts_nothing_and_a_wrong_id_is_a_bad_input(api, world, catalogue):
    found = facet_counts(api, {"region": f.gid("Region", 9999)})
    assert found["total"] == 0 and found["regions"] == []
    assert all(c["count"] == 0 for name in ("urgencies", "kinds") for c in found[name])
    assert sum(c["count"] for c in found["categories"]) == 0
    body = api.post(FACETS, {"filter": {"region": f.gid("Household", "X")}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- Labels ----------------------------------------------------------------------------------

LABELS = """
query($id: ID!) {
  enumLabels(enums: ["Urgency", "HelpRequestKind"]) { enum values { value label } }
  node(id: $id) {
    ... on HelpRequest { category { code label } household { causes { code label } } }
  }
}"""


def test_labels_are_in_the_readers_language(api, world, catalogue):
    found = facet_counts(api, locale="zh_Hans")
    assert [k["label"] for k in found["kinds"]] == ["资金", "实物"]
    clinic = api.data(PAGE, {"filter": {"category": "MEDICAL", "text": "clinic"}})
    node_id = clinic["helpRequests"]["nodes"][0]["id"]
    shown = api.data(LABELS, {"id": node_id}, locale="zh_Hans")
    enums = {e["enum"]: {v["value"]: v["label"] for v in e["values"]} for e in shown["enumLabels"]}
    assert {u["value"]: u["label"] for u in found["urgencies"]} == enums["Urgency"]
    assert {k["value"]: k["label"] for k in found["kinds"]} == enums["HelpRequestKind"]
    category = shown["node"]["category"]
    assert {c["value"]: c["label"] for c in found["categories"]}[category["code"]] == category[
        "label"
    ]
    cause = shown["node"]["household"]["causes"][0]
    assert {c["value"]: c["label"] for c in found["causes"]}[cause["code"]] == cause["label"]
    english = facet_counts(api, locale="en")
    assert category["label"] != {c["value"]: c["label"] for c in english["categories"]}["MEDICAL"]
    assert [k["label"] for k in english["kinds"]] == ["Money", "In kind"]


# --- Cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "caseworker", "admin"])
def test_facets_cost_the_same_statements_for_5_or_50_requests(
    api, world, engine, settings, sql_counter, who
):
    actor = world.people()[who]
    token = actor.token if actor else None
    given = {"region": region_gid(world, "P1-A"), "kind": "MONEY", "urgency": ["MEDIUM"]}
    more_requests(world, engine, settings, 5)
    sql_counter.reset()
    assert facet_counts(api, given, token=token)["regions"]
    few = sql_counter.count
    more_requests(world, engine, settings, 45)
    sql_counter.reset()
    found = facet_counts(api, given, token=token)
    assert sum(r["count"] for r in found["regions"]) == found["total"] == 50
    assert sql_counter.count == few
    # The token, the filter's region, the total, one GROUP BY per facet, the areas shown.
    assert few <= 9, sql_counter.statements
