"""Security headers on every kind of response, HSTS behind TLS, and the CORS allow-list."""

from __future__ import annotations

import pytest

from api.core.headers import API_CSP

ORIGIN = "https://aid.example.org"
ELSEWHERE = "https://evil.example.net"


def check_headers(response) -> None:
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"], response.url
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("no-referrer", "strict-origin-when-cross-origin")
    assert "strict-transport-security" not in headers  # plain HTTP


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/graphql", {"json": {"query": "{ __typename }"}}),
        ("POST", "/graphql", {"content": b"{", "headers": {"content-type": "application/json"}}),
        ("PUT", "/graphql", {}),
        ("GET", "/graphql", {"headers": {"accept": "text/html"}}),
        ("GET", "/healthz", {}),
        ("GET", "/readyz", {}),
        ("GET", "/media/nothing/100.webp", {}),
        ("POST", "/payments/webhook/nobody", {"content": b"{}"}),
        ("GET", "/", {}),
        ("GET", "/no/such/page", {}),
        ("POST", "/healthz", {"content": b" " * (128 * 1024)}),
    ],
)
def test_every_kind_of_response_has_the_security_headers(api, method, path, kwargs):
    response = api.http.request(method, path, **kwargs)
    check_headers(response)


def test_the_api_s_json_gets_the_strictest_policy(api):
    response = api.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.headers["content-security-policy"] == API_CSP
    assert response.headers["x-frame-options"] == "DENY"


def test_pages_keep_their_own_policy(api):
    response = api.http.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_hsts_when_the_request_came_over_tls(api):
    # The test server trusts 127.0.0.1 as a proxy (uvicorn's proxy_headers).
    response = api.http.get("/healthz", headers={"x-forwarded-proto": "https"})
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_cors_by_default(api):
    response = api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": ORIGIN}
    )
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cors_allows_listed_origins_only(serve):
    client = serve(cors_origins=(ORIGIN,))
    preflight = client.http.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    check_headers(preflight)
    response = client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": ORIGIN}
    )
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-ratelimit-remaining" in exposed and "x-ratelimit-reset" in exposed
    assert "access-control-allow-credentials" not in response.headers

    refused = client.http.options(
        "/graphql",
        headers={"origin": ELSEWHERE, "access-control-request-method": "POST"},
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    response = client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": ELSEWHERE}
    )
    assert "access-control-allow-origin" not in response.headers
