"""Request mutations over HTTP: typed errors, nothing half-written, and who may do and see
what (through the list and through node(id:))."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.core.db import unit_of_work, utcnow
from api.help_requests import service
from api.help_requests.models import HelpRequest, RequestStatus
from tests import factories
from tests.help_requests import factories as f

PAYLOAD = """
  helpRequest {
    id status title { text } description { text } urgency deadline publishedAt
    category { code label }
    target { amountMinor currency formatted }
    items { name quantity unit }
    household { publicCode }
  }
  errors { field code message }
"""
CREATE = (
    "mutation($input: HelpRequestCreateInput!) { helpRequestCreate(input: $input) {"
    + PAYLOAD
    + "} }"
)
UPDATE = (
    "mutation($input: HelpRequestUpdateInput!) { helpRequestUpdate(input: $input) {"
    + PAYLOAD
    + "} }"
)
SUBMIT = (
    "mutation($input: HelpRequestSubmitInput!) { helpRequestSubmit(input: $input) {"
    + PAYLOAD
    + "} }"
)
VERIFY = (
    "mutation($input: HelpRequestVerifyInput!) { helpRequestVerify(input: $input) {"
    + PAYLOAD
    + "} }"
)
WITHDRAW = (
    "mutation($input: HelpRequestWithdrawInput!) { helpRequestWithdraw(input: $input) {"
    + PAYLOAD
    + "} }"
)
LIST = """
query($filter: HelpRequestFilter) {
  helpRequests(filter: $filter, first: 100) { nodes { id title { text } status } }
}"""
NODE = "query($id: ID!) { node(id: $id) { ... on HelpRequest { id title { text } status } } }"

VALID = {
    "category": "MEDICAL",
    "title": "Medicine for a chronic illness",
    "description": "Six months of medicine.",
    "target": {"amountMinor": 45_000, "currency": "USD"},
    "urgency": "HIGH",
}


def test_the_representative_drafts_and_submits_and_the_caseworker_publishes(api, world):
    created = api.data(CREATE, {"input": VALID}, token=world.rep.token)["helpRequestCreate"]
    assert created["errors"] == []
    request = created["helpRequest"]
    assert request["status"] == "DRAFT"
    assert request["household"]["publicCode"] == world.household_code  # omitted: their own
    assert request["category"] == {"code": "MEDICAL", "label": "Medical care"}
    assert request["target"] == {"amountMinor": 45_000, "currency": "USD", "formatted": "$450.00"}
    changed = api.data(
        UPDATE,
        {
            "input": {
                "id": request["id"],
                "items": [{"name": "Rice", "quantity": 2, "unit": "bags"}],
            }
        },
        token=world.rep.token,
    )["helpRequestUpdate"]["helpRequest"]
    assert (changed["target"], changed["items"]) == (
        None,
        [{"name": "Rice", "quantity": 2, "unit": "bags"}],
    )
    submitted = api.data(SUBMIT, {"input": {"id": request["id"]}}, token=world.rep.token)
    assert submitted["helpRequestSubmit"]["helpRequest"]["status"] == "PENDING_VERIFICATION"
    verified = api.data(VERIFY, {"input": {"id": request["id"]}}, token=world.caseworker.token)[
        "helpRequestVerify"
    ]
    assert verified["errors"] == []
    assert verified["helpRequest"]["status"] == "OPEN"
    assert verified["helpRequest"]["publishedAt"] is not None
    public = api.data(NODE, {"id": request["id"]})["node"]
    assert public["status"] == "OPEN"


def test_caseworkers_name_the_household(api, world):
    body = api.data(
        CREATE,
        {"input": {**VALID, "household": f.gid("Household", world.household_code)}},
        token=world.caseworker.token,
    )["helpRequestCreate"]
    assert body["errors"] == [] and body["helpRequest"]["status"] == "DRAFT"
    missing = api.data(CREATE, {"input": VALID}, token=world.caseworker.token)
    assert missing["helpRequestCreate"]["errors"][0]["field"] == "household"


def test_invalid_values_are_refused_with_typed_errors_and_nothing_is_written(api, world):
    body = api.data(
        CREATE,
        {
            "input": {
                **VALID,
                "category": "NOT_A_CATEGORY",
                "title": "t" * 201,
                "target": {"amountMinor": 0, "currency": "usd"},
                "deadline": (utcnow().date() - timedelta(days=2)).isoformat(),
            }
        },
        token=world.rep.token,
    )["helpRequestCreate"]
    assert body["helpRequest"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("category", "UNKNOWN_CODE"),
        ("title", "TOO_LONG"),
        ("target.amountMinor", "OUT_OF_RANGE"),
        ("target.currency", "INVALID"),
        ("deadline", "OUT_OF_RANGE"),
    }
    assert all(e["message"] for e in body["errors"])
    both = api.data(
        CREATE,
        {"input": {**VALID, "items": [{"name": "Rice", "quantity": 1, "unit": "bag"}]}},
        token=world.rep.token,
    )["helpRequestCreate"]
    assert [(e["field"], e["code"]) for e in both["errors"]] == [("items", "INVALID")]
    assert f.count(world.engine, HelpRequest) == 0


def test_a_refused_update_leaves_the_request_as_it_was(api, world):
    request_id = f.draft(world)
    before = f.request_row(world.engine, request_id)
    body = api.data(
        UPDATE,
        {"input": {"id": f.gid("HelpRequest", request_id), "title": "New", "category": "NOPE"}},
        token=world.rep.token,
    )["helpRequestUpdate"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("category", "UNKNOWN_CODE")]
    after = f.request_row(world.engine, request_id)
    assert (after.title, after.category, after.updated_at) == (
        before.title,
        before.category,
        before.updated_at,
    )


def test_a_refused_transition_is_a_typed_invalid_state(api, world):
    request_id = f.published(world)
    body = api.data(
        SUBMIT, {"input": {"id": f.gid("HelpRequest", request_id)}}, token=world.rep.token
    )["helpRequestSubmit"]
    assert body["helpRequest"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(None, "INVALID_STATE")]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("rep", "FORBIDDEN"),
        ("far_caseworker", "NOT_FOUND"),
    ],
)
def test_only_a_covering_caseworker_or_admin_verifies(api, world, who, expected):
    request_id = f.submitted(world)
    actor = world.people()[who]
    body = api.post(
        VERIFY,
        {"input": {"id": f.gid("HelpRequest", request_id)}},
        token=actor.token if actor else None,
    )
    if expected == "NOT_FOUND":  # the request is not visible to them at all
        errors = body["data"]["helpRequestVerify"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("id", "NOT_FOUND")]
    else:
        assert body["data"]["helpRequestVerify"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert f.request_row(world.engine, request_id).status == RequestStatus.PENDING_VERIFICATION


@pytest.mark.parametrize(
    ("document", "who", "expected"),
    [
        (CREATE, "anonymous", "UNAUTHENTICATED"),
        (CREATE, "helper", "FORBIDDEN"),
        (WITHDRAW, "helper", "FORBIDDEN"),
    ],
)
def test_mutations_declare_who_may_call_them(api, world, document, who, expected):
    actor = world.people()[who]
    variables = {"input": VALID if document is CREATE else {"id": f.gid("HelpRequest", 1)}}
    body = api.post(document, variables, token=actor.token if actor else None)
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]


def test_another_area_caseworker_cannot_withdraw_a_public_request(api, world):
    request_id = f.published(world)
    body = api.data(
        WITHDRAW,
        {"input": {"id": f.gid("HelpRequest", request_id)}},
        token=world.far_caseworker.token,
    )["helpRequestWithdraw"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("id", "FORBIDDEN")]
    assert f.request_row(world.engine, request_id).status == RequestStatus.OPEN


# --- Who sees which request ------------------------------------------------------------------


@pytest.fixture
def requests_by_name(world, engine, settings) -> dict[str, int]:
    """One request in each interesting state, in C1 unless said otherwise."""
    private, _ = factories.household(
        engine, settings, world.regions["P1-A-C1-T-V"], consent=False, head_name="Zhao"
    )
    made = {
        "draft": f.draft(world, title="draft"),
        "pending": f.submitted(world, title="pending"),
        "open": f.published(world, title="open"),
        "private_open": f.published(world, household=private, title="private_open"),
        "open_c2": f.published(world, household=world.other_household, title="open_c2"),
        "pending_c2": f.submitted(world, household=world.other_household, title="pending_c2"),
    }
    rejected = f.submitted(world, title="rejected")
    with unit_of_work(engine) as session:
        service.verify_request(
            session, actor=world.principal(world.admin), request_id=rejected, approve=False
        )
    made["rejected"] = rejected
    return made


PUBLIC = {"open", "open_c2"}
VISIBLE = {
    "anonymous": PUBLIC,
    "helper": PUBLIC,
    "far_caseworker": PUBLIC,
    "rep": PUBLIC | {"draft", "pending", "rejected"},
    "caseworker": PUBLIC | {"draft", "pending", "rejected", "private_open"},
    "admin": PUBLIC | {"draft", "pending", "rejected", "private_open", "pending_c2"},
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_each_identity_sees_exactly_its_requests_in_the_list_and_by_id(
    api, world, requests_by_name, who
):
    actor = world.people()[who]
    token = actor.token if actor else None
    listed = api.data(LIST, token=token)["helpRequests"]["nodes"]
    assert {n["title"]["text"] for n in listed} == VISIBLE[who]
    for name, request_id in requests_by_name.items():
        node = api.data(NODE, {"id": f.gid("HelpRequest", request_id)}, token=token)["node"]
        assert (node is not None) == (name in VISIBLE[who]), name


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"amountMinor": 100, "currency": "XXX"}, {("target.currency", "INVALID")}),
        ({"amountMinor": 100, "currency": "EUR"}, {("target.currency", "CURRENCY_MISMATCH")}),
        ({"amountMinor": 10**15, "currency": "USD"}, {("target.amountMinor", "OUT_OF_RANGE")}),
    ],
)
def test_a_target_follows_the_instances_money_rule(api, world, target, expected):
    body = api.data(CREATE, {"input": {**VALID, "target": target}}, token=world.rep.token)[
        "helpRequestCreate"
    ]
    assert body["helpRequest"] is None
    assert {(e["field"], e["code"]) for e in body["errors"]} == expected
    if ("target.currency", "CURRENCY_MISMATCH") in expected:
        assert "USD" in body["errors"][0]["message"]
    assert f.count(world.engine, HelpRequest) == 0
