"""Bodies (issue 10): every route refuses a body over its limit before reading it, and
JSON that is malformed or nested without end is a coded 400, never a 500."""

from __future__ import annotations

import json
import logging
import time

import pytest

from api.app import MAX_MULTIPART_BYTES
from api.core.http_limits import DEFAULT_BODY_BYTES, MAX_JSON_ARRAY
from api.core.settings import DEFAULT_MAX_BODY_BYTES
from api.payments.http import MAX_BODY_BYTES as WEBHOOK_MAX_BODY_BYTES
from tests.http.conftest import raw_exchange, status_of

CHUNK = 64 * 1024


def code_of(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


def test_a_body_of_100000_nested_brackets_is_a_400_not_a_500(api, caplog):
    caplog.set_level(logging.WARNING)
    for body in ("[" * 100_000, '{"query": "{ __typename }", "variables": ' + "[" * 100_000):
        response = api.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert code_of(response) == "BAD_REQUEST"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_deep_variables_within_the_json_limit_do_not_crash_anything(api, caplog):
    caplog.set_level(logging.WARNING)
    variables = {"ids": json.loads("[" * 60 + "]" * 60)}
    response = api.http.post(
        "/graphql",
        json={"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": variables},
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


WRONG_ENUMS = (
    "query($s: [CampaignStatus!]) { campaigns(first: 1, filter: {status: $s}) { nodes { id } } }"
)


def test_a_variable_list_longer_than_any_this_api_takes_is_refused_at_once(api, caplog):
    # Given 40,000 wrong enum values: graphql-core checked each (with suggestions) for seconds.
    caplog.set_level(logging.WARNING)
    body = {"query": WRONG_ENUMS, "variables": {"s": ["NOPE"] * 40_000}}
    started = time.perf_counter()
    response = api.http.post("/graphql", json=body, headers={"X-Aidbridge-Locale": "fr"})

    assert time.perf_counter() - started < 0.5
    assert response.status_code == 400, response.text
    assert code_of(response) == "BAD_REQUEST"
    message = response.json()["errors"][0]["message"]
    assert "000" in message and "JSON array" not in message  # the limit, in French
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # At the limit it is GraphQL's to judge, and answered with the values' own errors.
    at_limit = api.http.post(
        "/graphql", json={"query": WRONG_ENUMS, "variables": {"s": ["NOPE"] * MAX_JSON_ARRAY}}
    )
    assert at_limit.status_code == 200
    assert {e["extensions"]["code"] for e in at_limit.json()["errors"]} == {"BAD_USER_INPUT"}


@pytest.mark.parametrize(
    "body",
    ['{ "not a JSON', "\xff\xfe", "null", "42", '"text"', "[]", '[{"query": "{ __typename }"}]'],
    ids=["unterminated", "not-utf8", "null", "number", "string", "empty-batch", "batch"],
)
def test_malformed_or_non_object_json_is_a_400(api, body, caplog):
    caplog.set_level(logging.WARNING)
    response = api.http.post(
        "/graphql", content=body.encode("latin-1"), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert code_of(response) == "BAD_REQUEST"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_10_mb_graphql_body_is_refused_before_it_is_read(api):
    size = 10 * 1024 * 1024
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(size).encode() + b"\r\n\r\n"
    )
    started = time.monotonic()
    answer, sent = raw_exchange(api.base_url, head, (b" " * CHUNK for _ in range(size // CHUNK)))
    assert time.monotonic() - started < 2
    assert status_of(answer) == 413
    assert b'"PAYLOAD_TOO_LARGE"' in answer
    assert sent < size // 2  # answered at once, from the headers alone


def test_a_streamed_body_is_refused_once_it_passes_the_limit(api):
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
    answer, sent = raw_exchange(api.base_url, head, (chunk for _ in range(160)))  # 10 MB
    assert status_of(answer) == 413
    assert b'"PAYLOAD_TOO_LARGE"' in answer
    assert sent < 4 * DEFAULT_MAX_BODY_BYTES  # stopped near the limit, not at 10 MB


def test_a_body_just_under_the_graphql_limit_is_read(api):
    padding = " " * (DEFAULT_MAX_BODY_BYTES - 100)
    response = api.http.post(
        "/graphql",
        content='{"query": "{ __typename }"' + padding + "}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_uploads_keep_their_own_larger_limit(api):
    """Multipart (a picture) may pass the JSON limit; it is then refused as a bad form, not
    as too large."""
    body = (
        b'--x\r\ncontent-disposition: form-data; name="junk"\r\n\r\n'
        + b"a" * (2 * DEFAULT_MAX_BODY_BYTES)
        + b"\r\n--x--\r\n"
    )
    assert len(body) < MAX_MULTIPART_BYTES
    response = api.http.post(
        "/graphql", content=body, headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"


def test_the_webhook_refuses_a_large_event_without_reading_it_all(api):
    size = 4 * 1024 * 1024
    head = (
        b"POST /payments/webhook/webhook HTTP/1.1\r\nhost: test\r\n"
        b"content-type: application/json\r\ncontent-length: " + str(size).encode() + b"\r\n\r\n"
    )
    answer, sent = raw_exchange(api.base_url, head, (b" " * CHUNK for _ in range(size // CHUNK)))
    assert status_of(answer) == 413
    assert b'"PAYLOAD_TOO_LARGE"' in answer
    assert sent < size // 2


def test_the_webhook_stops_reading_a_streamed_event_at_64_kb(api):
    head = (
        b"POST /payments/webhook/webhook HTTP/1.1\r\nhost: test\r\n"
        b"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    piece = 8 * 1024
    chunk = b"%x\r\n%s\r\n" % (piece, b" " * piece)
    answer, sent = raw_exchange(api.base_url, head, (chunk for _ in range(512)))  # 4 MB
    assert status_of(answer) == 413
    assert sent < 16 * WEBHOOK_MAX_BODY_BYTES


@pytest.mark.parametrize("path", ["/healthz", "/", "/media/x/1.webp"])
def test_other_routes_refuse_large_bodies_too(api, path):
    response = api.http.post(path, content=b" " * (DEFAULT_BODY_BYTES + 1))
    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"
