"""An instance adds a ninth language and rewords an English message by configuration
only: catalogs in a directory named by its instance file, no code touched. And a package
replaces the localizer through an entry point."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_currency
from sqlmodel import Session

from api.app import create_app
from api.core import catalogs
from api.core.settings import DEFAULT_INSTANCE_FILE, ConfigError, load_settings
from api.projects.models import Project, ProjectStatus
from tests import factories
from tests.conftest import LiveServer

GERMAN = {
    ("", "Please log in first."): "Bitte melden Sie sich zuerst an.",
    ("poverty_causes", "Illness"): "Krankheit",
    ("ProjectStatus", "Active"): "Laufend",
}


def german_catalogs(directory: Path) -> None:
    """`aidbridge i18n init`-style German catalog, partly translated, plus one English
    message reworded by the instance."""
    path = catalogs.init("de", directory)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    for message in catalog:
        text = GERMAN.get((message.context or "", message.id))  # type: ignore[arg-type]
        if text:
            message.string = text
    with path.open("wb") as handle:
        write_po(handle, catalog)
    english = directory / "en" / "LC_MESSAGES"
    english.mkdir(parents=True)
    (english / "messages.po").write_text(
        textwrap.dedent(
            """\
            msgid ""
            msgstr ""
            "Content-Type: text/plain; charset=utf-8\\n"
            "Language: en\\n"

            msgid "Please log in first."
            msgstr "Sign in to continue."
            """
        ),
        encoding="utf-8",
    )


def instance_file(tmp_path: Path, **localisation: str) -> Path:
    text = DEFAULT_INSTANCE_FILE.read_text(encoding="utf-8")
    text = text.replace(
        'locales = ["en", "zh_Hans", "fr", "es", "ar", "ru", "sw", "pt"]',
        'locales = ["en", "zh_Hans", "fr", "es", "ar", "ru", "sw", "pt", "de"]',
    )
    text = text.replace("catalog_dirs = []", 'catalog_dirs = ["catalogs"]')
    for key, value in localisation.items():
        text = text.replace(f'{key} = "gettext"', f'{key} = "{value}"')
    path = tmp_path / "instance.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def configured_server(backend, engine, tmp_path):
    german_catalogs(tmp_path / "catalogs")
    settings = load_settings(
        {
            "SECRET_KEY": "t" * 40,
            "DATABASE_URL": backend.url,
            "AIDBRIDGE_INSTANCE_FILE": str(instance_file(tmp_path)),
        }
    )
    settings = replace(settings, database_url=backend.url)
    regions = factories.region_tree(engine, settings)
    region = next(iter(regions.values()))
    with Session(engine) as session:
        session.add(
            Project(
                name="Kiwi orchards",
                project_type="INDUSTRY",
                status=ProjectStatus.ACTIVE,
                region_id=region.id,  # type: ignore[arg-type]
                region_path=region.path,
                description="Kiwi orchards.",
                budget_minor=1_234_567_89,
                currency="EUR",
                starts_on=date(2026, 3, 9),
            )
        )
        session.commit()
    server = LiveServer(create_app(settings, engine))
    client = httpx.Client(base_url=server.url, timeout=30)
    yield client
    client.close()
    server.stop()


QUERY = """
{
  locales { code nativeName direction completeness }
  instance { povertyCauses { code label } }
  enumLabels(enums: ["ProjectStatus"]) { values { value label } }
  projects(first: 1) { nodes { budget { formatted } startsOnFormatted(style: FULL) } }
}
"""


def test_a_ninth_language_by_configuration(configured_server):
    response = configured_server.post(
        "/graphql", json={"query": QUERY}, headers={"Accept-Language": "de-AT,de;q=0.9"}
    )
    assert response.headers["content-language"] == "de"
    data = response.json()["data"]
    german = next(entry for entry in data["locales"] if entry["code"] == "de")
    assert german["nativeName"] == "Deutsch"
    assert german["direction"] == "LTR"
    assert 0 < german["completeness"] < 0.1  # three messages of the whole template
    built_in = {e["code"]: e["completeness"] for e in data["locales"] if e["code"] != "de"}
    assert set(built_in.values()) == {1.0}

    labels = {t["code"]: t["label"] for t in data["instance"]["povertyCauses"]}
    assert labels["ILLNESS"] == "Krankheit"
    assert labels["DISABILITY"] == "Disability"  # untranslated: the English source
    statuses = {v["value"]: v["label"] for v in data["enumLabels"][0]["values"]}
    assert statuses["ACTIVE"] == "Laufend"
    [project] = data["projects"]["nodes"]
    assert project["budget"]["formatted"] == format_currency(
        Decimal("1234567.89"), "EUR", locale="de"
    )
    assert project["startsOnFormatted"] == format_date(date(2026, 3, 9), "full", locale="de")

    error = configured_server.post(
        "/graphql",
        json={"query": "mutation { tokenRevoke { revoked } }"},
        headers={"Accept-Language": "de"},
    ).json()["errors"][0]
    assert error["message"] == "Bitte melden Sie sich zuerst an."


def test_an_instance_rewords_a_built_in_message(configured_server):
    body = configured_server.post(
        "/graphql",
        json={"query": "mutation { tokenRevoke { revoked } }"},
        headers={"Accept-Language": "en"},
    ).json()
    assert body["errors"][0]["message"] == "Sign in to continue."
    # Messages the instance does not reword keep the built-in text.
    page = configured_server.post(
        "/graphql", json={"query": "{ projects(first: 101) { nodes { id } } }"}
    ).json()
    assert page["errors"][0]["message"] == "`first` must be between 0 and 100; got 101."


SHOUTING_MODULE = '''
class ShoutingLocalizer:
    """Every message in capitals: a stand-in for, say, a translation-memory service."""

    def __init__(self, config):
        self.config = config

    def gettext(self, locale, message):
        return message.upper()

    def ngettext(self, locale, singular, plural, n):
        return (singular if n == 1 else plural).upper()

    def pgettext(self, locale, context, message):
        return message.upper()

    def completeness(self, locale):
        return 0.5
'''


def test_a_package_replaces_the_localizer_through_an_entry_point(
    backend, engine, tmp_path, monkeypatch
):
    (tmp_path / "shouting_localizer.py").write_text(SHOUTING_MODULE, encoding="utf-8")
    dist_info = tmp_path / "shouting_localizer-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shouting-localizer\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        "[aidbridge.localizers]\nshouting = shouting_localizer:ShoutingLocalizer\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "catalogs").mkdir()
    settings = load_settings(
        {
            "SECRET_KEY": "t" * 40,
            "DATABASE_URL": backend.url,
            "AIDBRIDGE_INSTANCE_FILE": str(instance_file(tmp_path, provider="shouting")),
        }
    )
    server = LiveServer(create_app(replace(settings, database_url=backend.url), engine))
    try:
        body = httpx.post(
            f"{server.url}/graphql",
            json={"query": "mutation { tokenRevoke { revoked } } "},
            timeout=30,
        ).json()
        assert body["errors"][0]["message"] == "PLEASE LOG IN FIRST."
        locales = httpx.post(
            f"{server.url}/graphql", json={"query": "{ locales { completeness } }"}, timeout=30
        ).json()["data"]["locales"]
        assert {entry["completeness"] for entry in locales} == {0.5}
    finally:
        server.stop()


def test_an_unknown_localizer_stops_start_up_with_one_clear_message(backend, tmp_path):
    (tmp_path / "catalogs").mkdir()
    settings = load_settings(
        {
            "SECRET_KEY": "t" * 40,
            "DATABASE_URL": backend.url,
            "AIDBRIDGE_INSTANCE_FILE": str(instance_file(tmp_path, provider="klingon")),
        }
    )
    with pytest.raises(ConfigError, match="no localizer named 'klingon'"):
        create_app(settings)
