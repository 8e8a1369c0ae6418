"""Exhibitions in many languages over HTTP: editors translate an exhibition's title, theme,
description and its exhibits' captions; readers get their language when a translation
exists and the original with its language otherwise; edited texts mark translations stale.
Exhibits keep their translated captions while their position exists."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from api.core.db import unit_of_work
from api.exhibitions import demo, service
from tests import factories
from tests.factories import ADMIN

TEXT = "{ text language isTranslation isStale }"
FIELDS = (
    f"id sourceLanguage title {TEXT} theme {TEXT} description {TEXT} "
    f"items {{ position caption {TEXT} }}"
)
NODE = "query($id: ID!) { node(id: $id) { ... on Exhibition { " + FIELDS + " } } }"
TRANSLATE = (
    "mutation($input: ExhibitionTranslationSetInput!) { exhibitionTranslationSet(input: "
    "$input) { exhibition { " + FIELDS + " } errors { field code } } }"
)
CREATE = (
    "mutation($input: ExhibitionCreateInput!) { exhibitionCreate(input: $input) { "
    "exhibition { id sourceLanguage } errors { field code } } }"
)
UPDATE = (
    "mutation($input: ExhibitionUpdateInput!) { exhibitionUpdate(input: $input) { "
    "exhibition { id } errors { field code } } }"
)
PUBLISH = (
    "mutation($input: ExhibitionPublicationInput!) { exhibitionPublish(input: $input) { "
    "exhibition { status } errors { field code } } }"
)
LIST = (
    "query { exhibitions(first: 100) { nodes { id "
    f"title {TEXT} theme {TEXT} items {{ caption {TEXT} }} }} }} }}"
)
TODAY = date.today()
COVER = {"kind": "MEDIA", "mediaUrl": "https://media.example.org/tea.jpg", "caption": "Cover"}
CUPS = {"kind": "MEDIA", "mediaUrl": "https://media.example.org/cups.jpg", "caption": "Cups"}


def original(text: str, language: str = "en") -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": False, "isStale": False}


def translated(text: str, language: str, *, stale: bool = False) -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": True, "isStale": stale}


def create(api, world, token=None, *, publish=True, **given) -> str:
    values = {
        "title": "Specialities of the mountains",
        "theme": "Tea and mushrooms",
        "description": "A selection.",
        "startsOn": str(TODAY - timedelta(days=3)),
        "endsOn": str(TODAY + timedelta(days=30)),
        "items": [COVER, CUPS],
    } | given
    token = token or world.token("organisation")
    created = api.data(CREATE, {"input": values}, token=token)["exhibitionCreate"]
    assert created["errors"] == []
    exhibition = created["exhibition"]["id"]
    if publish:
        published = api.data(PUBLISH, {"input": {"id": exhibition}}, token=token)
        assert published["exhibitionPublish"]["errors"] == []
    return str(exhibition)


def read(api, exhibition: str, *, token: str | None = None, **headers: str) -> dict:
    return api.data(NODE, {"id": exhibition}, token=token, headers=headers)["node"]


def translate(api, token, exhibition, locale, **texts):
    variables = {"input": {"id": exhibition, "locale": locale, **texts}}
    return api.data(TRANSLATE, variables, token=token)["exhibitionTranslationSet"]


def captions(node: dict) -> list[dict]:
    return [item["caption"] for item in node["items"]]


def test_readers_get_their_language_when_translated_and_the_original_otherwise(api, world):
    exhibition = create(api, world)
    editor = world.token("organisation")
    french = translate(
        api,
        editor,
        exhibition,
        "fr",
        title="Spécialités des montagnes",
        theme="Thé et champignons",
        itemCaptions=["Couverture"],
    )
    assert french["errors"] == []
    chinese = translate(
        api, editor, exhibition, "zh_Hans", title="山区特产", itemCaptions=[None, "杯子"]
    )
    assert chinese["errors"] == []

    in_french = read(api, exhibition, **{"Accept-Language": "fr"})
    assert in_french["sourceLanguage"] == "en"
    assert in_french["title"] == translated("Spécialités des montagnes", "fr")
    assert in_french["theme"] == translated("Thé et champignons", "fr")
    assert in_french["description"] == original("A selection.")
    assert captions(in_french) == [translated("Couverture", "fr"), original("Cups")]
    in_chinese = read(api, exhibition, **{"Accept-Language": "zh-CN"})
    assert in_chinese["title"] == translated("山区特产", "zh_Hans")
    assert in_chinese["theme"] == original("Tea and mushrooms")
    assert captions(in_chinese) == [original("Cover"), translated("杯子", "zh_Hans")]
    in_arabic = read(api, exhibition, **{"Accept-Language": "ar"})
    assert in_arabic["title"] == original("Specialities of the mountains")
    assert captions(in_arabic) == [original("Cover"), original("Cups")]

    # A translation set again replaces the locale's texts; with none left it is removed.
    removed = translate(api, editor, exhibition, "fr")
    assert removed["errors"] == []
    again = read(api, exhibition, **{"Accept-Language": "fr"})
    assert again["title"] == original("Specialities of the mountains")
    assert captions(again) == [original("Cover"), original("Cups")]


def test_edited_texts_mark_their_translations_stale(api, world):
    exhibition = create(api, world)
    editor = world.token("organisation")
    translate(
        api, editor, exhibition, "fr", title="Spécialités", itemCaptions=["Couverture", "Tasses"]
    )

    retitled = api.data(
        UPDATE, {"input": {"id": exhibition, "title": "Mountain food"}}, token=editor
    )
    assert retitled["exhibitionUpdate"]["errors"] == []
    node = read(api, exhibition, **{"Accept-Language": "fr"})
    assert node["title"] == translated("Spécialités", "fr", stale=True)
    # Captions have translations of their own, still matching their exhibits.
    assert captions(node) == [translated("Couverture", "fr"), translated("Tasses", "fr")]

    # The first exhibit's caption changes, the second stays, a third is added; exhibits
    # keep their place, so the second keeps its translation.
    new_cover = COVER | {"caption": "The cover"}
    photo = COVER | {"caption": "Photo"}
    changed = api.data(
        UPDATE, {"input": {"id": exhibition, "items": [new_cover, CUPS, photo]}}, token=editor
    )
    assert changed["exhibitionUpdate"]["errors"] == []
    node = read(api, exhibition, **{"Accept-Language": "fr"})
    assert captions(node) == [
        translated("Couverture", "fr", stale=True),
        translated("Tasses", "fr"),
        original("Photo"),
    ]

    # Fewer exhibits: those past the end go, with their translations.
    shrunk = api.data(UPDATE, {"input": {"id": exhibition, "items": [CUPS]}}, token=editor)
    assert shrunk["exhibitionUpdate"]["errors"] == []
    node = read(api, exhibition, **{"Accept-Language": "fr"})
    assert captions(node) == [translated("Couverture", "fr", stale=True)]

    fresh = translate(api, editor, exhibition, "fr", title="Cuisine", itemCaptions=["Tasses"])
    assert fresh["errors"] == []
    node = read(api, exhibition, **{"Accept-Language": "fr"})
    assert node["title"] == translated("Cuisine", "fr")
    assert captions(node) == [translated("Tasses", "fr")]


def test_the_language_of_a_new_exhibition_is_given_or_the_readers(api, world):
    editor = world.token("organisation")
    by_header = api.data(
        CREATE,
        {
            "input": {
                "title": "山区特产",
                "theme": "茶叶",
                "startsOn": str(TODAY),
                "endsOn": str(TODAY + timedelta(days=3)),
            }
        },
        token=editor,
        locale="zh_Hans",
    )["exhibitionCreate"]["exhibition"]
    assert by_header["sourceLanguage"] == "zh_Hans"
    given = create(api, world, publish=False, language="fr-FR")
    assert read(api, given, token=editor)["sourceLanguage"] == "fr"
    refused = api.data(
        CREATE,
        {
            "input": {
                "title": "X",
                "theme": "Y",
                "startsOn": str(TODAY),
                "endsOn": str(TODAY),
                "language": "qq",
            }
        },
        token=editor,
    )["exhibitionCreate"]
    assert refused == {"exhibition": None, "errors": [{"field": "language", "code": "INVALID"}]}

    same = translate(api, editor, by_header["id"], "zh-CN", title="特产")
    assert same["errors"] == [{"field": "locale", "code": "INVALID"}]


@pytest.mark.parametrize(
    ("locale", "texts", "errors"),
    [
        ("nope", {"title": "T"}, [("locale", "INVALID")]),
        ("it", {"title": "T"}, [("locale", "INVALID")]),  # not an instance locale
        ("en", {"title": "T"}, [("locale", "INVALID")]),  # the source language
        (
            "fr",
            {"theme": "t" * 201, "itemCaptions": ["c" * 501, None, "x"]},
            [
                ("theme", "TOO_LONG"),
                ("itemCaptions", "OUT_OF_RANGE"),
                ("itemCaptions.0", "TOO_LONG"),
            ],
        ),
    ],
)
def test_bad_translations_are_typed_errors_and_write_nothing(api, world, locale, texts, errors):
    exhibition = create(api, world)
    body = translate(api, world.token("organisation"), exhibition, locale, **texts)
    assert body["exhibition"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == errors
    node = read(api, exhibition, **{"Accept-Language": "fr"})
    assert node["title"] == original("Specialities of the mountains")
    assert captions(node) == [original("Cover"), original("Cups")]


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("caseworker_c1", "FORBIDDEN"),
        ("other_organisation", "id:FORBIDDEN"),  # sees the published exhibition only
        ("organisation", "ok"),
        ("admin", "ok"),
    ],
)
def test_its_editors_translate_an_exhibition(api, world, who, outcome):
    exhibition = create(api, world)
    other = factories.helper(
        world.engine, world.settings, email="other-org@example.org", kind="ORGANISATION"
    )
    token = other.token if who == "other_organisation" else world.token(who)
    body = api.post(
        TRANSLATE,
        {"input": {"id": exhibition, "locale": "fr", "title": "Spécialités"}},
        token=token,
    )
    title = read(api, exhibition, **{"Accept-Language": "fr"})["title"]
    if outcome == "ok":
        assert body["data"]["exhibitionTranslationSet"]["errors"] == []
        assert title == translated("Spécialités", "fr")
    elif ":" in outcome:
        field, code = outcome.split(":")
        payload = body["data"]["exhibitionTranslationSet"]
        assert payload == {"exhibition": None, "errors": [{"field": field, "code": code}]}
        assert title == original("Specialities of the mountains")
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert title == original("Specialities of the mountains")


def test_a_draft_is_not_found_by_another_organisation(api, world):
    exhibition = create(api, world, publish=False)
    other = factories.helper(
        world.engine, world.settings, email="other-org@example.org", kind="ORGANISATION"
    )
    body = translate(api, other.token, exhibition, "fr", title="Spécialités")
    assert body == {"exhibition": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}


def test_the_list_costs_the_same_statements_for_5_or_40_translated_exhibitions(
    api, world, sql_counter
):
    def add(count: int) -> None:
        locales = world.settings.instance.locales
        for index in range(count):
            with unit_of_work(world.engine) as session:
                row = service.create_exhibition(
                    session,
                    actor=ADMIN,
                    instance=world.settings.instance,
                    details=service.ExhibitionDetails(
                        title=f"Show {index}",
                        theme="Theme",
                        starts_on=TODAY,
                        ends_on=TODAY,
                        items=[
                            service.ItemSpec(
                                kind="MEDIA", media_url=COVER["mediaUrl"], caption="A"
                            ),
                            service.ItemSpec(kind="MEDIA", media_url=CUPS["mediaUrl"], caption="B"),
                        ],
                    ),
                )
                assert row.id is not None
                service.publish_exhibition(session, actor=ADMIN, exhibition_id=row.id)
                if index % 2 == 0:
                    service.set_exhibition_translation(
                        session,
                        actor=ADMIN,
                        locales=locales,
                        exhibition_id=row.id,
                        locale="fr",
                        texts=service.ExhibitionTexts(title=f"Expo {index}", item_captions=["Un"]),
                    )

    def cost(count: int) -> int:
        sql_counter.reset()
        nodes = api.data(LIST, headers={"Accept-Language": "fr"})["exhibitions"]["nodes"]
        assert len(nodes) == count
        assert any(n["items"][0]["caption"]["isTranslation"] for n in nodes)
        return sql_counter.count

    add(5)
    few = cost(5)
    add(35)
    assert cost(40) == few


def test_the_demo_translates_a_handful_of_exhibitions(api, world):
    with unit_of_work(world.engine) as session:
        demo.generate(session, rng=random.Random(1), instance=world.settings.instance, today=TODAY)
    for language, header in (("zh_Hans", "zh-CN"), ("fr", "fr")):
        nodes = api.data(LIST, headers={"Accept-Language": header})["exhibitions"]["nodes"]
        texts = [
            text
            for node in nodes
            for text in [node["title"], node["theme"], *(i["caption"] for i in node["items"])]
            if text["isTranslation"]
        ]
        assert texts and all(t["language"] == language and not t["isStale"] for t in texts)
