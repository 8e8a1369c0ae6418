"""GET /media/{key}/{width}.webp: one stored width of a picture (anything else under /media
is a coded 404).

A picture's address never changes, so it is cached for a year by browsers and any CDN in
front (AIDBRIDGE_MEDIA_URL). The answer can never run as a page: a sandboxing
Content-Security-Policy and nosniff go with every picture."""

from __future__ import annotations

import re

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from api.core.db import open_session
from api.core.http_errors import error_response, request_translator
from api.core.i18n import N_
from api.media.service import CONTENT_TYPE, variant_bytes

IMMUTABLE = "public, max-age=31536000, immutable"
VARIANT_PATH = re.compile(r"(?P<key>[A-Za-z0-9_-]{1,32})/(?P<width>[1-9][0-9]{0,4})\.webp")
HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cross-origin-resource-policy": "cross-origin",
}


NOT_FOUND_MESSAGE = N_("No such picture.")
USE_GET_MESSAGE = N_("Use GET.")


def _not_found(request: Request) -> Response:
    translator = request_translator(request.app.state.settings, request.headers)
    return error_response(translator, 404, "NOT_FOUND", NOT_FOUND_MESSAGE, headers=HEADERS)


async def media_endpoint(request: Request) -> Response:
    """Starlette route handler; expects `app.state.engine`."""
    if request.method not in ("GET", "HEAD"):
        translator = request_translator(request.app.state.settings, request.headers)
        headers = {"allow": "GET, HEAD", **HEADERS}
        return error_response(
            translator, 405, "METHOD_NOT_ALLOWED", USE_GET_MESSAGE, headers=headers
        )
    match = VARIANT_PATH.fullmatch(str(request.path_params.get("path", "")))
    if match is None:
        return _not_found(request)
    key = match["key"]
    etag = f'"{key}-{match["width"]}"'
    headers = {**HEADERS, "cache-control": IMMUTABLE, "etag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    engine = request.app.state.engine

    def read() -> bytes | None:
        with open_session(engine) as session:
            return variant_bytes(session, key, int(match["width"]))

    data = await anyio.to_thread.run_sync(read)
    if data is None:
        return _not_found(request)
    headers["content-length"] = str(len(data))
    return Response(
        b"" if request.method == "HEAD" else data, media_type=CONTENT_TYPE, headers=headers
    )
