"""The endpoint gateways call: POST /payments/webhook/{provider}.

Answers are JSON: 200 {"status": "processed"}; otherwise {"error": {"code", "message"}}
with 401 (bad signature), 400 (stale or malformed event), 404 (unknown provider or
payment), 409 (replayed event, payment no longer pending), 422 (amount mismatch,
unsupported event type) or 503 (not configured). A body over 64 KB is refused with 413
before it is read in full, in the API's error shape (`errors[0].extensions.code`
PAYLOAD_TOO_LARGE). Nothing is written unless 200."""

from __future__ import annotations

import logging

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.core.auth import ANONYMOUS
from api.core.db import unit_of_work, utcnow
from api.core.http_errors import localized_json, request_translator
from api.core.http_limits import read_body
from api.core.i18n import N_
from api.payments.base import CallbackEvent, CallbackRejected, Confirmation
from api.payments.registry import UnknownProvider, get_provider
from api.payments.service import handle_callback

MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger("aidbridge.payments")


def _refusal(request: Request, error: CallbackRejected) -> JSONResponse:
    """The refusal in the request's locale (a gateway sends no language: the default)."""
    translator = request_translator(request.app.state.settings, request.headers)
    message = translator.gettext(error.source, **error.params)
    return localized_json(
        translator, {"error": {"code": error.code, "message": message}}, error.status
    )


async def webhook_endpoint(request: Request) -> Response:
    """Starlette route handler; expects `app.state.settings` and `app.state.engine`."""
    settings = request.app.state.settings
    engine = request.app.state.engine
    name = str(request.path_params.get("provider", ""))
    try:
        if request.method != "POST":
            raise CallbackRejected(405, "METHOD_NOT_ALLOWED", N_("Use POST."))
        try:
            provider = get_provider(name)
        except UnknownProvider:
            raise CallbackRejected(404, "NOT_FOUND", N_("No such payment provider.")) from None
        if provider.confirmation != Confirmation.CALLBACK:
            raise CallbackRejected(404, "NOT_FOUND", N_("This provider takes no callbacks."))
        # Read no further than the limit (BodyTooLargeError: the app's body limit answers 413).
        body = await read_body(request, MAX_BODY_BYTES)
        event = provider.parse_callback(request.headers, body, now=utcnow(), settings=settings)

        def apply(event: CallbackEvent = event) -> str:
            with unit_of_work(engine) as session:
                return handle_callback(session, provider=name, event=event, actor=ANONYMOUS)

        status = await anyio.to_thread.run_sync(apply)
    except CallbackRejected as error:
        log.info("payment callback refused: provider=%s code=%s", name, error.code)
        return _refusal(request, error)
    return JSONResponse({"status": status})
