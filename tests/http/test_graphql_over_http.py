"""GraphQL over HTTP by the book: graphql-http's audit of the live server (every MUST and
SHOULD), and the rules it does not cover."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from api.app import GRAPHQL_RESPONSE_JSON, negotiate

ROOT = Path(__file__).resolve().parents[2]
AUDIT_SCRIPT = Path(__file__).with_name("audit.mjs")
GRAPHQL_HTTP = ROOT / "frontend" / "tools" / "node_modules" / "graphql-http"


def run_audit(url: str) -> list[dict]:
    node = shutil.which("node")
    if node is None or not GRAPHQL_HTTP.is_dir():
        pytest.fail(
            "The graphql-http audit needs node and `npm ci` in frontend/tools (graphql-http)"
        )
    done = subprocess.run(  # noqa: S603  (our own script, a URL of our own server)
        [node, str(AUDIT_SCRIPT), url], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    results: list[dict] = json.loads(done.stdout)
    return results


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_graphql_http_audit_passes_every_must_and_should(api):
    results = run_audit(f"{api.base_url}/graphql")
    assert len(results) >= 36
    required = [r for r in results if r["name"].startswith(("MUST", "SHOULD"))]
    assert sum(r["name"].startswith("MUST") for r in required) >= 13
    assert sum(r["name"].startswith("SHOULD") for r in required) >= 23
    failed = [
        f"{r['id']} {r['name']}: {r['reason']} {r['response']}"
        for r in required
        if r["status"] != "ok"
    ]
    assert not failed, "\n".join(failed)
    # The MAYs pass too, so clients can rely on them.
    assert [r["id"] for r in results if r["status"] != "ok"] == []


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.9", "application/json"),
        ("application/graphql-response+json;q=0, */*", "application/json"),
        ("text/html", "application/json"),
    ],
)
def test_accept_negotiation(accept, expected):
    assert negotiate(accept) == expected


def test_a_request_error_as_graphql_response_json_has_no_data_and_a_400(api):
    response = api.http.post(
        "/graphql",
        json={"query": "{ noSuchField }"},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_field_error_as_graphql_response_json_is_a_200_with_data(api):
    response = api.http.post(
        "/graphql",
        json={"query": '{ node(id: "nonsense") { id } }'},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and body["errors"]


def test_a_request_error_as_json_keeps_the_legacy_200(api):
    response = api.http.post("/graphql", json={"query": "{"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


def test_a_mutation_over_get_is_405(api):
    response = api.http.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": "*/*"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/json; charset=latin-1", "application/jsonx"],
)
def test_other_content_types_are_415(api, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = api.http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("query", 1), ("operationName", {}), ("variables", []), ("extensions", "x")],
)
def test_parameters_of_the_wrong_type_are_400(api, parameter, value):
    body = {"query": "{ __typename }", parameter: value}
    response = api.http.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
