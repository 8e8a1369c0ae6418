"""Serve a built frontend: hashed assets cached for a year, pages revalidated, gzip when
asked for, and a Content-Security-Policy the pages satisfy (no inline code, no third party)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.frontend.build import Site

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_FOUND_PAGE = "404.html"
FAVICON = "assets/icon.svg"


def _origin(url: str | None) -> list[str]:
    parts = urlsplit(url or "")
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") else []


def content_security_policy(api_url: str | None, media_url: str | None = None) -> str:
    """Only this site, the API (which also serves stored pictures) and the media address."""
    connect = ["'self'", *_origin(api_url)]
    images = ["'self'", "data:", *dict.fromkeys(_origin(api_url) + _origin(media_url))]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(api_url: str | None, media_url: str | None = None) -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(api_url, media_url),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


def frontend_endpoint(
    site: Site, api_url: str | None, media_url: str | None = None
) -> Callable[[Request], Awaitable[Response]]:
    headers = security_headers(api_url, media_url)

    async def endpoint(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(status_code=405, headers={"allow": "GET, HEAD", **headers})
        path = request.url.path.lstrip("/")
        name = path + "index.html" if path == "" or path.endswith("/") else path
        if name not in site.files and f"{path}/index.html" in site.files:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/{path}/{query}", status_code=308, headers=headers)
        status = 200
        if name == "favicon.ico":  # asked for by browsers on pages without a <link rel=icon>
            name = FAVICON
        if name not in site.files:
            name, status = NOT_FOUND_PAGE, 404
        built = site.files[name]
        response_headers = {
            **headers,
            "cache-control": IMMUTABLE if built.immutable else REVALIDATE,
            "etag": built.etag,
            "vary": "accept-encoding",
        }
        if status == 200 and request.headers.get("if-none-match") == built.etag:
            return Response(status_code=304, headers=response_headers)
        body = built.body
        if built.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = built.gzipped
            response_headers["content-encoding"] = "gzip"
        if request.method == "HEAD":
            response_headers["content-length"] = str(len(body))
            return Response(
                status_code=status, headers=response_headers, media_type=built.content_type
            )
        return Response(
            body, status_code=status, headers=response_headers, media_type=built.content_type
        )

    return endpoint
