"""The ASGI application: GraphQL, health and readiness probes, and the frontend."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.core.db import create_db_engine
from api.core.headers import GRAPHIQL_CSP, SecurityHeaders, cors_middleware
from api.core.http_errors import (
    LOCALE_HEADER,
    Refusal,
    error_response,
    request_translator,
)
from api.core.http_limits import (
    DEFAULT_BODY_BYTES,
    BodyLimit,
    BodyTooLargeError,
    MalformedJSONError,
    parse_json,
)
from api.core.i18n import N_, Translator, UnknownLocalizerError, localizer_for
from api.core.response_json import encode_response
from api.core.settings import ConfigError, Settings, load_settings
from api.crowdfunding.closer import campaign_closer
from api.frontend.build import cached_site
from api.frontend.serve import frontend_endpoint
from api.graphql.context import Context
from api.graphql.execution import INTERNAL_ERROR_MESSAGE
from api.graphql.persisted import PersistedOperations, PersistedQueryError
from api.graphql.profile import log_unexpected
from api.graphql.response_cache import GZIP_MINIMUM_SIZE, ResponseCache
from api.media.http import media_endpoint
from api.media.service import MAX_UPLOAD_BYTES
from api.migrations.revisions import code_heads, database_revisions
from api.notifications import check_notifier
from api.payments.http import MAX_BODY_BYTES as WEBHOOK_MAX_BODY_BYTES
from api.payments.http import webhook_endpoint
from api.ratelimit.http import RateLimitMiddleware
from api.schema import schema

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Codes of the errors the HTTP layer refuses a request with, before any GraphQL runs.
HTTP_ERROR_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
# Request errors (no `data`) answered as application/graphql-response+json get 400
# unless their code says otherwise; as application/json they get 200 (the spec's legacy).
REQUEST_ERROR_STATUS = {"RATE_LIMITED": 429, "INTERNAL_SERVER_ERROR": 500}
# A multipart request carries one picture (api/media) and the operation beside it.
MAX_MULTIPART_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
# A probe must answer even when the database hangs instead of refusing connections.
READINESS_TIMEOUT_SECONDS = 5
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

log = logging.getLogger("aidbridge.http")


# The view's own refusals (strawberry's are marked in api/core/http_errors.py).
NOT_UTF8_MESSAGE = N_("Send JSON in UTF-8.")
UNSUPPORTED_TYPE_MESSAGE = N_("Send application/json (or multipart/form-data with an upload).")
BATCHING_MESSAGE = N_("Batching is not enabled: send one operation.")
NOT_AN_OBJECT_MESSAGE = N_("The request body must be a JSON object.")
OBJECT_PARAMETER_MESSAGE = N_("The parameter `{name}` must be an object or null.")
STRING_PARAMETER_MESSAGE = N_("The parameter `{name}` must be a string or null.")
LENGTH_REQUIRED_MESSAGE = N_("A multipart request needs a Content-Length.")
MULTIPART_MESSAGE = N_("Unable to parse the multipart body.")
UNKNOWN_OPERATION_MESSAGE = N_('Unknown operation named "{name}".')
NO_OPERATION_TYPE_MESSAGE = N_("Can't get GraphQL operation type")
OPERATION_TYPE_MESSAGES = {
    OperationType.QUERY: N_("Queries are not allowed when using {method}."),
    OperationType.MUTATION: N_("Mutations are not allowed when using {method}."),
    OperationType.SUBSCRIPTION: N_("Subscriptions are not allowed when using {method}."),
}


def graphql_error_response(
    translator: Translator,
    status_code: int,
    code: str,
    message: str,
    params: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
    media_type: str = "application/json",
) -> JSONResponse:
    """An error in the shape of a GraphQL response, so clients parse one format only,
    its message translated into the request's locale."""
    return error_response(
        translator, status_code, code, message, params, headers=headers, media_type=media_type
    )


def refusal_message(error: HTTPException) -> tuple[str, dict[str, object]]:
    """The marked source message and parameters of a refusal: ours carry them; of
    strawberry's, the operation errors are rebuilt from their cause, the fixed reasons
    are their own message ids (STRAWBERRY_REASONS)."""
    if isinstance(error, Refusal):
        return error.message, error.params
    cause = error.__cause__
    if isinstance(cause, InvalidOperationTypeError):
        return OPERATION_TYPE_MESSAGES[cause.operation_type], {"method": _method(error)}
    if isinstance(cause, CannotGetOperationTypeError):
        if cause.operation_name is None:
            return NO_OPERATION_TYPE_MESSAGE, {}
        return UNKNOWN_OPERATION_MESSAGE, {"name": cause.operation_name}
    if error.reason == "Unable to parse the multipart body":
        return MULTIPART_MESSAGE, {}
    return error.reason, {}


def _method(error: HTTPException) -> str:
    # strawberry's reason ends with the method: "mutations are not allowed when using GET".
    return error.reason.rsplit(" ", 1)[-1]


def negotiate(accept: str | None) -> str:
    """The response media type: application/graphql-response+json when the client asks
    for it at least as much as for application/json; application/json otherwise (also
    for a missing Accept, `*/*`, or nothing acceptable: the spec's legacy default)."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        weights[media] = max(weights.get(media, 0.0), quality)
    wanted = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_weight = max(weights.get(m, 0.0) for m in ("application/json", "application/*", "*/*"))
    return GRAPHQL_RESPONSE_JSON if wanted > 0 and wanted >= json_weight else "application/json"


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution (parse, validation, variables, limits): no data, and no
    error belongs to a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class AidbridgeGraphQL(GraphQL[Context, None]):
    """strawberry's view with GraphQL over HTTP by the book: media type negotiation and
    its status codes, strict content types and JSON, persisted operations, and coded
    errors for whatever is refused before execution."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        # Multipart requests carry uploads. They cannot be forged across sites to act as
        # someone: the API authenticates by bearer token only, never by cookie.
        super().__init__(
            schema,
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.engine = engine
        self.persisted = PersistedOperations.from_settings(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Like strawberry's, but requests refused before execution (bad JSON, no query,
        a mutation over GET, a wrong method...) get JSON with `extensions.code`, not text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media_type = negotiate(request.headers.get("accept"))
        request.state.media_type = media_type
        translator = request_translator(self.settings, request.headers)
        try:
            check_multipart_length(request)
            response = await self.run(request)
        except PersistedQueryError as error:
            status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
            if error.code == "BAD_REQUEST":
                status = 400
            response = graphql_error_response(
                translator, status, error.code, error.message, media_type=media_type
            )
        except HTTPException as error:
            code = HTTP_ERROR_CODES.get(error.status_code, "BAD_REQUEST")
            headers = None
            if error.status_code == 405:
                headers = {"Allow": "POST" if request.method == "GET" else "GET, POST"}
            message, params = refusal_message(error)
            response = graphql_error_response(
                translator, error.status_code, code, message, params, headers, media_type
            )
        except StarletteHTTPException as error:  # starlette's form parser refusing a part
            # Its detail is English only ("Too many fields..."): the message says what failed.
            code = HTTP_ERROR_CODES.get(error.status_code, "BAD_REQUEST")
            response = graphql_error_response(
                translator, error.status_code, code, MULTIPART_MESSAGE, media_type=media_type
            )
        except BodyTooLargeError:
            raise  # answered by BodyLimit
        except Exception as error:
            if self.settings.is_production:
                log_unexpected(log, "unexpected error outside GraphQL execution", error)
            else:
                log.exception("unexpected error outside GraphQL execution")
            response = graphql_error_response(
                translator,
                500,
                "INTERNAL_SERVER_ERROR",
                INTERNAL_ERROR_MESSAGE,
                media_type=media_type,
            )
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

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = request.state.media_type
        request.state.sub_response = sub_response
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{sub_response.media_type}; charset=utf-8"
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """As application/graphql-response+json, a request error has no `data` and a 4xx."""
        data = await super().process_result(request, result)
        if request.state.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            data.pop("data", None)
            codes = [(error.extensions or {}).get("code") for error in result.errors or []]
            status = next(
                (REQUEST_ERROR_STATUS[c] for c in codes if c in REQUEST_ERROR_STATUS), 400
            )
            request.state.sub_response.status_code = status
        return data

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            self.graphql_ide_html, headers={"content-security-policy": GRAPHIQL_CSP}
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that names a persisted operation instead of sending a query."""
        params = request.query_params
        return super().should_render_graphql_ide(request) and not (
            params.get("extensions") or params.get("documentId")
        )

    def decode_json(self, data: str | bytes) -> object:
        return parse_json(data)

    def encode_json(self, data: object) -> str:
        """orjson, writing the same text strawberry's json.dumps did."""
        return encode_response(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return parse_json(data)
        except MalformedJSONError as error:
            raise Refusal(400, error.message, **error.params) from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request's parameters: from the query string of a GET, a JSON body in
        UTF-8, or a multipart upload; then a persisted operation's hash becomes its text."""
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            media_type, parameters = parse_content_type(request.content_type or "x/none")
            charset = parameters.get("charset", "utf-8").lower()
            if media_type == "application/json":
                if charset not in ("utf-8", "utf8"):
                    raise Refusal(415, NOT_UTF8_MESSAGE)
                data = self.parse_json(await request.get_body())
            elif self.multipart_uploads_enabled and media_type == "multipart/form-data":
                data = await self.parse_multipart(request)
            else:
                raise Refusal(415, UNSUPPORTED_TYPE_MESSAGE)
        if isinstance(data, list):
            raise Refusal(400, BATCHING_MESSAGE)
        if not isinstance(data, dict):
            raise Refusal(400, NOT_AN_OBJECT_MESSAGE)
        parsed = request_parameters(data)
        parsed.query = await self.persisted.resolve(
            parsed.query, parsed.extensions, data.get("documentId")
        )
        return parsed

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """strawberry's, but a map or operations of the wrong shape (a map that is a list,
        a path that is not a string or runs through a string, an index out of range) is a
        400 like an unparsable body, not an unexpected error."""
        try:
            return await super().parse_multipart(request)
        except (AttributeError, IndexError, TypeError, ValueError) as error:
            raise HTTPException(400, "Unable to parse the multipart body") from error

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A mutation over GET is 405 Method Not Allowed, as the spec says."""
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(
                error.__cause__, InvalidOperationTypeError
            ):
                raise HTTPException(405, error.reason) from error.__cause__
            raise


def request_parameters(data: dict[str, Any]) -> GraphQLRequestData:
    """The GraphQL over HTTP parameters, each of its type or null, else 400."""
    expected = {
        "query": str,
        "operationName": str,
        "variables": dict,
        "extensions": dict,
        "documentId": str,
    }
    for name, kind in expected.items():
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            message = OBJECT_PARAMETER_MESSAGE if kind is dict else STRING_PARAMETER_MESSAGE
            raise Refusal(400, message, name=name)
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )


def check_multipart_length(request: Request) -> None:
    """An upload must declare its length (BodyLimit, via `body_limits`, refuses one over
    MAX_MULTIPART_BYTES before it is read)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/"):
        return
    if not request.headers.get("content-length", "").isdigit():
        raise Refusal(411, LENGTH_REQUIRED_MESSAGE)


def body_limits(settings: Settings) -> Callable[[Scope], int]:
    """The most each route reads: /graphql its setting (an upload its own limit), the
    payment webhook 64 KB, every other route (probes, pictures, pages) 64 KB."""

    def limit_for(scope: Scope) -> int:
        path = scope.get("path", "")
        if path == "/graphql":
            for name, value in scope.get("headers", []):
                if name == b"content-type" and value.lower().startswith(b"multipart/"):
                    return MAX_MULTIPART_BYTES
            return settings.max_body_bytes
        if path.startswith("/payments/webhook/"):
            return WEBHOOK_MAX_BODY_BYTES
        return DEFAULT_BODY_BYTES

    return limit_for


def http_middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: security headers go on every answer (refusals and preflights
    too), CORS answers preflights, then the body limit guards every route. A request
    limiter fits between CORS and the body limit."""
    return [
        Middleware(SecurityHeaders),
        *cors_middleware(settings.cors_origins),
        Middleware(BodyLimit, limit_for=body_limits(settings), settings=settings),
    ]


def response_cache(graphql: AidbridgeGraphQL, settings: Settings, engine: Engine) -> ResponseCache:
    return ResponseCache(
        graphql,
        settings,
        engine,
        graphql_schema=schema._schema,
        resolve_document=graphql.persisted.resolve,
        media_type_of=negotiate,
    )


def check_localizer(settings: Settings) -> None:
    """Fail at start-up, in one line, when the configured localizer does not exist."""
    try:
        localizer_for(settings.instance.localisation)
    except UnknownLocalizerError as error:
        raise ConfigError("AIDBRIDGE_LOCALIZER / [localisation] provider", str(error)) from None


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or load_settings()
    check_localizer(settings)
    check_notifier(settings)
    engine = engine or create_db_engine(settings.database_url)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    heads = code_heads()  # read once: the code does not change while it runs

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
        # Anonymous queries may be answered from the response cache (api/graphql/response_cache.py).
        Route(
            "/graphql",
            GZipMiddleware(
                RateLimitMiddleware(response_cache(graphql, settings, engine), settings, engine),
                minimum_size=GZIP_MINIMUM_SIZE,
            ),
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
    app = Starlette(
        routes=routes,
        middleware=http_middleware(settings),
        lifespan=lambda _app: campaign_closer(engine, settings),
    )
    app.state.settings = settings
    app.state.engine = engine
    return app
