"""Locale negotiation: explicit choice, account preference, Accept-Language, default."""

from __future__ import annotations

import pytest

from api.core.locales import negotiate_locale, parse_accept_language

AVAILABLE = ("en", "zh_Hans", "fr", "es", "ar", "ru", "sw", "pt")


def negotiate(
    accept: str | None = None, explicit: str | None = None, preferred: str | None = None
) -> str:
    return negotiate_locale(
        explicit=explicit,
        preferred=preferred,
        accept_language=accept,
        available=AVAILABLE,
        default="en",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("pt-BR", "pt"),
        ("fr-CA,fr;q=0.9", "fr"),
        ("fr;q=0.5, ar;q=0.9", "ar"),
        ("de, sw;q=0.1", "sw"),
        ("ru;q=0, es", "es"),
        ("zh-TW", "en"),  # Traditional script is not Simplified: fall back, don't guess
        ("not a tag, *", "en"),
        ("", "en"),
    ],
)
def test_accept_language_is_matched_by_language_script_and_quality(header, expected):
    assert negotiate(header) == expected


def test_explicit_choice_beats_preference_which_beats_the_header():
    assert negotiate("fr", explicit="ar", preferred="es") == "ar"
    assert negotiate("fr", preferred="es") == "es"
    assert negotiate("fr", explicit="klingon", preferred=None) == "fr"


def test_quality_values_order_the_tags_and_zero_excludes():
    assert parse_accept_language("a;q=0.2, b, c;q=0.7, d;q=0") == ["b", "c", "a"]


def test_the_response_names_the_locale_it_used(api):
    response = api.http.post(
        "/graphql", json={"query": "{ instance { name } }"}, headers={"Accept-Language": "zh-CN"}
    )
    assert response.headers["content-language"] == "zh-Hans"
    explicit = api.http.post(
        "/graphql",
        json={"query": "{ instance { name } }"},
        headers={"Accept-Language": "zh-CN", "X-Aidbridge-Locale": "fr"},
    )
    assert explicit.headers["content-language"] == "fr"
