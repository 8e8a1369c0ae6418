"""The shared pieces of translated content (api/core/translations.py): the digest that
tells a stale translation, choosing the text for a reader's locale, and the locale checks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from api.core.errors import ErrorCode, ServiceError
from api.core.translations import (
    DIGEST_LENGTH,
    TextField,
    Translatable,
    check_source_language,
    check_target_locale,
    digest_of,
    source_digest,
)
from api.graphql.translations import localize
from api.mall.models import ProductTranslation

LOCALES = ("en", "zh_Hans", "fr", "es", "ar", "ru", "sw", "pt")


def test_the_digest_is_short_stable_and_of_every_field_in_order():
    digest = source_digest(["Hill honey", "Wild honey from the hills."])
    assert len(digest) == DIGEST_LENGTH == 16
    assert digest == hashlib.sha256(b"Hill honey\x1fWild honey from the hills.").hexdigest()[:16]
    assert digest == source_digest(("Hill honey", "Wild honey from the hills."))
    assert digest != source_digest(["Hill honey", "Wild honey from the hills!"])
    assert digest != source_digest(["Wild honey from the hills.", "Hill honey"])
    # Where one field ends and the next begins matters.
    assert source_digest(["ab", "c"]) != source_digest(["a", "bc"])
    assert source_digest(["ab", None]) == source_digest(["ab", ""])
    assert source_digest(["山蜜"]) != source_digest(["山密"])


def test_the_digest_of_an_original_covers_its_translatable_fields():
    @dataclass
    class Original:
        name: str
        description: str
        price: int

    content = Translatable(
        ProductTranslation,
        "product_id",
        (TextField("name", "name", 200), TextField("description", "description", 4000)),
    )
    honey = Original("Hill honey", "Wild honey.", 100)
    assert digest_of(content, honey) == source_digest(["Hill honey", "Wild honey."])
    cheaper = Original("Hill honey", "Wild honey.", 90)
    assert digest_of(content, cheaper) == digest_of(content, honey)
    renamed = Original("Mountain honey", "Wild honey.", 100)
    assert digest_of(content, renamed) != digest_of(content, honey)
    assert content.cache_kind == "mall_product_translation"


def test_the_reader_gets_the_original_in_its_own_language():
    text = localize("山蜜", "zh_Hans", {"en": "Hill honey"}, "zh_Hans")
    assert (text.text, text.language, text.is_translation, text.is_stale) == (
        "山蜜",
        "zh_Hans",
        False,
        False,
    )


def test_the_reader_gets_a_translation_matched_on_language_and_script():
    translations = {"en": "Hill honey", "zh_Hans": "山蜜"}
    english = localize("Miel", "fr", translations, "en_GB")
    assert (english.text, english.language, english.is_translation) == ("Hill honey", "en", True)
    chinese = localize("Miel", "fr", translations, "zh_Hans_CN")
    assert (chinese.text, chinese.language) == ("山蜜", "zh_Hans")
    traditional = localize("Miel", "fr", translations, "zh_Hant")
    assert (traditional.text, traditional.is_translation) == ("Miel", False)


def test_without_a_usable_translation_the_reader_gets_the_original_and_its_language():
    translations = {"en": "Hill honey", "fr": None, "es": ""}
    for locale in ("fr", "es", "ar"):
        text = localize("山蜜", "zh_Hans", translations, locale)
        assert (text.text, text.language, text.is_translation, text.is_stale) == (
            "山蜜",
            "zh_Hans",
            False,
            False,
        )


def test_a_translation_written_for_an_older_original_is_marked_stale():
    translations = {"en": "Hill honey", "fr": "Miel des collines"}
    stale = localize("山蜜", "zh_Hans", translations, "fr", stale={"fr"})
    assert (stale.text, stale.is_translation, stale.is_stale) == ("Miel des collines", True, True)
    fresh = localize("山蜜", "zh_Hans", translations, "en", stale={"fr"})
    assert (fresh.text, fresh.is_stale) == ("Hill honey", False)
    # The original is never stale.
    assert localize("山蜜", "zh_Hans", translations, "zh_Hans", stale={"zh_Hans"}).is_stale is False


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("fr", "fr"), ("fr-CA", "fr"), ("zh-CN", "zh_Hans"), ("zh", "zh_Hans"), (" pt_BR ", "pt")],
)
def test_a_translation_is_written_in_an_instance_locale(tag, expected):
    assert check_target_locale(tag, locales=LOCALES, source_language="en") == expected


@pytest.mark.parametrize(
    ("tag", "source"),
    [
        ("", "en"),
        ("xx", "en"),
        ("not a locale", "en"),
        ("de", "en"),  # a real locale, but not one of the instance's
        ("zh_Hant", "en"),  # another script than the instance's Chinese
        ("en", "en"),  # the original's own language
        ("en-GB", "en"),
        ("zh-Hans-CN", "zh_Hans"),
    ],
)
def test_other_target_locales_are_refused_on_the_locale_field(tag, source):
    with pytest.raises(ServiceError) as refused:
        check_target_locale(tag, locales=LOCALES, source_language=source)
    assert (refused.value.field, refused.value.code) == ("locale", ErrorCode.INVALID)


def test_an_original_is_written_in_an_instance_locale():
    assert check_source_language("zh-Hans", locales=LOCALES) == "zh_Hans"
    assert check_source_language("en", locales=LOCALES) == "en"
    with pytest.raises(ServiceError) as refused:
        check_source_language("ja", locales=LOCALES)
    assert (refused.value.field, refused.value.code) == ("language", ErrorCode.INVALID)
