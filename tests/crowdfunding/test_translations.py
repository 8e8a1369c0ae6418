"""Campaigns in many languages over HTTP: organisers translate a campaign's title and
description; readers get their language when a translation exists and the original with
its language otherwise; an edited draft marks its translations stale."""

from __future__ import annotations

import base64
import random
from datetime import timedelta

import pytest

from api.core.db import unit_of_work, utcnow
from api.crowdfunding import demo
from tests.crowdfunding import factories as c
from tests.help_requests.factories import gid

TEXT = "{ text language isTranslation isStale }"
NODE = (
    "query($id: ID!) { node(id: $id) { ... on Campaign { sourceLanguage "
    f"title {TEXT} description {TEXT} }} }} }}"
)
TRANSLATE = (
    "mutation($input: CampaignTranslationSetInput!) { campaignTranslationSet(input: $input) "
    f"{{ campaign {{ id title {TEXT} }} errors {{ field code }} }} }}"
)
CREATE = (
    "mutation($input: CampaignCreateInput!) { campaignCreate(input: $input) { "
    "campaign { id sourceLanguage } errors { field code } } }"
)
UPDATE = (
    "mutation($input: CampaignUpdateInput!) { campaignUpdate(input: $input) { "
    "campaign { id } errors { field code } } }"
)
LIST = f"query {{ campaigns(first: 100) {{ nodes {{ id title {TEXT} description {TEXT} }} }} }}"
TODAY = utcnow().date()
TITLE = "A water tank for the village"
DESCRIPTION = "Clean water all year round."


def original(text: str, language: str = "en") -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": False, "isStale": False}


def translated(text: str, language: str, *, stale: bool = False) -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": True, "isStale": stale}


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def read(api, campaign_id: int, *, token: str | None = None, **headers: str) -> dict:
    body = api.data(NODE, {"id": gid("Campaign", campaign_id)}, token=token, headers=headers)
    return body["node"]


def translate(api, token, campaign_id, locale, **texts):
    variables = {"input": {"campaign": gid("Campaign", campaign_id), "locale": locale, **texts}}
    return api.data(TRANSLATE, variables, token=token)["campaignTranslationSet"]


def test_readers_get_their_language_when_translated_and_the_original_otherwise(api, world):
    campaign_id = c.active(world)
    organiser = world.caseworker.token
    french = translate(
        api,
        organiser,
        campaign_id,
        "fr",
        title="Un réservoir d'eau pour le village",
        description="De l'eau propre toute l'année.",
    )
    assert french["errors"] == []
    assert translate(api, organiser, campaign_id, "zh_Hans", title="村里的水箱")["errors"] == []

    assert read(api, campaign_id, **{"Accept-Language": "fr"}) == {
        "sourceLanguage": "en",
        "title": translated("Un réservoir d'eau pour le village", "fr"),
        "description": translated("De l'eau propre toute l'année.", "fr"),
    }
    in_chinese = read(api, campaign_id, **{"Accept-Language": "zh-CN,en;q=0.5"})
    assert in_chinese["title"] == translated("村里的水箱", "zh_Hans")
    assert in_chinese["description"] == original(DESCRIPTION)
    in_portuguese = read(api, campaign_id, **{"Accept-Language": "pt-BR"})
    assert (in_portuguese["title"], in_portuguese["description"]) == (
        original(TITLE),
        original(DESCRIPTION),
    )

    removed = translate(api, organiser, campaign_id, "fr")
    assert removed["errors"] == []
    assert read(api, campaign_id, **{"Accept-Language": "fr"})["title"] == original(TITLE)


def test_a_translation_goes_stale_when_the_draft_changes(api, world):
    campaign_id = c.draft(world)
    token = world.caseworker.token
    translate(api, token, campaign_id, "fr", title="Un réservoir", description="De l'eau.")
    before = read(api, campaign_id, token=token, **{"Accept-Language": "fr"})
    assert before["description"] == translated("De l'eau.", "fr")

    edited = api.data(
        UPDATE,
        {"input": {"campaign": gid("Campaign", campaign_id), "description": "Water, always."}},
        token=token,
    )
    assert edited["campaignUpdate"]["errors"] == []
    after = read(api, campaign_id, token=token, **{"Accept-Language": "fr"})
    assert after["title"] == translated("Un réservoir", "fr", stale=True)
    assert after["description"] == translated("De l'eau.", "fr", stale=True)
    assert read(api, campaign_id, token=token)["description"] == original("Water, always.")

    translate(api, token, campaign_id, "fr", title="Un réservoir", description="De l'eau.")
    assert read(api, campaign_id, token=token, **{"Accept-Language": "fr"})["title"] == (
        translated("Un réservoir", "fr")
    )


def test_the_language_of_a_new_campaign_is_given_or_the_readers(api, world):
    def create(given: dict[str, str] | None = None, **options: object) -> dict:
        values = {
            "target": {"village": gid("Region", world.regions["P1-A-C1-T-V"].id)},
            "title": "Un réservoir",
            "description": "De l'eau.",
            "goal": {"amountMinor": 50_000, "currency": "USD"},
            "fundingModel": "ALL_OR_NOTHING",
            "deadline": (utcnow() + timedelta(days=10)).isoformat(),
        }
        body = api.data(
            CREATE, {"input": values | (given or {})}, token=world.caseworker.token, **options
        )
        return body["campaignCreate"]

    by_header = create(locale="fr")["campaign"]
    assert by_header["sourceLanguage"] == "fr"
    assert create(headers={"Accept-Language": "zh-CN"})["campaign"]["sourceLanguage"] == "zh_Hans"
    assert create({"language": "es"}, locale="fr")["campaign"]["sourceLanguage"] == "es"
    refused = create({"language": "xx"})
    assert refused == {"campaign": None, "errors": [{"field": "language", "code": "INVALID"}]}

    campaign_id = pk(by_header["id"])
    same = translate(api, world.caseworker.token, campaign_id, "fr-CA", title="Réservoir")
    assert same["errors"] == [{"field": "locale", "code": "INVALID"}]
    english = translate(api, world.caseworker.token, campaign_id, "en", title="A water tank")
    assert english["errors"] == []


@pytest.mark.parametrize(
    ("locale", "texts", "errors"),
    [
        ("klingon", {"title": "Qapla'"}, [("locale", "INVALID")]),
        ("ja", {"title": "水タンク"}, [("locale", "INVALID")]),  # not an instance locale
        ("en", {"title": "A tank"}, [("locale", "INVALID")]),  # the source language
        ("fr", {"description": "d" * 5001}, [("description", "TOO_LONG")]),
    ],
)
def test_bad_translations_are_typed_errors_and_write_nothing(api, world, locale, texts, errors):
    campaign_id = c.active(world)
    body = translate(api, world.caseworker.token, campaign_id, locale, **texts)
    assert body["campaign"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == errors
    assert read(api, campaign_id, **{"Accept-Language": "fr"})["title"] == original(TITLE)


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),  # not an organising role: refused before the service
        ("rep", "FORBIDDEN"),
        ("far_caseworker", "campaign:FORBIDDEN"),  # sees the campaign, does not organise it
        ("caseworker", "ok"),  # the organiser
        ("admin", "ok"),
    ],
)
def test_its_organisers_translate_a_campaign(api, world, who, outcome):
    campaign_id = c.active(world)
    actor = world.people()[who]
    body = api.post(
        TRANSLATE,
        {"input": {"campaign": gid("Campaign", campaign_id), "locale": "fr", "title": "Eau"}},
        token=actor.token if actor else None,
    )
    in_french = read(api, campaign_id, **{"Accept-Language": "fr"})["title"]
    if outcome == "ok":
        assert body["data"]["campaignTranslationSet"]["errors"] == []
        assert in_french == translated("Eau", "fr")
    elif ":" in outcome:
        field, code = outcome.split(":")
        payload = body["data"]["campaignTranslationSet"]
        assert payload == {"campaign": None, "errors": [{"field": field, "code": code}]}
        assert in_french == original(TITLE)
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert in_french == original(TITLE)


def test_a_draft_is_not_found_by_those_who_cannot_see_it(api, world):
    campaign_id = c.draft(world)
    body = translate(api, world.far_caseworker.token, campaign_id, "fr", title="Eau")
    assert body == {"campaign": None, "errors": [{"field": "campaign", "code": "NOT_FOUND"}]}


def test_the_list_costs_the_same_statements_for_5_or_40_translated_campaigns(
    api, world, sql_counter
):
    def add(count: int) -> None:
        for index in range(count):
            campaign_id = c.active(world, title=f"Campaign {index}")
            if index % 2 == 0:
                c.translate(world, campaign_id, "zh_Hans", title=f"项目 {index}")

    def cost(count: int) -> int:
        sql_counter.reset()
        nodes = api.data(LIST, headers={"Accept-Language": "zh-CN"})["campaigns"]["nodes"]
        assert len(nodes) == count
        assert any(n["title"]["isTranslation"] for n in nodes)
        return sql_counter.count

    add(5)
    few = cost(5)
    add(35)
    assert cost(40) == few


def test_the_demo_translates_a_handful_of_campaigns(api, world):
    with unit_of_work(world.engine) as session:
        demo.generate(session, rng=random.Random(1), instance=world.settings.instance, today=TODAY)
    for language, header in (("zh_Hans", "zh-CN"), ("fr", "fr")):
        nodes = api.data(LIST, headers={"Accept-Language": header})["campaigns"]["nodes"]
        titles = [n["title"] for n in nodes if n["title"]["isTranslation"]]
        assert titles and all(t["language"] == language and not t["isStale"] for t in titles)
