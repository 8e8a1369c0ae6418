"""Persisted operations: registered documents by their SHA-256 in every mode, automatic
persisted queries in `apq`, and nothing else in `only`."""

from __future__ import annotations

import json
import re

import pytest

from api.cli import main
from api.core.persisted import manifest, registered_operations
from api.frontend.build import build_site, document_hash, operation_documents

TYPENAME = "query Probe { __typename }"


def persisted(sha256: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def send(client, **body):
    response = client.http.post("/graphql", json=body)
    return response.status_code, response.json()


def code(body) -> str:
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture
def home():
    """The frontend's smallest registered query, its text and hash."""
    documents = operation_documents()
    return "PageShell", documents["PageShell"], document_hash(documents["PageShell"])


def test_every_mode_runs_a_registered_document_by_hash(api, home):
    name, _, sha256 = home
    status, body = send(api, operationName=name, extensions=persisted(sha256))
    assert status == 200 and "errors" not in body, body


def test_an_unknown_hash_is_persisted_query_not_found(api):
    status, body = send(api, extensions=persisted(document_hash(TYPENAME)))
    assert status == 200 and code(body) == "PERSISTED_QUERY_NOT_FOUND"
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"


def test_a_hash_that_is_not_the_query_s_is_refused(api):
    _, body = send(api, query=TYPENAME, extensions=persisted("0" * 64))
    assert code(body) == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize(
    "extensions",
    [{"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}, {"persistedQuery": "x"}],
)
def test_other_versions_are_not_supported(api, extensions):
    _, body = send(api, query=TYPENAME, extensions=extensions)
    assert code(body) == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_apq_registers_a_document_on_its_first_full_send(serve):
    client = serve(persisted_operations="apq")
    sha256 = document_hash(TYPENAME)
    _, body = send(client, extensions=persisted(sha256))
    assert code(body) == "PERSISTED_QUERY_NOT_FOUND"
    _, body = send(client, query=TYPENAME, extensions=persisted(sha256))
    assert body == {"data": {"__typename": "Query"}}
    _, body = send(client, extensions=persisted(sha256))
    assert body == {"data": {"__typename": "Query"}}
    _, body = send(client, documentId=f"sha256:{sha256}")
    assert body == {"data": {"__typename": "Query"}}


def test_off_mode_does_not_remember_documents(api):
    sha256 = document_hash(TYPENAME)
    send(api, query=TYPENAME, extensions=persisted(sha256))
    _, body = send(api, extensions=persisted(sha256))
    assert code(body) == "PERSISTED_QUERY_NOT_FOUND"


def test_only_mode_runs_registered_documents_and_nothing_else(serve, home):
    client = serve(persisted_operations="only")
    name, _text, sha256 = home
    status, body = send(client, operationName=name, extensions=persisted(sha256))
    assert status == 200 and "errors" not in body
    status, body = send(client, documentId=f"sha256:{sha256}", operationName=name)
    assert status == 200 and "errors" not in body
    _, body = send(client, query=TYPENAME)
    assert code(body) == "PERSISTED_QUERY_ONLY"
    sha = document_hash(TYPENAME)
    _, body = send(client, query=TYPENAME, extensions=persisted(sha))
    assert code(body) == "PERSISTED_QUERY_NOT_FOUND"
    _, body = send(client, extensions=persisted(sha))
    assert code(body) == "PERSISTED_QUERY_NOT_FOUND"
    response = client.http.post(
        "/graphql",
        json={"query": TYPENAME},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400 and "data" not in response.json()
    # A GET naming a registered operation works; GraphiQL does not take its place.
    response = client.http.get(
        "/graphql",
        params={"operationName": name, "extensions": json.dumps(persisted(sha256))},
        headers={"accept": "*/*"},
    )
    assert response.status_code == 200 and "errors" not in response.json()


def test_non_frontend_documents_are_registered_as_printed():
    operations = registered_operations()
    sources = {op.source for op in operations}
    assert "frontend" in sources and "accounts.graphql" in sources
    assert len({op.sha256 for op in operations}) == len(operations)


def test_the_manifest_command_prints_every_hash(capsys):
    assert main(["operations", "manifest"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == manifest()
    assert printed["format"] == "apollo-persisted-query-manifest"
    ids = {op["id"] for op in printed["operations"]}
    assert all(re.fullmatch(r"[0-9a-f]{64}", i) for i in ids)
    assert {document_hash(text) for text in operation_documents().values()} <= ids


def test_the_frontend_build_carries_each_operation_s_hash():
    files = build_site().files
    [name] = [name for name in files if name.startswith("assets/js/generated/operations.")]
    text = files[name].body.decode()
    hashes = json.loads(text.split("export const OPERATION_HASHES = ", 1)[1].rstrip().rstrip(";"))
    documents = operation_documents()
    assert hashes == {name: document_hash(doc) for name, doc in documents.items()}
