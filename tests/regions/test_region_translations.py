"""Region names per locale: admins translate and rename areas; `Region.name` reads the
reader's language when a translation exists, `officialName` always the official name; every
list that shows regions reads their translations in one statement, none at all when the
reader's language is the official one."""

from __future__ import annotations

import pytest

from api.core.translations import DIGEST_LENGTH
from api.regions import models
from api.regions.models import RegionTranslation
from tests import factories
from tests.help_requests import factories as f

TEXT = "{ text language isTranslation isStale }"
REGION = f"name officialName sourceLanguage localizedName {TEXT}"
TRANSLATE = f"""
mutation($input: RegionTranslationSetInput!) {{
  regionTranslationSet(input: $input) {{ region {{ {REGION} }} errors {{ field code message }} }}
}}"""
RENAME = f"""
mutation($input: RegionRenameInput!) {{
  regionRename(input: $input) {{ region {{ {REGION} }} errors {{ field code message }} }}
}}"""
BY_CODE = f"query($code: String!) {{ regionByCode(code: $code) {{ {REGION} }} }}"
HOUSEHOLDS = """
query {
  households(first: 100) {
    nodes { publicCode region { name parent { name parent { name } } } }
  }
}"""


def translate(api, world, region_code: str, locale: str, name: str | None, token=None):
    region = world.regions[region_code]
    variables = {"input": {"id": f.gid("Region", region.id), "locale": locale, "name": name}}
    body = api.post(TRANSLATE, variables, token=token or world.admin.token)
    return body


def test_the_translation_table_keeps_the_core_digest_length():
    assert models.DIGEST_LENGTH == DIGEST_LENGTH


def test_an_admin_translates_a_name_and_readers_of_that_language_get_it(api, world):
    body = translate(api, world, "P1", "fr", " Première province ")

    assert body["data"]["regionTranslationSet"]["errors"] == []
    french = api.data(BY_CODE, {"code": "P1"}, locale="fr")["regionByCode"]
    english = api.data(BY_CODE, {"code": "P1"}, locale="en")["regionByCode"]
    spanish = api.data(BY_CODE, {"code": "P1"}, locale="es")["regionByCode"]
    assert french == {
        "name": "Première province",
        "officialName": "Region P1",
        "sourceLanguage": "en",
        "localizedName": {
            "text": "Première province",
            "language": "fr",
            "isTranslation": True,
            "isStale": False,
        },
    }
    original = {"text": "Region P1", "language": "en", "isTranslation": False, "isStale": False}
    assert english["name"] == spanish["name"] == "Region P1"
    assert english["localizedName"] == spanish["localizedName"] == original


def test_a_rename_changes_the_official_name_and_marks_translations_stale(api, world):
    translate(api, world, "P1", "fr", "Première province")
    variables = {"input": {"id": f.gid("Region", world.regions["P1"].id), "name": "Hunan"}}

    renamed = api.data(RENAME, variables, token=world.admin.token)["regionRename"]

    assert renamed["errors"] == []
    assert (renamed["region"]["name"], renamed["region"]["officialName"]) == ("Hunan", "Hunan")
    french = api.data(BY_CODE, {"code": "P1"}, locale="fr")["regionByCode"]
    assert french["name"] == "Première province"
    assert french["localizedName"]["isStale"] is True
    translate(api, world, "P1", "fr", "Hunan (province)")
    again = api.data(BY_CODE, {"code": "P1"}, locale="fr")["regionByCode"]
    assert (again["name"], again["localizedName"]["isStale"]) == ("Hunan (province)", False)


def test_a_null_name_removes_the_translation(api, world):
    translate(api, world, "P1", "fr", "Première province")

    body = translate(api, world, "P1", "fr", None)

    assert body["data"]["regionTranslationSet"]["errors"] == []
    assert api.data(BY_CODE, {"code": "P1"}, locale="fr")["regionByCode"]["name"] == "Region P1"
    assert f.count(world.engine, RegionTranslation) == 0


@pytest.mark.parametrize(
    ("locale", "name", "expected"),
    [
        ("en", "Same language", [("locale", "INVALID")]),
        ("de", "Nicht angeboten", [("locale", "INVALID")]),
        ("fr", "n" * 201, [("name", "TOO_LONG")]),
    ],
)
def test_invalid_translations_are_refused(api, world, locale, name, expected):
    body = translate(api, world, "P1", locale, name)["data"]["regionTranslationSet"]

    assert body["region"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == expected
    assert f.count(world.engine, RegionTranslation) == 0


def test_a_blank_new_name_is_refused(api, world):
    variables = {"input": {"id": f.gid("Region", world.regions["P1"].id), "name": "  "}}

    body = api.data(RENAME, variables, token=world.admin.token)["regionRename"]

    assert [(e["field"], e["code"]) for e in body["errors"]] == [("name", "REQUIRED")]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("rep", "FORBIDDEN"),
        ("caseworker", "FORBIDDEN"),
        ("far_caseworker", "FORBIDDEN"),
    ],
)
def test_only_platform_admins_translate_and_rename(api, world, who, code):
    actor = world.people()[who]
    token = actor.token if actor else None
    region_id = f.gid("Region", world.regions["P1-A-C1"].id)

    translated = api.post(
        TRANSLATE, {"input": {"id": region_id, "locale": "fr", "name": "x"}}, token=token
    )
    renamed = api.post(RENAME, {"input": {"id": region_id, "name": "x"}}, token=token)

    for body in (translated, renamed):
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert f.count(world.engine, RegionTranslation) == 0
    assert api.data(BY_CODE, {"code": "P1-A-C1"})["regionByCode"]["name"] == "Region P1-A-C1"


def add_households(world, numbers: range) -> None:
    """A public household in a village of a county of its own for each number, each
    county translated into French."""
    from api.core.db import unit_of_work
    from api.regions.service import create_region

    instance = world.settings.instance
    villages = []
    with unit_of_work(world.engine) as session:
        for n in numbers:
            county = create_region(
                session,
                instance=instance,
                code=f"K{n}",
                name=f"County {n}",
                parent_id=world.regions["P1-A"].id,
            )
            township = create_region(
                session, instance=instance, code=f"K{n}-T", name="T", parent_id=county.id
            )
            village = create_region(
                session, instance=instance, code=f"K{n}-V", name="V", parent_id=township.id
            )
            villages.append((county.id, village))
    for county_id, village in villages:
        factories.household(world.engine, world.settings, village)
        translate_row(world, county_id, "fr", f"District {county_id}")


def translate_row(world, region_id: int, locale: str, name: str) -> None:
    from api.core.db import unit_of_work
    from api.regions.service import set_region_translation

    with unit_of_work(world.engine) as session:
        set_region_translation(
            session,
            actor=factories.ADMIN,
            locales=world.settings.instance.locales,
            region_id=region_id,
            locale=locale,
            name=name,
        )


def test_a_list_reads_its_regions_translations_in_one_statement_per_level(api, world, sql_counter):
    for code in ("P1", "P1-A", "P1-A-C1", "P1-A-C2"):
        translate(api, world, code, "fr", f"{code} (fr)")
    add_households(world, range(2))

    sql_counter.reset()
    english = api.data(HOUSEHOLDS, locale="en")["households"]["nodes"]
    in_english = sql_counter.count
    sql_counter.reset()
    french = api.data(HOUSEHOLDS, locale="fr")["households"]["nodes"]
    in_french = sql_counter.count

    # Counties (the public level), their prefecture, its province: three levels of names,
    # each level's translations in one statement; none in the official language.
    assert in_french == in_english + 3
    shown = {n["publicCode"]: n["region"] for n in french}
    assert shown[world.household_code] == {
        "name": "P1-A-C1 (fr)",
        "parent": {"name": "P1-A (fr)", "parent": {"name": "P1 (fr)"}},
    }
    assert {n["region"]["name"] for n in english} >= {"Region P1-A-C1", "Region P1-A-C2"}

    add_households(world, range(2, 8))
    sql_counter.reset()
    more = api.data(HOUSEHOLDS, locale="fr")["households"]["nodes"]
    assert len(more) == len(french) + 6
    assert sql_counter.count == in_french


def test_staff_see_exact_regions_in_their_language_too(api, world):
    translate(api, world, "P1-A-C1-T-V", "zh_Hans", "一村")
    query = """
    query($id: ID!) { node(id: $id) { ... on Household { exactRegion { name officialName } } } }
    """

    shown = api.data(
        query,
        {"id": f.gid("Household", world.household_code)},
        token=world.caseworker.token,
        locale="zh_Hans",
    )["node"]

    assert shown["exactRegion"] == {"name": "一村", "officialName": "Region P1-A-C1-T-V"}
