"""After receipt: the household (its representative, or a caseworker covering it on its
behalf) thanks a helper at any time after confirming, and posts dated progress updates on
the request; the public sees both on the household and the request page, in its language
when translated, without a statement per request."""

from __future__ import annotations

import pytest

from api.core.db import unit_of_work
from api.pledges import service
from api.pledges.models import ProgressUpdate, ProgressUpdateTranslation
from tests.help_requests import factories as f

THANK = """
mutation($input: PledgeThankYouSetInput!) {
  pledgeThankYouSet(input: $input) {
    pledge { id status thankYouMessage thankedAt }
    errors { field code message }
  }
}"""
POST = """
mutation($input: ProgressUpdatePostInput!) {
  progressUpdatePost(input: $input) {
    progressUpdate {
      id sourceLanguage postedAt postedAtFormatted
      body { text language isTranslation isStale }
      request { id }
    }
    errors { field code message }
  }
}"""
TRANSLATE = """
mutation($input: ProgressUpdateTranslationSetInput!) {
  progressUpdateTranslationSet(input: $input) {
    progressUpdate { body { text language isTranslation } }
    errors { field code message }
  }
}"""
REMOVE = """
mutation($input: ProgressUpdateRemoveInput!) {
  progressUpdateRemove(input: $input) {
    helpRequest { id progressUpdates { id } }
    errors { field code message }
  }
}"""
HOUSEHOLD_THANKS = """
query($id: ID!) {
  node(id: $id) { ... on Household { thanks { message helperName confirmedOn thankedOn } } }
}"""
REQUEST_PAGE = """
query($id: ID!) {
  node(id: $id) {
    ... on HelpRequest {
      thanks { message helperName }
      progressUpdates { id body { text language isTranslation } }
    }
  }
}"""
UPDATE_NODE = "query($id: ID!) { node(id: $id) { ... on ProgressUpdate { id body { text } } } }"
REQUESTS_PAGE = """
query {
  helpRequests(first: 100) {
    nodes {
      id
      thanks { message }
      progressUpdates { body { text isTranslation } request { id } }
    }
  }
}"""


def confirmed(world, request_id: int, *, message: str | None = None, **pledge) -> int:
    """A pledge to the request, confirmed by the household's representative."""
    pledge_id = f.pledge(world, request_id, **pledge)
    with unit_of_work(world.engine) as session:
        service.confirm_receipt(
            session,
            actor=world.principal(world.rep),
            pledge_id=pledge_id,
            thank_you_message=message,
        )
    return pledge_id


REP = object()  # the household's representative, unless a token (or None) is given


def thank(api, world, pledge_id: int, message: str | None, token: object = REP):
    variables = {"input": {"id": f.gid("Pledge", pledge_id), "message": message}}
    return api.post(THANK, variables, token=world.rep.token if token is REP else token)


def post(api, world, request_id: int, body: str, token: object = REP, **fields):
    variables = {"input": {"request": f.gid("HelpRequest", request_id), "body": body, **fields}}
    return api.post(POST, variables, token=world.rep.token if token is REP else token)


def household_thanks(api, world) -> list[dict]:
    node = api.data(HOUSEHOLD_THANKS, {"id": f.gid("Household", world.household_code)})["node"]
    return node["thanks"]


def request_page(api, request_id: int, locale: str | None = None) -> dict:
    return api.data(REQUEST_PAGE, {"id": f.gid("HelpRequest", request_id)}, locale=locale)["node"]


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


# --- Thanks after confirming -----------------------------------------------------------------


def test_the_household_thanks_a_helper_after_confirming_and_the_public_sees_it(api, world):
    request_id = f.published(world, target_minor=10_000)
    pledge_id = confirmed(world, request_id)
    assert household_thanks(api, world) == []

    body = thank(api, world, pledge_id, " The roof no longer leaks. ")["data"]

    pledge = body["pledgeThankYouSet"]["pledge"]
    assert body["pledgeThankYouSet"]["errors"] == []
    assert (pledge["status"], pledge["thankYouMessage"]) == (
        "CONFIRMED",
        "The roof no longer leaks.",
    )
    assert pledge["thankedAt"]
    shown = household_thanks(api, world)
    assert [(t["message"], t["helperName"]) for t in shown] == [
        ("The roof no longer leaks.", "helper")
    ]
    assert shown[0]["thankedOn"] >= shown[0]["confirmedOn"]
    assert request_page(api, request_id)["thanks"] == [
        {"message": "The roof no longer leaks.", "helperName": "helper"}
    ]
    assert f.audit_actions(world.engine, "Pledge", pledge_id)[-1] == "pledge.thank_you_set"


def test_a_thank_you_is_replaced_and_removed(api, world):
    request_id = f.published(world, target_minor=10_000)
    pledge_id = confirmed(world, request_id, message="Thank you!")

    replaced = thank(api, world, pledge_id, "Thank you, the children are back at school.")
    assert replaced["data"]["pledgeThankYouSet"]["errors"] == []
    assert [t["message"] for t in household_thanks(api, world)] == [
        "Thank you, the children are back at school."
    ]

    removed = thank(api, world, pledge_id, "  ")["data"]["pledgeThankYouSet"]
    assert removed["pledge"]["thankYouMessage"] is None
    assert removed["pledge"]["thankedAt"] is None
    assert household_thanks(api, world) == []


@pytest.mark.parametrize("who", ["caseworker", "admin"])
def test_staff_covering_the_household_thank_on_its_behalf(api, world, who):
    request_id = f.published(world, target_minor=10_000)
    pledge_id = confirmed(world, request_id)

    body = thank(api, world, pledge_id, "Thanks from all of us.", token=getattr(world, who).token)

    assert body["data"]["pledgeThankYouSet"]["errors"] == []
    assert [t["message"] for t in household_thanks(api, world)] == ["Thanks from all of us."]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),  # the helper thanked cannot write its own thanks
        ("far_caseworker", ("id", "NOT_FOUND")),
    ],
)
def test_others_cannot_thank_for_the_household(api, world, who, expected):
    request_id = f.published(world, target_minor=10_000)
    pledge_id = confirmed(world, request_id)
    actor = world.people()[who]

    body = thank(api, world, pledge_id, "Fake thanks", token=actor.token if actor else None)

    if isinstance(expected, tuple):
        assert codes(body["data"]["pledgeThankYouSet"]) == [expected]
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert household_thanks(api, world) == []


def test_only_confirmed_pledges_take_thanks_and_the_text_is_bounded(api, world):
    request_id = f.published(world, target_minor=20_000)
    active = f.pledge(world, request_id)
    pledge_id = confirmed(world, request_id)

    early = thank(api, world, active, "Too early")["data"]["pledgeThankYouSet"]
    too_long = thank(api, world, pledge_id, "x" * 2001)["data"]["pledgeThankYouSet"]

    assert codes(early) == [("id", "INVALID_STATE")]
    assert codes(too_long) == [("message", "TOO_LONG")]
    assert household_thanks(api, world) == []


# --- Progress updates ------------------------------------------------------------------------


def test_the_household_posts_an_update_that_the_public_sees_on_the_request(api, world):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)

    body = post(api, world, request_id, " The roof is repaired. ")["data"]["progressUpdatePost"]

    assert body["errors"] == []
    update = body["progressUpdate"]
    assert update["body"] == {
        "text": "The roof is repaired.",
        "language": "en",
        "isTranslation": False,
        "isStale": False,
    }
    assert update["sourceLanguage"] == "en"
    assert update["postedAt"] and update["postedAtFormatted"]
    assert update["request"]["id"] == f.gid("HelpRequest", request_id)
    shown = request_page(api, request_id)["progressUpdates"]
    assert [u["body"]["text"] for u in shown] == ["The roof is repaired."]
    node = api.data(UPDATE_NODE, {"id": update["id"]})["node"]
    assert node["body"]["text"] == "The roof is repaired."
    update_pk = int(f.base64.b64decode(update["id"]).decode().split(":")[1])
    assert f.audit_actions(world.engine, "ProgressUpdate", update_pk) == ["progress_update.post"]


def test_updates_come_newest_first_and_in_the_readers_language(api, world):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)
    first = post(api, world, request_id, "Work on the roof started.")["data"]["progressUpdatePost"]
    post(api, world, request_id, "屋顶修好了。", language="zh-CN")

    translated = api.data(
        TRANSLATE,
        {
            "input": {
                "id": first["progressUpdate"]["id"],
                "locale": "fr",
                "body": "Les travaux du toit ont commencé.",
            }
        },
        token=world.rep.token,
    )["progressUpdateTranslationSet"]

    assert translated["errors"] == []
    french = request_page(api, request_id, locale="fr")["progressUpdates"]
    assert [u["body"] for u in french] == [
        {"text": "屋顶修好了。", "language": "zh_Hans", "isTranslation": False},
        {"text": "Les travaux du toit ont commencé.", "language": "fr", "isTranslation": True},
    ]


def test_a_post_in_the_callers_locale_defaults_to_that_language(api, world):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)

    body = api.data(
        POST,
        {"input": {"request": f.gid("HelpRequest", request_id), "body": "Le toit est réparé."}},
        token=world.rep.token,
        locale="fr",
    )["progressUpdatePost"]

    assert body["progressUpdate"]["sourceLanguage"] == "fr"


def test_an_update_waits_for_help_to_be_received(api, world):
    request_id = f.published(world, target_minor=10_000)
    f.pledge(world, request_id)  # promised, not yet received
    draft = f.draft(world, title="draft")

    before = post(api, world, request_id, "Still waiting.")["data"]["progressUpdatePost"]
    unpublished = post(api, world, draft, "Not published.")["data"]["progressUpdatePost"]

    message = "Updates can be posted once help for this request has been received."
    assert before["errors"] == [{"field": "request", "code": "INVALID_STATE", "message": message}]
    assert codes(unpublished) == [("request", "INVALID_STATE")]
    assert f.count(world.engine, ProgressUpdate) == 0


def test_goods_received_open_the_way_to_updates_too(api, world):
    request_id = f.published(world, items=[f.requests.Item("Rice", 2, "bags")])
    confirmed(world, request_id, kind="GOODS")

    body = post(api, world, request_id, "The rice lasted us the winter.")

    assert body["data"]["progressUpdatePost"]["errors"] == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"body": "  "}, [("body", "REQUIRED")]),
        ({"body": "x" * 2001}, [("body", "TOO_LONG")]),
        ({"body": "ok", "language": "de"}, [("language", "INVALID")]),
    ],
)
def test_invalid_updates_are_refused(api, world, fields, expected):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)
    others = {name: value for name, value in fields.items() if name != "body"}

    payload = post(api, world, request_id, fields["body"], **others)["data"]["progressUpdatePost"]

    assert codes(payload) == expected
    assert f.count(world.engine, ProgressUpdate) == 0


@pytest.mark.parametrize("who", ["caseworker", "admin"])
def test_staff_covering_the_household_post_on_its_behalf(api, world, who):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)

    body = post(api, world, request_id, "Repairs done.", token=getattr(world, who).token)

    assert body["data"]["progressUpdatePost"]["errors"] == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("far_caseworker", ("request", "FORBIDDEN")),
    ],
)
def test_others_cannot_post_for_the_household(api, world, who, expected):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)
    actor = world.people()[who]

    body = post(api, world, request_id, "Fake news", token=actor.token if actor else None)

    if isinstance(expected, tuple):
        assert codes(body["data"]["progressUpdatePost"]) == [expected]
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert f.count(world.engine, ProgressUpdate) == 0


def test_an_update_is_taken_down_with_its_translations(api, world):
    request_id = f.published(world, target_minor=10_000)
    confirmed(world, request_id)
    update_id = post(api, world, request_id, "Mr Li fixed the roof.")["data"]["progressUpdatePost"][
        "progressUpdate"
    ]["id"]
    api.data(
        TRANSLATE,
        {"input": {"id": update_id, "locale": "fr", "body": "M. Li a réparé le toit."}},
        token=world.rep.token,
    )
    variables = {"input": {"id": update_id}}

    far = api.data(REMOVE, variables, token=world.far_caseworker.token)["progressUpdateRemove"]
    helper = api.post(REMOVE, variables, token=world.helper.token)
    removed = api.data(REMOVE, variables, token=world.caseworker.token)["progressUpdateRemove"]

    assert codes(far) == [("id", "FORBIDDEN")]
    assert [e["extensions"]["code"] for e in helper["errors"]] == ["FORBIDDEN"]
    assert removed["errors"] == []
    assert removed["helpRequest"] == {"id": f.gid("HelpRequest", request_id), "progressUpdates": []}
    assert f.count(world.engine, ProgressUpdate) == 0
    assert f.count(world.engine, ProgressUpdateTranslation) == 0
    assert api.data(UPDATE_NODE, {"id": update_id})["node"] is None
    again = api.data(REMOVE, variables, token=world.rep.token)["progressUpdateRemove"]
    assert codes(again) == [("id", "NOT_FOUND")]


def test_updates_are_seen_with_their_request_only(api, world):
    from api.help_requests import service as requests

    request_id = f.published(world, target_minor=20_000)
    confirmed(world, request_id)
    update_id = post(api, world, request_id, "Half of the roof is done.")["data"][
        "progressUpdatePost"
    ]["progressUpdate"]["id"]
    with unit_of_work(world.engine) as session:
        requests.withdraw_request(
            session, actor=world.principal(world.admin), request_id=request_id
        )

    assert api.data(UPDATE_NODE, {"id": update_id})["node"] is None
    assert api.data(UPDATE_NODE, {"id": update_id}, token=world.helper.token)["node"] is None
    assert (
        api.data(UPDATE_NODE, {"id": update_id}, token=world.far_caseworker.token)["node"] is None
    )
    seen = api.data(UPDATE_NODE, {"id": update_id}, token=world.caseworker.token)["node"]
    assert seen["body"]["text"] == "Half of the roof is done."
    # Too late to post on a withdrawn request.
    late = post(api, world, request_id, "All done.")["data"]["progressUpdatePost"]
    assert codes(late) == [("request", "INVALID_STATE")]


def test_a_page_of_requests_costs_the_same_statements_for_2_or_6_requests(api, world, sql_counter):
    def requests_with_news(count: int) -> None:
        for n in range(count):
            request_id = f.published(world, title=f"r{n}", target_minor=10_000)
            confirmed(world, request_id, message=f"Thanks {n}")
            post(api, world, request_id, f"Update {n}")
            post(api, world, request_id, f"Later update {n}")

    requests_with_news(2)
    sql_counter.reset()
    few = api.data(REQUESTS_PAGE, locale="fr")["helpRequests"]["nodes"]
    statements = sql_counter.count
    requests_with_news(4)
    sql_counter.reset()
    many = api.data(REQUESTS_PAGE, locale="fr")["helpRequests"]["nodes"]

    assert len(few) == 2 and len(many) == 6
    assert all(len(n["progressUpdates"]) == 2 and len(n["thanks"]) == 1 for n in many)
    assert sql_counter.count == statements
