"""Case studies in many languages over HTTP: editors translate a story's title, summary,
story and lessons; readers get their language when a translation exists and the original
with its language otherwise; an edited draft marks its translations stale; search finds
stories by their translations."""

from __future__ import annotations

import random
from datetime import date

import pytest

from api.case_studies import demo, service
from api.core.db import unit_of_work
from tests.factories import ADMIN
from tests.projects.conftest import gid

TEXT = "{ text language isTranslation isStale }"
FIELDS = f"id sourceLanguage title {TEXT} summary {TEXT} story {TEXT} lessons {TEXT}"
NODE = "query($id: ID!) { node(id: $id) { ... on CaseStudy { " + FIELDS + " } } }"
TRANSLATE = (
    "mutation($input: CaseStudyTranslationSetInput!) { caseStudyTranslationSet(input: "
    "$input) { caseStudy { " + FIELDS + " } errors { field code } } }"
)
CREATE = (
    "mutation($input: CaseStudyCreateInput!) { caseStudyCreate(input: $input) { "
    "caseStudy { id sourceLanguage } errors { field code } } }"
)
UPDATE = (
    "mutation($input: CaseStudyUpdateInput!) { caseStudyUpdate(input: $input) { "
    "caseStudy { id } errors { field code } } }"
)
LIST = (
    "query($filter: CaseStudyFilter) { caseStudies(filter: $filter, first: 100) { nodes { id "
    f"title {TEXT} summary {TEXT} }} }} }}"
)
TITLE = "Tea cooperative"
SUMMARY = "Smallholders pooled land."
STORY = "They sell branded tea."
LESSONS = "Shares keep the poorest in."


def original(text: str, language: str = "en") -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": False, "isStale": False}


def translated(text: str, language: str, *, stale: bool = False) -> dict[str, object]:
    return {"text": text, "language": language, "isTranslation": True, "isStale": stale}


def make(world, *, publish=True, **overrides) -> int:
    details = {
        "title": TITLE,
        "summary": SUMMARY,
        "story": STORY,
        "lessons": LESSONS,
        "region_id": world.regions["P1-A-C1"].id,
        "intervention_type": "INDUSTRY",
        "causes": ["LACK_OF_CAPITAL"],
    } | overrides
    with unit_of_work(world.engine) as session:
        row = service.create_case_study(
            session,
            actor=ADMIN,
            instance=world.settings.instance,
            details=service.CaseStudyDetails(**details),
        )
        assert row.id is not None
        if publish:
            service.submit_case_study(session, actor=ADMIN, case_study_id=row.id)
            service.review_case_study(
                session, actor=ADMIN, case_study_id=row.id, approve=True, note=None
            )
        return row.id


def read(api, case_id: int | str, *, token: str | None = None, **headers: str) -> dict:
    global_id = case_id if isinstance(case_id, str) else gid("CaseStudy", case_id)
    return api.data(NODE, {"id": global_id}, token=token, headers=headers)["node"]


def translate(api, token, case_id, locale, **texts):
    global_id = case_id if isinstance(case_id, str) else gid("CaseStudy", case_id)
    variables = {"input": {"id": global_id, "locale": locale, **texts}}
    return api.data(TRANSLATE, variables, token=token)["caseStudyTranslationSet"]


def test_readers_get_their_language_when_translated_and_the_original_otherwise(api, world):
    case_id = make(world)
    editor = world.token("caseworker_c1")
    french = translate(
        api,
        editor,
        case_id,
        "fr",
        title="Une coopérative de thé",
        summary="Les petits exploitants ont mis leurs terres en commun.",
        lessons="Les parts gardent les plus pauvres dans les bénéfices.",
    )
    assert french["errors"] == []
    chinese = translate(
        api, editor, case_id, "zh_Hans", title="茶叶合作社", story="他们销售品牌茶。"
    )
    assert chinese["errors"] == []

    in_french = read(api, case_id, **{"Accept-Language": "fr-BE"})
    assert in_french == {
        "id": gid("CaseStudy", case_id),
        "sourceLanguage": "en",
        "title": translated("Une coopérative de thé", "fr"),
        "summary": translated("Les petits exploitants ont mis leurs terres en commun.", "fr"),
        "story": original(STORY),
        "lessons": translated("Les parts gardent les plus pauvres dans les bénéfices.", "fr"),
    }
    in_chinese = read(api, case_id, **{"Accept-Language": "zh-CN"})
    assert in_chinese["title"] == translated("茶叶合作社", "zh_Hans")
    assert in_chinese["story"] == translated("他们销售品牌茶。", "zh_Hans")
    assert in_chinese["summary"] == original(SUMMARY)
    in_russian = read(api, case_id, **{"Accept-Language": "ru"})
    assert [in_russian[f] for f in ("title", "summary", "story", "lessons")] == [
        original(TITLE),
        original(SUMMARY),
        original(STORY),
        original(LESSONS),
    ]

    removed = translate(api, editor, case_id, "zh_Hans", title="", story=None)
    assert removed["errors"] == []
    assert read(api, case_id, **{"Accept-Language": "zh-CN"})["title"] == original(TITLE)


def test_a_translation_goes_stale_when_the_draft_changes(api, world):
    case_id = make(world, publish=False)
    editor = world.token("caseworker_c1")
    translate(api, editor, case_id, "fr", title="Coopérative", lessons="Des parts.")
    assert read(api, case_id, token=editor, **{"Accept-Language": "fr"})["lessons"] == (
        translated("Des parts.", "fr")
    )

    edited = api.data(
        UPDATE,
        {"input": {"id": gid("CaseStudy", case_id), "story": "A longer story."}},
        token=editor,
    )
    assert edited["caseStudyUpdate"]["errors"] == []
    node = read(api, case_id, token=editor, **{"Accept-Language": "fr"})
    # The story was not translated, but the translation was written for the old one.
    assert node["title"] == translated("Coopérative", "fr", stale=True)
    assert node["lessons"] == translated("Des parts.", "fr", stale=True)
    assert node["story"] == original("A longer story.")

    translate(api, editor, case_id, "fr", title="Coopérative", story="Une histoire plus longue.")
    node = read(api, case_id, token=editor, **{"Accept-Language": "fr"})
    assert node["title"] == translated("Coopérative", "fr")
    assert node["lessons"] == original(LESSONS)


def test_the_language_of_a_new_case_study_is_given_or_the_readers(api, world):
    editor = world.token("caseworker_c1")

    def create(given: dict[str, str] | None = None, **options: object) -> dict:
        values = {
            "title": "茶叶合作社",
            "summary": "小农户把土地入股合作社。",
            "region": gid("Region", world.regions["P1-A-C1"].id),
            "interventionType": "INDUSTRY",
            "causes": ["LACK_OF_CAPITAL"],
        } | (given or {})
        return api.data(CREATE, {"input": values}, token=editor, **options)["caseStudyCreate"]

    by_header = create(locale="zh_Hans")["caseStudy"]
    assert by_header["sourceLanguage"] == "zh_Hans"
    accepted = create(headers={"Accept-Language": "sw"})["caseStudy"]
    assert accepted["sourceLanguage"] == "sw"
    assert create({"language": "zh-Hans"})["caseStudy"]["sourceLanguage"] == "zh_Hans"
    refused = create({"language": "Chinese"})
    assert refused == {"caseStudy": None, "errors": [{"field": "language", "code": "INVALID"}]}

    same = translate(api, editor, by_header["id"], "zh", title="合作社")
    assert same["errors"] == [{"field": "locale", "code": "INVALID"}]
    english = translate(api, editor, by_header["id"], "en", title="Tea cooperative")
    assert english["errors"] == []


@pytest.mark.parametrize(
    ("locale", "texts", "errors"),
    [
        ("", {"title": "T"}, [("locale", "INVALID")]),
        ("de-DE", {"title": "T"}, [("locale", "INVALID")]),  # not an instance locale
        ("en_US", {"title": "T"}, [("locale", "INVALID")]),  # the source language
        (
            "fr",
            {"summary": "s" * 1001, "story": "s" * 20001},
            [("summary", "TOO_LONG"), ("story", "TOO_LONG")],
        ),
    ],
)
def test_bad_translations_are_typed_errors_and_write_nothing(api, world, locale, texts, errors):
    case_id = make(world)
    body = translate(api, world.token("admin"), case_id, locale, **texts)
    assert body["caseStudy"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == errors
    assert read(api, case_id, **{"Accept-Language": "fr"})["title"] == original(TITLE)


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),  # not an editing role: refused before the service
        ("caseworker_p2", "id:FORBIDDEN"),  # sees the published story, not of their area
        ("organisation", "id:FORBIDDEN"),  # not their organisation's
        ("caseworker_c1", "ok"),
        ("admin", "ok"),
    ],
)
def test_its_editors_translate_a_case_study(api, world, who, outcome):
    case_id = make(world)
    body = api.post(
        TRANSLATE,
        {"input": {"id": gid("CaseStudy", case_id), "locale": "fr", "title": "Coopérative"}},
        token=world.token(who),
    )
    title = read(api, case_id, **{"Accept-Language": "fr"})["title"]
    if outcome == "ok":
        assert body["data"]["caseStudyTranslationSet"]["errors"] == []
        assert title == translated("Coopérative", "fr")
    elif ":" in outcome:
        field, code = outcome.split(":")
        payload = body["data"]["caseStudyTranslationSet"]
        assert payload == {"caseStudy": None, "errors": [{"field": field, "code": code}]}
        assert title == original(TITLE)
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [outcome]
        assert title == original(TITLE)


def test_a_draft_is_not_found_by_editors_who_cannot_see_it(api, world):
    case_id = make(world, publish=False)
    body = translate(api, world.token("caseworker_p2"), case_id, "fr", title="Coopérative")
    assert body == {"caseStudy": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}


def test_text_search_finds_case_studies_by_their_translations(api, world):
    tea = make(world)
    road = make(world, title="A road to market", summary="A paved road.", lessons="Plan it.")
    editor = world.token("admin")
    translate(api, editor, tea, "fr", summary="Une coopérative de thé")
    translate(api, editor, road, "zh_Hans", lessons="与合作社一起规划道路。")

    def found(text: str) -> list[str]:
        nodes = api.data(LIST, {"filter": {"text": text}})["caseStudies"]["nodes"]
        return [n["id"] for n in nodes]

    assert found("coopérative") == [gid("CaseStudy", tea)]
    assert found("规划道路") == [gid("CaseStudy", road)]
    assert found("paved") == [gid("CaseStudy", road)]


def test_the_list_costs_the_same_statements_for_5_or_40_translated_case_studies(
    api, world, sql_counter
):
    def add(count: int) -> None:
        for index in range(count):
            case_id = make(world, title=f"Story {index}")
            if index % 2 == 0:
                with unit_of_work(world.engine) as session:
                    service.set_case_study_translation(
                        session,
                        actor=ADMIN,
                        locales=world.settings.instance.locales,
                        case_study_id=case_id,
                        locale="zh_Hans",
                        texts={"title": f"故事 {index}"},
                    )

    def cost(count: int) -> int:
        sql_counter.reset()
        nodes = api.data(LIST, headers={"Accept-Language": "zh-CN"})["caseStudies"]["nodes"]
        assert len(nodes) == count
        assert any(n["title"]["isTranslation"] for n in nodes)
        return sql_counter.count

    add(5)
    few = cost(5)
    add(35)
    assert cost(40) == few


def test_the_demo_translates_a_handful_of_case_studies(api, world):
    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(1), instance=world.settings.instance, today=date.today()
        )
    for language, header in (("zh_Hans", "zh-CN"), ("fr", "fr")):
        nodes = api.data(LIST, headers={"Accept-Language": header})["caseStudies"]["nodes"]
        texts = [n[f] for n in nodes for f in ("title", "summary") if n[f]["isTranslation"]]
        assert texts and all(t["language"] == language and not t["isStale"] for t in texts)
