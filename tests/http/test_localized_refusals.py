# French typography: the catalogs write the apostrophe as U+2019.
# ruff: noqa: RUF001
"""Refusals sent before any GraphQL runs (issue 10): each in the request's locale, chosen
from `X-Aidbridge-Locale`, else `Accept-Language`, else the instance default, with a
`Content-Language`; the code and status are the same in every locale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from babel.numbers import format_decimal

from api.core.http_limits import MAX_JSON_DEPTH
from api.core.settings import DEFAULT_MAX_BODY_BYTES
from tests.http.conftest import production

Send = Callable[[httpx.Client, dict[str, str]], httpx.Response]
JSON = {"content-type": "application/json"}


def _post(body: bytes, content_type: str | None = "application/json") -> Send:
    def send(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
        extra = {"content-type": content_type} if content_type else {}
        return http.post("/graphql", content=body, headers={**extra, **headers})

    return send


def _post_json(body: Any) -> Send:
    return lambda http, headers: http.post("/graphql", json=body, headers=headers)


def _unsized_upload(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length
        yield b"--x--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=x", **headers}
    return http.post("/graphql", content=chunks(), headers=headers)


def _too_large(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    body = b" " * (DEFAULT_MAX_BODY_BYTES + 1)
    return http.post("/graphql", content=body, headers={**JSON, **headers})


LIMIT_EN = format_decimal(DEFAULT_MAX_BODY_BYTES, locale="en")
LIMIT_FR = format_decimal(DEFAULT_MAX_BODY_BYTES, locale="fr")

# (how to send it, status, code, English message, French message)
REFUSALS: dict[str, tuple[Send, int, str, str, str]] = {
    "not-utf8": (
        _post(b"{}", "application/json; charset=latin-1"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Send JSON in UTF-8.",
        "Envoyez du JSON en UTF-8.",
    ),
    "content-type": (
        _post(b"{}", "text/plain"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Send application/json (or multipart/form-data with an upload).",
        "Envoyez du application/json (ou du multipart/form-data avec un fichier).",
    ),
    "bad-json": (
        _post(b'{ "not a JSON'),
        400,
        "BAD_REQUEST",
        "Unable to parse the request body as JSON.",
        "Impossible d’analyser le corps de la requête comme du JSON.",
    ),
    "deep-json": (
        _post(b"[" * 1000),
        400,
        "BAD_REQUEST",
        f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.",
        f"Le JSON est imbriqué sur plus de {MAX_JSON_DEPTH} niveaux.",
    ),
    "batch": (
        _post_json([{"query": "{ __typename }"}]),
        400,
        "BAD_REQUEST",
        "Batching is not enabled: send one operation.",
        "Le traitement par lots n’est pas activé : envoyez une seule opération.",
    ),
    "not-an-object": (
        _post_json(42),
        400,
        "BAD_REQUEST",
        "The request body must be a JSON object.",
        "Le corps de la requête doit être un objet JSON.",
    ),
    "parameter": (
        _post_json({"query": "{ __typename }", "variables": []}),
        400,
        "BAD_REQUEST",
        "The parameter `variables` must be an object or null.",
        "Le paramètre `variables` doit être un objet ou null.",
    ),
    "string-parameter": (
        _post_json({"query": 1}),
        400,
        "BAD_REQUEST",
        "The parameter `query` must be a string or null.",
        "Le paramètre `query` doit être une chaîne ou null.",
    ),
    "no-query": (
        _post_json({}),
        400,
        "BAD_REQUEST",
        "No GraphQL query found in the request",
        "Aucune requête GraphQL dans la demande",
    ),
    "unknown-operation": (
        _post_json({"query": "query A { __typename }", "operationName": "B"}),
        400,
        "BAD_REQUEST",
        'Unknown operation named "B".',
        "Opération inconnue nommée « B ».",
    ),
    "mutation-over-get": (
        lambda http, headers: http.get(
            "/graphql", params={"query": "mutation { __typename }"}, headers=headers
        ),
        405,
        "METHOD_NOT_ALLOWED",
        "Mutations are not allowed when using GET.",
        "Les mutations ne sont pas autorisées avec GET.",
    ),
    "method": (
        lambda http, headers: http.put("/graphql", json={}, headers=headers),
        405,
        "METHOD_NOT_ALLOWED",
        "GraphQL only supports GET and POST requests.",
        "GraphQL n’accepte que les requêtes GET et POST.",
    ),
    "length-required": (
        _unsized_upload,
        411,
        "LENGTH_REQUIRED",
        "A multipart request needs a Content-Length.",
        "Une requête multipart doit indiquer un Content-Length.",
    ),
    "too-large": (
        _too_large,
        413,
        "PAYLOAD_TOO_LARGE",
        f"The request body is larger than {LIMIT_EN} bytes.",
        f"Le corps de la requête dépasse {LIMIT_FR} octets.",
    ),
    "persisted-version": (
        _post_json({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}}),
        200,
        "PERSISTED_QUERY_NOT_SUPPORTED",
        "Only persistedQuery version 1 is supported.",
        "Seule la version 1 de persistedQuery est prise en charge.",
    ),
    "persisted-hash": (
        _post_json({"documentId": "sha256:xyz"}),
        400,
        "BAD_REQUEST",
        "A persisted operation's hash is 64 lowercase hex digits (SHA-256).",
        "Le hachage d’une opération persistée compte 64 chiffres hexadécimaux minuscules "
        "(SHA-256).",
    ),
    "persisted-mismatch": (
        _post_json(
            {
                "query": "{ __typename }",
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
            }
        ),
        200,
        "PERSISTED_QUERY_HASH_MISMATCH",
        "The sha256Hash is not the SHA-256 of the query sent with it.",
        "Le sha256Hash n’est pas le SHA-256 de la query envoyée avec lui.",
    ),
    "no-picture": (
        lambda http, headers: http.get("/media/nope", headers=headers),
        404,
        "NOT_FOUND",
        "No such picture.",
        "Cette image n’existe pas.",
    ),
    "picture-method": (
        lambda http, headers: http.post("/media/abc/320.webp", headers=headers),
        405,
        "METHOD_NOT_ALLOWED",
        "Use GET.",
        "Utilisez GET.",
    ),
}


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["errors"][0]
    return error


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_each_refusal_is_english_by_default_and_french_when_asked(api, kind):
    send, status, code, english, french = REFUSALS[kind]
    response = send(api.http, {})
    assert response.status_code == status, response.text
    assert _error(response) == {"message": english, "extensions": {"code": code}}
    assert response.headers["content-language"] == "en"

    response = send(api.http, {"x-aidbridge-locale": "fr"})
    assert response.status_code == status, response.text
    assert _error(response) == {"message": french, "extensions": {"code": code}}
    assert response.headers["content-language"] == "fr"


def test_accept_language_chooses_when_no_locale_is_named(api):
    response = api.http.post("/graphql", json=42, headers={"accept-language": "de, zh-CN;q=0.8"})
    assert response.status_code == 400
    assert _error(response)["message"] == "请求正文必须是 JSON 对象。"
    assert response.headers["content-language"] == "zh-Hans"


def test_the_named_locale_wins_over_accept_language(api):
    headers = {"x-aidbridge-locale": "ar", "accept-language": "fr"}
    response = api.http.post("/graphql", json=42, headers=headers)
    assert _error(response)["message"] == "يجب أن يكون متن الطلب كائن JSON."
    assert response.headers["content-language"] == "ar"


def test_the_instance_default_applies_without_headers(serve, settings):
    instance = replace(settings.instance, default_locale="fr")
    client = serve(settings, instance=instance)
    response = client.http.post("/graphql", json=42)
    assert _error(response)["message"] == "Le corps de la requête doit être un objet JSON."
    assert response.headers["content-language"] == "fr"


def test_the_graphql_response_media_type_keeps_its_shape_in_french(api):
    headers = {"accept": "application/graphql-response+json", "x-aidbridge-locale": "fr"}
    response = api.http.post("/graphql", json=42, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert _error(response)["message"] == "Le corps de la requête doit être un objet JSON."


def test_persisted_query_not_found_stays_the_token_apollo_clients_look_for(api):
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    response = api.http.post("/graphql", json=body, headers={"x-aidbridge-locale": "fr"})
    error = _error(response)
    assert error == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }


def test_only_mode_refuses_in_french(serve, settings):
    client = serve(settings, persisted_operations="only")
    response = client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-aidbridge-locale": "fr"}
    )
    assert _error(response) == {
        "message": "Ce serveur n’exécute que des opérations enregistrées : envoyez le hachage "
        "de l’opération.",
        "extensions": {"code": "PERSISTED_QUERY_ONLY"},
    }


def test_production_refusals_are_localized(serve, settings):
    prod = serve(production(settings))
    response = prod.http.get(
        "/graphql", headers={"accept": "text/html", "x-aidbridge-locale": "zh_Hans"}
    )
    assert response.status_code == 404
    assert _error(response) == {"message": "未找到", "extensions": {"code": "NOT_FOUND"}}
    [error] = prod.post("{ __schema { types { name } } }", locale="fr")["errors"]
    assert error["message"] == "L’introspection est désactivée sur ce serveur."
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"
    [error] = prod.post("{ __schema { types { name } } }")["errors"]
    assert error["message"] == "Introspection is disabled on this server."
