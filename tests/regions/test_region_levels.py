"""regionCreate states the level it creates, checked against the parent; `levelName` and
the refusal's message come in the request's locale."""

from __future__ import annotations

import pytest

from api.regions.models import Region
from tests.help_requests import factories as f

CREATE = """
mutation($input: RegionCreateInput!) {
  regionCreate(input: $input) {
    region { code level levelName officialName sourceLanguage }
    errors { field code message }
  }
}"""
LEVEL_NAMES = """
query($code: String!) { regionByCode(code: $code) { levelName parent { levelName } } }
"""


def create(api, world, locale: str | None = None, **fields):
    values = {"code": "NEW", "name": "New area", **fields}
    return api.data(CREATE, {"input": values}, token=world.admin.token, locale=locale)[
        "regionCreate"
    ]


def test_a_stated_level_that_follows_from_the_parent_is_accepted(api, world):
    prefecture = world.regions["P1-A"]

    payload = create(api, world, level=3, parent=f.gid("Region", prefecture.id))

    assert payload["errors"] == []
    assert payload["region"] == {
        "code": "NEW",
        "level": 3,
        "levelName": "County",
        "officialName": "New area",
        "sourceLanguage": "en",
    }


@pytest.mark.parametrize(
    ("parent_code", "level", "message"),
    [
        (None, 2, "This area must be at level 1 (Province)."),
        ("P1-A", 4, "This area must be at level 3 (County)."),
        ("P1-A", 2, "This area must be at level 3 (County)."),
        ("P1-A-C1-T", 1, "This area must be at level 5 (Village)."),
    ],
)
def test_a_wrong_level_is_out_of_range_and_names_the_level_expected(
    api, world, parent_code, level, message
):
    parent = world.regions[parent_code].id if parent_code else None

    payload = create(api, world, level=level, parent=f.gid("Region", parent) if parent else None)

    assert payload["region"] is None
    assert payload["errors"] == [{"field": "level", "code": "OUT_OF_RANGE", "message": message}]
    assert f.count(world.engine, Region, Region.code == "NEW") == 0


def test_the_refusal_is_in_the_request_locale(api, world):
    parent = f.gid("Region", world.regions["P1-A"].id)

    french = create(api, world, locale="fr", level=4, parent=parent)
    chinese = create(api, world, locale="zh_Hans", level=4, parent=parent)

    assert [e["message"] for e in french["errors"]] == [
        "Cette région doit être au niveau 3 (District)."
    ]
    # The catalog's full-width parentheses, as Chinese text writes them.
    assert [e["message"] for e in chinese["errors"]] == ["该地区应为第 3 级（县）。"]  # noqa: RUF001


def test_the_level_is_required_by_the_schema(api, world):
    body = api.post(CREATE, {"input": {"code": "NEW", "name": "x"}}, token=world.admin.token)

    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def test_the_official_language_defaults_to_the_instances_and_must_be_one_of_its_locales(api, world):
    chinese = create(api, world, locale="fr", level=1, code="ZH", name="湖南", language="zh-CN")
    unknown = create(api, world, level=1, code="XX", language="de")

    assert chinese["region"]["sourceLanguage"] == "zh_Hans"
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("language", "INVALID")]
    # Not the French of the admin's screen: official names are in the instance's language.
    assert create(api, world, locale="fr", level=1)["region"]["sourceLanguage"] == "en"


@pytest.mark.parametrize(
    ("locale", "names"),
    [
        ("en", ("Village", "Township")),
        ("fr", ("Village", "Canton")),
        ("zh_Hans", ("村", "乡（镇）")),  # noqa: RUF001  (the catalog's full-width parentheses)
        ("ar", ("قرية", "بلدة")),
    ],
)
def test_level_names_come_in_the_request_locale(api, world, locale, names):
    region = api.data(LEVEL_NAMES, {"code": "P1-A-C1-T-V"}, locale=locale)["regionByCode"]

    assert (region["levelName"], region["parent"]["levelName"]) == names
