"""Persisted operations: registered documents by their SHA-256 in every mode, automatic
persisted queries in `apq` (in Redis, shared by every process, when there is one), and
nothing else in `only`."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from api.cli import main
from api.frontend.build import build_site, document_hash, operation_documents
from api.graphql.persisted import (
    APQ_MAX_DOCUMENT_CHARACTERS,
    APQ_TTL_SECONDS,
    manifest,
    registered_operations,
)
from tests.conftest import GraphQLClient
from tests.redisproc import PrivateRedis, private_redis
from tests.serverproc import ServerProcess

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


# --- Where automatic persisted queries live --------------------------------------------


def fresh_document() -> tuple[str, str]:
    """A document no other test or run has registered, and its hash."""
    text = f"query Probe{secrets.token_hex(6)} {{ __typename }}"
    return text, document_hash(text)


TYPENAME_DATA = {"data": {"__typename": "Query"}}


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


def test_apq_documents_registered_with_one_process_run_by_hash_on_another(
    backend, redis_server, tmp_path
):
    env = {
        "DATABASE_URL": backend.url,
        "SECRET_KEY": "p" * 40,
        "AIDBRIDGE_PERSISTED_OPERATIONS": "apq",
        "AIDBRIDGE_REDIS_URL": redis_server.url,
        "AIDBRIDGE_RATE_LIMIT_POINTS": "1000000",
    }
    servers = [ServerProcess(env, tmp_path / f"server-{n}.log") for n in range(2)]
    clients: list[GraphQLClient] = []
    text, sha256 = fresh_document()
    try:
        with ThreadPoolExecutor(2) as starting:  # each takes seconds: side by side
            list(starting.map(lambda server: server.start(timeout=120), servers))
        clients = [GraphQLClient(server.url) for server in servers]
        first, second = clients
        unknown = send(second, extensions=persisted(sha256))
        registered = send(first, query=text, extensions=persisted(sha256))
        by_hash = send(second, extensions=persisted(sha256))
        by_id = send(second, documentId=f"sha256:{sha256}")
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()

    assert unknown[0] == 200 and code(unknown[1]) == "PERSISTED_QUERY_NOT_FOUND"
    assert registered == (200, TYPENAME_DATA)
    assert by_hash == (200, TYPENAME_DATA)
    assert by_id == (200, TYPENAME_DATA)
    with redis_server.client() as direct:
        assert direct.get(f"aidbridge:apq:{sha256}") == text.encode()
        assert 86000 < direct.ttl(f"aidbridge:apq:{sha256}") <= APQ_TTL_SECONDS


def test_without_redis_each_process_keeps_its_own_and_the_client_sends_it_again(serve):
    first, second = serve(persisted_operations="apq"), serve(persisted_operations="apq")
    text, sha256 = fresh_document()

    assert send(first, query=text, extensions=persisted(sha256)) == (200, TYPENAME_DATA)
    _, elsewhere = send(second, extensions=persisted(sha256))
    # The APQ protocol's answer to that: send the document with its hash, once.
    assert code(elsewhere) == "PERSISTED_QUERY_NOT_FOUND"
    assert send(second, query=text, extensions=persisted(sha256)) == (200, TYPENAME_DATA)
    assert send(second, extensions=persisted(sha256)) == (200, TYPENAME_DATA)


def apq_with_redis(serve, backend, url: str) -> GraphQLClient:
    limits = replace(backend.settings.rate_limits, redis_url=url, store_retry_seconds=0.3)
    client: GraphQLClient = serve(persisted_operations="apq", rate_limits=limits)
    return client


def test_apq_documents_stay_in_the_process_while_redis_fails_and_go_back_to_it(
    serve, backend, redis_server, caplog
):
    caplog.set_level(logging.WARNING, "aidbridge.ratelimit")
    client = apq_with_redis(serve, backend, redis_server.url)
    (before, before_sha), (during, during_sha), (after, after_sha) = [
        fresh_document() for _ in range(3)
    ]

    assert send(client, query=before, extensions=persisted(before_sha)) == (200, TYPENAME_DATA)
    redis_server.kill()
    assert send(client, query=during, extensions=persisted(during_sha)) == (200, TYPENAME_DATA)
    assert send(client, extensions=persisted(during_sha)) == (200, TYPENAME_DATA)
    assert send(client, extensions=persisted(before_sha)) == (200, TYPENAME_DATA)
    redis_server.start()  # empty: it kept nothing on disk
    time.sleep(0.5)  # past the retry interval
    assert send(client, query=after, extensions=persisted(after_sha)) == (200, TYPENAME_DATA)

    with redis_server.client() as direct:
        assert direct.get(f"aidbridge:apq:{after_sha}") == after.encode()
    warnings = [r.getMessage() for r in caplog.records if r.name == "aidbridge.ratelimit"]
    assert len(warnings) == 2
    assert warnings[0].startswith("automatic persisted queries' Redis unreachable")
    assert warnings[1].startswith("automatic persisted queries' Redis answers again")


def test_apq_documents_in_redis_are_bounded_and_checked_against_their_hash(
    serve, backend, redis_server
):
    client = apq_with_redis(serve, backend, redis_server.url)
    other = apq_with_redis(serve, backend, redis_server.url)
    # Longer than APQ_MAX_DOCUMENT_CHARACTERS: it runs, and is not remembered.
    large = "query Large { __typename }\n#" + "x" * APQ_MAX_DOCUMENT_CHARACTERS
    large_sha = document_hash(large)
    # What someone else wrote into Redis under a hash that is not its own is not run.
    forged_sha = fresh_document()[1]
    with redis_server.client() as direct:
        direct.set(f"aidbridge:apq:{forged_sha}", "query { __schema { types { name } } }")

    assert send(client, query=large, extensions=persisted(large_sha)) == (200, TYPENAME_DATA)
    _, large_by_hash = send(client, extensions=persisted(large_sha))
    _, forged = send(other, extensions=persisted(forged_sha))

    assert code(large_by_hash) == "PERSISTED_QUERY_NOT_FOUND"
    assert code(forged) == "PERSISTED_QUERY_NOT_FOUND"
    with redis_server.client() as direct:
        assert direct.get(f"aidbridge:apq:{large_sha}") is None


def test_a_query_with_no_utf_8_has_no_hash(api):
    """A lone surrogate (JSON's \\ud800) cannot be hashed: a mismatch, not a 500."""
    body = '{"query": "{ __typename } # \\ud800", "extensions": {"persistedQuery": '
    body += '{"version": 1, "sha256Hash": "' + "0" * 64 + '"}}}'
    response = api.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert code(response.json()) == "PERSISTED_QUERY_HASH_MISMATCH"
