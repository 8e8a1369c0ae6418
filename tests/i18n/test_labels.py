"""Labels without a server: the order in which a taxonomy label is found, enum labels,
and the locale list's facts from CLDR."""

from __future__ import annotations

from api.core.i18n import LocalisationConfig, locale_names, text_direction, translator_for
from api.core.settings import TaxonomyEntry
from api.core.taxonomy import POVERTY_CAUSES, taxonomy_label
from api.graphql.labels import english_label, enum_label
from tests.i18n.conftest import po_text


def translator(locale: str):  # type: ignore[no-untyped-def]
    return translator_for(LocalisationConfig(), locale)


def test_an_instance_label_wins_then_the_catalog_then_english():
    own = TaxonomyEntry(code="FLOOD", labels={"en": "Flood", "fr": "Inondation"})
    assert taxonomy_label(translator("fr"), POVERTY_CAUSES, own) == "Inondation"
    assert taxonomy_label(translator("ru"), POVERTY_CAUSES, own) == "Flood"  # not in catalogs
    built_in = TaxonomyEntry(code="ILLNESS", labels={"en": "Illness"})
    assert taxonomy_label(translator("ru"), POVERTY_CAUSES, built_in) == po_text(
        "ru", "Illness", "poverty_causes"
    )
    reworded = TaxonomyEntry(code="ILLNESS", labels={"en": "Illness", "ru": "Болезнь"})
    assert taxonomy_label(translator("ru"), POVERTY_CAUSES, reworded) == "Болезнь"


def test_a_regional_locale_uses_the_instance_label_of_its_language():
    own = TaxonomyEntry(code="FLOOD", labels={"en": "Flood", "pt": "Enchente"})
    assert taxonomy_label(translator("pt_BR"), POVERTY_CAUSES, own) == "Enchente"


def test_enum_labels_come_from_value_names_and_differ_by_enum():
    assert english_label("HelpRequestStatus", "PENDING_VERIFICATION") == "Pending verification"
    assert english_label("InterventionType", "E_COMMERCE") == "E-commerce"
    french = translator("fr")
    assert enum_label(french, "OrderStatus", "CANCELLED") == po_text(
        "fr", "Cancelled", "OrderStatus"
    )
    assert enum_label(translator("en"), "PledgeStatus", "LAPSED") == "Lapsed"


def test_locale_facts_come_from_cldr():
    assert text_direction("ar") == "rtl"
    assert text_direction("zh_Hans") == "ltr"
    assert locale_names("ar") == ("العربية", "Arabic")
    assert locale_names("sw")[0] == "Kiswahili"
    assert locale_names("zh_Hans")[1] == "Chinese (Simplified)"
