"""The ASGI application: GraphQL, health and readiness probes, and the frontend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL

from api.core.context import Context
from api.core.db import create_db_engine
from api.core.settings import Settings, load_settings
from api.migrations import alembic_config
from api.schema import schema

FRONTEND_DIR = Path(__file__).resolve().parents[1] / "frontend" / "dist"
LOCALE_HEADER = "x-aidbridge-locale"


class AidbridgeGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings, engine: Engine) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.settings = settings
        self.engine = engine

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        return Context(
            settings=self.settings,
            engine=self.engine,
            request=request,
            bearer_token=token.strip() if scheme.lower() == "bearer" and token.strip() else None,
            explicit_locale=request.headers.get(LOCALE_HEADER),
        )


def migrations_at_head(engine: Engine) -> bool:
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or load_settings()
    engine = engine or create_db_engine(settings.database_url)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            ready = migrations_at_head(engine)
        except Exception:  # database unreachable: not ready, and say so without details
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if not ready:
            return JSONResponse({"status": "unavailable", "database": "migrations pending"}, 503)
        return JSONResponse({"status": "ok"})

    async def placeholder(request: Request) -> Response:
        return HTMLResponse(PLACEHOLDER_PAGE)

    graphql = AidbridgeGraphQL(settings, engine)
    routes: list[Any] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if FRONTEND_DIR.is_dir():
        routes.append(Mount("/", StaticFiles(directory=FRONTEND_DIR, html=True)))
    else:
        routes.append(Route("/", placeholder))
    app = Starlette(routes=routes)
    app.state.settings = settings
    app.state.engine = engine
    return app


PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aidbridge</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Aidbridge</h1>
<p>The donor frontend will live here. Explore the API in <a href="/graphql">GraphiQL</a>.</p>
</main></body></html>
"""
