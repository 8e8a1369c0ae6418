"""The built-in catalogs: current with the code, complete, and with CLDR's plural rules.
This is the CI check that fails when a message is added, changed or removed in the code
(or an enum value in the SDL) without `aidbridge i18n update` and a translation."""

from __future__ import annotations

import gettext
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from api.core import catalogs
from api.core.i18n import GettextLocalizer, LocalisationConfig, template_keys
from tests.i18n.conftest import I18N, LOCALES, po_catalog


def test_catalogs_are_current_and_complete():
    problems = catalogs.check()
    assert problems == [], "\n".join(map(str, problems[:40]))


def test_exactly_the_eight_built_in_locales_ship():
    assert catalogs.catalog_locales() == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_completeness_is_full_for_every_built_in_locale(locale):
    localizer = GettextLocalizer(LocalisationConfig())
    assert len(template_keys()) > 200
    assert localizer.completeness(locale) == 1.0


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_match_cldr(locale):
    catalog = po_catalog(locale)
    expected = get_plural(locale)
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr == expected.plural_expr


def test_arabic_has_six_distinct_plural_forms_chosen_by_count():
    localizer = GettextLocalizer(LocalisationConfig())
    singular = "This text is too long (at most {limit} character)."
    plural = "This text is too long (at most {limit} characters)."
    forms = po_catalog("ar").get(singular).string
    assert len(forms) == 6 and len(set(forms)) >= 4
    choose = gettext.c2py(get_plural("ar").plural_expr)  # type: ignore[attr-defined]
    for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111, 1000):
        assert localizer.ngettext("ar", singular, plural, n) == forms[choose(n)]


def test_a_regional_locale_falls_back_to_its_language():
    localizer = GettextLocalizer(LocalisationConfig())
    assert localizer.gettext("pt_BR", "Not found.") == localizer.gettext("pt", "Not found.")
    assert (
        localizer.gettext("zh_Hans_CN", "Not found.")
        == po_catalog("zh_Hans").get("Not found.").string
    )


def test_no_compiled_catalog_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "i18n"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert not [path for path in tracked if path.endswith(".mo")]


def _copy(tmp_path: Path) -> Path:
    directory = tmp_path / "i18n"
    shutil.copytree(I18N, directory, ignore=shutil.ignore_patterns("*.mo"))
    return directory


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parents[1].name)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True)


def test_the_check_finds_untranslated_fuzzy_and_missing_messages(tmp_path):
    directory = _copy(tmp_path)
    french = directory / "fr" / "LC_MESSAGES" / "messages.po"

    def damage(catalog):  # type: ignore[no-untyped-def]
        catalog.get("Not found.").string = ""
        catalog.get("Please log in first.").flags.add("fuzzy")
        catalog.delete("Anonymous")

    _rewrite(french, damage)
    problems = {str(problem) for problem in catalogs.check(directory)}
    assert "fr: untranslated: 'Not found.'" in problems
    assert "fr: fuzzy: 'Please log in first.'" in problems
    assert "fr: missing message ('', 'Anonymous')" in problems
    assert "fr: stale against the code: run `aidbridge i18n update`" in problems
    assert not [p for p in problems if not p.startswith("fr: ")]


def test_the_check_finds_wrong_plural_forms(tmp_path):
    directory = _copy(tmp_path)
    arabic = directory / "ar" / "LC_MESSAGES" / "messages.po"
    text = arabic.read_text(encoding="utf-8")
    header = next(line for line in text.splitlines() if line.startswith('"Plural-Forms:'))
    arabic.write_text(
        text.replace(header, '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"'), encoding="utf-8"
    )
    problems = [str(p) for p in catalogs.check(directory)]
    assert any(p.startswith("ar: plural forms 2") for p in problems), problems


def test_the_command_line_check_passes_on_the_shipped_catalogs():
    aidbridge = Path(sys.executable).with_name("aidbridge")
    result = subprocess.run(  # noqa: S603  (our own console script, fixed arguments)
        [str(aidbridge), "i18n", "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "current and complete" in result.stderr


def test_browser_catalogs_are_generated_from_the_same_po_files(tmp_path):
    written = catalogs.export_json(tmp_path)
    assert sorted(path.stem for path in written) == sorted(LOCALES)
    arabic = json.loads((tmp_path / "ar.json").read_text(encoding="utf-8"))
    assert arabic["plural"] == get_plural("ar").plural_expr
    assert arabic["messages"]["Not found."] == po_catalog("ar").get("Not found.").string
    key = "HelpRequestStatus\u0004Open"
    assert arabic["messages"][key] == po_catalog("ar").get("Open", "HelpRequestStatus").string
    forms = arabic["messages"]["This text is too long (at most {limit} character)."]
    assert isinstance(forms, list) and len(forms) == 6


def _set_plural_header(path: Path, header: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith('"Plural-Forms:'))
    end = start
    while not lines[end].rstrip().endswith('\\n"'):
        end += 1
    lines[start : end + 1] = [f'"Plural-Forms: {header}\\n"\n']
    path.write_text("".join(lines), encoding="utf-8")


def test_an_update_moves_forms_to_the_new_plural_rule_and_flags_new_categories(tmp_path):
    """A catalog written under Babel 2.18's rules (fr: 2 forms; ar: 11-99 last) is brought
    to the installed rule by `update`: forms keep their CLDR category, and a category the
    old rule lacked (French "many", for millions) is flagged for a translator."""
    directory = _copy(tmp_path)
    singular = "This text is too long (at most {limit} character)."
    french = directory / "fr" / "LC_MESSAGES" / "messages.po"
    arabic = directory / "ar" / "LC_MESSAGES" / "messages.po"
    shipped_fr = po_catalog("fr").get(singular).string
    shipped_ar = po_catalog("ar").get(singular).string

    def two_forms(catalog):  # type: ignore[no-untyped-def]
        for message in catalog:
            if isinstance(message.id, tuple):
                message.string = (message.string[0], message.string[2])

    def old_arabic_order(catalog):  # type: ignore[no-untyped-def]
        for message in catalog:
            if isinstance(message.id, tuple):
                forms = message.string
                message.string = (*forms[:4], forms[5], forms[4])

    _rewrite(french, two_forms)
    _set_plural_header(french, "nplurals=2; plural=(n > 1);")
    _rewrite(arabic, old_arabic_order)
    _set_plural_header(
        arabic,
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=0 && n%100<=2 ? 4 : 5);",
    )

    catalogs.follow_plural_rules(directory)

    with french.open("rb") as handle:
        fr = read_po(handle, locale="fr").get(singular)
    assert fr.string == (shipped_fr[0], shipped_fr[2], shipped_fr[2])
    assert fr.fuzzy  # the "many" form is a copy until a translator writes it
    with arabic.open("rb") as handle:
        ar = read_po(handle, locale="ar").get(singular)
    assert ar.string == shipped_ar and not ar.fuzzy
    problems = {str(problem) for problem in catalogs.check(directory)}
    assert f"fr: fuzzy: {(singular, fr.id[1])!r}" in problems
    assert not [p for p in problems if p.startswith("ar:")]


@pytest.mark.parametrize("locale", ["fr", "es", "pt"])
def test_millions_take_the_many_form(locale):
    localizer = GettextLocalizer(LocalisationConfig())
    singular = "This text is too long (at most {limit} character)."
    plural = "This text is too long (at most {limit} characters)."
    forms = po_catalog(locale).get(singular).string
    assert len(forms) == 3 and forms[1] != forms[2]
    assert localizer.ngettext(locale, singular, plural, 1_000_000) == forms[1]
    assert localizer.ngettext(locale, singular, plural, 1000) == forms[2]
    assert localizer.ngettext(locale, singular, plural, 1) == forms[0]
