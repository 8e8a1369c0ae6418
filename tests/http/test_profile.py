"""The production profile (AIDBRIDGE_ENV=production): no GraphiQL, no introspection
unless enabled, no suggestions, unexpected errors masked and logged without their
message or values."""

from __future__ import annotations

import logging

import pytest

from api.core.settings import load_settings
from api.instance import schema as instance_schema
from tests.http.conftest import production

PERSONAL = "amina.k@example.org"


@pytest.fixture
def prod(serve, settings):
    return serve(production(settings))


def errors_of(client, query, **kwargs):
    body = client.post(query, **kwargs)
    return body["errors"]


def test_graphiql_is_absent(prod):
    response = prod.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Query") { name } }',
        "{ instance { name } a: __schema { queryType { name } } }",
    ],
)
def test_introspection_is_refused_with_a_code(prod, query):
    [error] = errors_of(prod, query)
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"


def test_typename_still_works(prod):
    assert prod.data("{ __typename }") == {"__typename": "Query"}


def test_introspection_can_be_enabled(serve, settings):
    client = serve(production(settings, introspection=True))
    assert client.data("{ __schema { queryType { name } } }")["__schema"]["queryType"]
    assert client.http.get("/graphql", headers={"accept": "text/html"}).status_code == 404


def test_development_keeps_introspection_and_suggestions(api):
    assert api.data("{ __schema { queryType { name } } }")
    assert "Did you mean" in api.post("{ instanc { name } }")["errors"][0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        "{ instanc { name } }",  # field
        "{ instance { nam } }",  # field on a type
        "{ helpRequests(firs: 1) { totalCount } }",  # argument
        "query($x: Strin) { __typename }",  # type
        "{ helpRequests(first: 1, status: OPN) { totalCount } }",  # enum value
    ],
)
def test_no_suggestions_in_validation_messages(prod, query):
    errors = errors_of(prod, query)
    assert errors
    assert all("Did you mean" not in error["message"] for error in errors), errors


def test_unexpected_errors_are_masked_and_logged_without_personal_data(prod, monkeypatch, caplog):
    def broken(instance):
        raise ValueError(f"cannot format amounts for {PERSONAL}")

    monkeypatch.setattr(instance_schema, "suggested_amounts", broken)
    caplog.set_level(logging.INFO)
    response = prod.http.post("/graphql", json={"query": "{ instance { name } }"})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert PERSONAL not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name.startswith("aidbridge")]
    assert any("ValueError" in r.getMessage() for r in logged)
    for record in logged:
        assert PERSONAL not in record.getMessage()
        assert record.exc_info is None and "Traceback" not in record.getMessage()


def test_typed_and_limit_errors_keep_their_messages(prod):
    deep = "{ instance " + "{ __typename " * 0 + "{ name } }"
    assert prod.data(deep)
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"
    [error, *_] = errors_of(prod, aliases)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "alias" in error["message"].lower()


def test_settings_from_the_environment(tmp_path):
    base = {"SECRET_KEY": "s" * 40}
    dev = load_settings(base, workdir=tmp_path)
    assert dev.introspection_enabled and dev.persisted_operations == "off"
    assert dev.max_body_bytes == 1024 * 1024 and dev.cors_origins == ()
    prod = load_settings({**base, "AIDBRIDGE_ENV": "production"}, workdir=tmp_path)
    assert not prod.introspection_enabled
    enabled = load_settings(
        {
            **base,
            "AIDBRIDGE_ENV": "production",
            "AIDBRIDGE_INTROSPECTION": "1",
            "AIDBRIDGE_PERSISTED_OPERATIONS": "only",
            "AIDBRIDGE_MAX_BODY_BYTES": "2048",
            "AIDBRIDGE_CORS_ORIGINS": "https://aid.example.org, http://localhost:5173/",
        },
        workdir=tmp_path,
    )
    assert enabled.introspection_enabled and enabled.persisted_operations == "only"
    assert enabled.max_body_bytes == 2048
    assert enabled.cors_origins == ("https://aid.example.org", "http://localhost:5173")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AIDBRIDGE_INTROSPECTION", "maybe"),
        ("AIDBRIDGE_PERSISTED_OPERATIONS", "some"),
        ("AIDBRIDGE_MAX_BODY_BYTES", "1k"),
        ("AIDBRIDGE_CORS_ORIGINS", "*"),
        ("AIDBRIDGE_CORS_ORIGINS", "aid.example.org"),
    ],
)
def test_invalid_settings_name_themselves(tmp_path, name, value):
    from api.core.settings import ConfigError

    with pytest.raises(ConfigError) as raised:
        load_settings({"SECRET_KEY": "s" * 40, name: value}, workdir=tmp_path)
    assert raised.value.setting == name
