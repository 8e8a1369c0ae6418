"""The ASGI application: GraphQL, health and readiness probes, and the frontend."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.to_thread
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cross_web import HTTPException
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from api.core.context import Context
from api.core.db import create_db_engine
from api.core.execution import INTERNAL_ERROR_MESSAGE
from api.core.i18n import UnknownLocalizerError, localizer_for
from api.core.settings import ConfigError, Settings, load_settings
from api.frontend.build import cached_site
from api.frontend.serve import frontend_endpoint
from api.media.http import media_endpoint
from api.media.service import MAX_UPLOAD_BYTES
from api.migrations import MIGRATIONS_DIR
from api.notifications import check_notifier
from api.payments.http import webhook_endpoint
from api.ratelimit.http import RateLimitMiddleware
from api.schema import schema

LOCALE_HEADER = "x-aidbridge-locale"
# Codes of the errors the HTTP layer refuses a request with, before any GraphQL runs.
HTTP_ERROR_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
}
# A multipart request carries one picture (api/media) and the operation beside it.
MAX_MULTIPART_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
# A probe must answer even when the database hangs instead of refusing connections.
READINESS_TIMEOUT_SECONDS = 5
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

log = logging.getLogger("aidbridge.http")


def graphql_error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error in the shape of a GraphQL response, so clients parse one format only."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status_code, headers=headers)


class AidbridgeGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings, engine: Engine) -> None:
        # Multipart requests carry uploads. They cannot be forged across sites to act as
        # someone: the API authenticates by bearer token only, never by cookie.
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Like strawberry's, but requests refused before execution (bad JSON, no query,
        a mutation over GET, a wrong method...) get JSON with `extensions.code`, not text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            check_multipart_length(request)
            response = await self.run(request)
        except HTTPException as error:
            code = HTTP_ERROR_CODES.get(error.status_code, "BAD_REQUEST")
            headers = {"Allow": "GET, POST"} if error.status_code == 405 else None
            response = graphql_error_response(error.status_code, code, error.reason, headers)
        except Exception:
            log.exception("unexpected error outside GraphQL execution")
            response = graphql_error_response(500, "INTERNAL_SERVER_ERROR", INTERNAL_ERROR_MESSAGE)
        finally:
            await request.close()  # uploaded files spooled to disk go at once
        await response(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        return Context(
            settings=self.settings,
            engine=self.engine,
            request=request,
            bearer_token=token.strip() if scheme.lower() == "bearer" and token.strip() else None,
            explicit_locale=request.headers.get(LOCALE_HEADER),
            accept_language=request.headers.get("accept-language"),
            response=response,
        )


def check_multipart_length(request: Request) -> None:
    """Refuse an oversized upload before reading it: its declared length is required."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/"):
        return
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "A multipart request needs a Content-Length.")
    if int(length) > MAX_MULTIPART_BYTES:
        raise HTTPException(413, "The request is too large.")


def check_localizer(settings: Settings) -> None:
    """Fail at start-up, in one line, when the configured localizer does not exist."""
    try:
        localizer_for(settings.instance.localisation)
    except UnknownLocalizerError as error:
        raise ConfigError("AIDBRIDGE_LOCALIZER / [localisation] provider", str(error)) from None


def migration_heads() -> set[str]:
    """The revisions a fully migrated database is at, according to the code."""
    return set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def database_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or load_settings()
    check_localizer(settings)
    check_notifier(settings)
    engine = engine or create_db_engine(settings.database_url)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    heads = migration_heads()  # read once: the code does not change while it runs

    async def readyz(request: Request) -> Response:
        try:
            with anyio.fail_after(READINESS_TIMEOUT_SECONDS):
                current = await anyio.to_thread.run_sync(
                    database_revisions, engine, abandon_on_cancel=True
                )
        except Exception:  # unreachable or too slow: not ready; details stay in the server
            log.warning("readiness: database unreachable", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if current != heads:
            return JSONResponse({"status": "unavailable", "database": "migrations pending"}, 503)
        return JSONResponse({"status": "ok"})

    graphql = AidbridgeGraphQL(settings, engine)
    routes: list[Any] = [
        # Any method: the view answers 405 in GraphQL's shape. Answers are gzipped for
        # clients that ask (a page of requests shrinks about four times on a slow line).
        # Every answer within the client's hourly budget (api/ratelimit) says what is left.
        Route(
            "/graphql",
            GZipMiddleware(RateLimitMiddleware(graphql, settings, engine), minimum_size=1024),
        ),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        # Every method reaches the endpoint, which answers all but POST with a coded 405
        # (else the frontend's catch-all below would answer GET with its 404 page).
        Route("/payments/webhook/{provider}", webhook_endpoint, methods=ALL_METHODS),
        Route("/media/{path:path}", media_endpoint, methods=ALL_METHODS),
    ]
    # The donor frontend, built from `frontend/` once per process; last, as the catch-all.
    routes.append(Route("/{path:path}", frontend_endpoint(cached_site(), None, settings.media_url)))
    app = Starlette(routes=routes)
    app.state.settings = settings
    app.state.engine = engine
    return app
