"""The built-in catalogs: current with the code, complete, and with CLDR's plural rules.
This is the CI check that fails when a message is added, changed or removed in the code
(or an enum value in the SDL) without `aidbridge i18n update` and a translation."""

from __future__ import annotations

import gettext

import pytest
from babel.messages.plurals import get_plural

from api.core import catalogs
from api.core.i18n import GettextLocalizer, LocalisationConfig, template_keys
from tests.i18n.conftest import LOCALES, po_catalog


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
    assert localizer.gettext("zh_Hans_CN", "Not found.") == po_catalog("zh_Hans").get(
        "Not found."
    ).string


def test_no_compiled_catalog_is_committed():
    import subprocess

    tracked = subprocess.run(  # noqa: S603, S607  (git, fixed arguments)
        ["git", "ls-files", "i18n"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert not [path for path in tracked if path.endswith(".mo")]
