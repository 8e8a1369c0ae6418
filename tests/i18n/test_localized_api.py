"""For each of the eight locales, over real HTTP: an error, a taxonomy label, an enum
label, a money amount and a date, each in that locale exactly as the catalogs and Babel
(CLDR) give it. Each locale is reached through a regional Accept-Language tag, so the
negotiation is part of what is tested."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from sqlmodel import Session

from api.projects.models import Project, ProjectStatus
from tests import factories
from tests.i18n.conftest import po_catalog, po_text

# (locale, what a browser in that language sends)
BROWSERS = [
    ("en", "en-GB,en;q=0.9"),
    ("zh_Hans", "zh-CN,zh;q=0.9"),
    ("fr", "fr-FR,fr;q=0.9,en;q=0.5"),
    ("es", "es-419,es;q=0.9"),
    ("ar", "ar-EG,ar;q=0.9"),
    ("ru", "ru-RU,ru;q=0.9"),
    ("sw", "sw-KE,sw;q=0.9,en;q=0.5"),
    ("pt", "pt-BR,pt;q=0.9"),
]

QUERY = """
query {
  instance { povertyCauses { code label } }
  enumLabels(enums: ["ProjectStatus"]) { values { value label } }
  projects(first: 5) {
    nodes { budget { formatted } startsOn startsOnFormatted(style: LONG) }
  }
}
"""
TOO_MANY = "{ helpRequests(first: 500) { nodes { id } } }"
LOGIN = (
    "mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { token "
    "errors { code message } } }"
)


@pytest.fixture
def project(engine, settings) -> Project:
    regions = factories.region_tree(engine, settings)
    region = next(iter(regions.values()))
    with Session(engine) as session:
        row = Project(
            name="Kiwi orchards",
            project_type="INDUSTRY",
            status=ProjectStatus.ACTIVE,
            region_id=region.id,  # type: ignore[arg-type]
            region_path=region.path,
            description="Kiwi orchards on terraced hills.",
            budget_minor=1_234_567_89,
            currency="CNY",
            starts_on=date(2026, 3, 9),
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


@pytest.mark.parametrize(("locale", "accept_language"), BROWSERS)
def test_each_locale_gets_its_messages_labels_money_and_dates(
    api, project, locale, accept_language
):
    response = api.http.post(
        "/graphql", json={"query": QUERY}, headers={"Accept-Language": accept_language}
    )
    assert response.status_code == 200
    assert response.headers["content-language"] == locale.replace("_", "-")
    body = response.json()
    assert "errors" not in body, body["errors"]

    # A typed error by code, in the locale, with the numbers in the locale's digits/grouping.
    refused = api.http.post(
        "/graphql", json={"query": TOO_MANY}, headers={"Accept-Language": accept_language}
    )
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "BAD_PAGE_SIZE"
    expected_error = po_text(locale, "`first` must be between 0 and {limit}; got {first}.")
    assert error["message"] == expected_error.format(
        limit=format_decimal(100, locale=locale), first=format_decimal(500, locale=locale)
    )

    # A typed mutation error: a code in the payload, the message in the locale.
    login = api.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": "no@example.org", "password": "x"}}},
        headers={"Accept-Language": accept_language},
    ).json()["data"]["tokenCreate"]
    [typed] = login["errors"]
    assert typed["code"] == "INVALID_CREDENTIALS"
    assert typed["message"] == po_text(locale, "The email or password is incorrect.")

    data = body["data"]
    labels = {term["code"]: term["label"] for term in data["instance"]["povertyCauses"]}
    assert labels["ILLNESS"] == po_text(locale, "Illness", "poverty_causes")
    assert labels["LACK_OF_WATER"] == po_text(locale, "Lack of water", "poverty_causes")

    [status_labels] = data["enumLabels"]
    by_value = {v["value"]: v["label"] for v in status_labels["values"]}
    assert by_value["ACTIVE"] == po_text(locale, "Active", "ProjectStatus")

    [node] = data["projects"]["nodes"]
    assert node["budget"]["formatted"] == format_currency(
        Decimal("1234567.89"), "CNY", locale=locale
    )
    assert node["startsOn"] == "2026-03-09"
    assert node["startsOnFormatted"] == format_date(date(2026, 3, 9), "long", locale=locale)

    if locale != "en":  # really translated, not the English source passed through
        assert error["message"] != "`first` must be between 0 and 100; got 500."
        assert labels["ILLNESS"] != "Illness"
        assert node["startsOnFormatted"] != "9 March 2026"


def test_chinese_labels_are_the_registration_terms(api, project):
    data = api.data("{ instance { povertyCauses { code label } } }", locale="zh_Hans")
    labels = {term["code"]: term["label"] for term in data["instance"]["povertyCauses"]}
    assert labels["ILLNESS"] == "因病"
    assert labels["WEAK_SELF_DEVELOPMENT"] == "自身发展动力不足"


def test_arabic_plural_forms_follow_the_count(api):
    """Six Arabic forms: the text-limit message takes the one CLDR's rule picks for the
    limit (the request text filter allows 200 characters: form 5, "other")."""
    from api.help_requests import matching

    body = api.post(
        "query($t: String) { helpRequests(first: 5, filter: {text: $t}) { nodes { id } } }",
        {"t": "x" * (matching.TEXT_LIMIT + 1)},
        locale="ar",
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    forms = po_catalog("ar").get("This text is too long (at most {limit} character).").string
    assert len(forms) == 6 and len(set(forms)) > 1
    index = gettext_plural_index("ar", matching.TEXT_LIMIT)
    limit = format_decimal(matching.TEXT_LIMIT, locale="ar")
    assert error["message"] == forms[index].format(limit=limit)


def gettext_plural_index(locale: str, n: int) -> int:
    import gettext

    from babel.messages.plurals import get_plural

    return int(gettext.c2py(get_plural(locale).plural_expr)(n))  # type: ignore[attr-defined]


def test_operation_language_beats_header_and_account(api):
    query = (
        'query @inContext(language: "ar") { enumLabels(enums: ["Urgency"]) { values { label } } }'
    )
    response = api.http.post(
        "/graphql",
        json={"query": query},
        headers={"X-Aidbridge-Locale": "fr", "Accept-Language": "ru"},
    )
    assert response.headers["content-language"] == "ar"
    labels = [v["label"] for v in response.json()["data"]["enumLabels"][0]["values"]]
    assert labels[0] == po_text("ar", "Low", "Urgency")


def test_operation_language_from_a_variable_and_unavailable_ones_fall_through(api):
    query = (
        "query($lang: String!) @inContext(language: $lang) "
        '{ enumLabels(enums: ["Urgency"]) { values { label } } }'
    )
    chosen = api.http.post("/graphql", json={"query": query, "variables": {"lang": "pt-BR"}})
    assert chosen.headers["content-language"] == "pt"
    unavailable = api.http.post(
        "/graphql",
        json={"query": query, "variables": {"lang": "tlh"}},
        headers={"Accept-Language": "sw"},
    )
    assert unavailable.headers["content-language"] == "sw"
    assert unavailable.json()["data"]["enumLabels"][0]["values"][0]["label"] == po_text(
        "sw", "Low", "Urgency"
    )


def test_permission_errors_are_localized(api):
    body = api.post("mutation { tokenRevoke { revoked } }", locale="es")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == po_text("es", "Please log in first.")


def test_unknown_enum_name_is_a_localized_input_error(api):
    body = api.post('{ enumLabels(enums: ["Nope"]) { enum } }', locale="fr")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == po_text(
        "fr", "`enums` names no labelled enum called {name}."
    ).format(name="Nope")


def test_the_locale_list_names_each_language_in_itself(api):
    data = api.data(
        "{ locales { code languageTag nativeName englishName direction completeness isDefault } }"
    )
    locales = data["locales"]
    assert locales[0]["code"] == "en"
    assert {entry["code"] for entry in locales} == {
        "en",
        "zh_Hans",
        "fr",
        "es",
        "ar",
        "ru",
        "sw",
        "pt",
    }
    by_code = {entry["code"]: entry for entry in locales}
    assert by_code["ar"]["direction"] == "RTL"
    assert by_code["ar"]["nativeName"] == "العربية"
    assert by_code["zh_Hans"]["languageTag"] == "zh-Hans"
    assert by_code["en"]["isDefault"] and not by_code["fr"]["isDefault"]
    assert {entry["completeness"] for entry in locales} == {1.0}
    assert all(entry["direction"] == "LTR" for code, entry in by_code.items() if code != "ar")
