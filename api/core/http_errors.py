"""Refusals the HTTP layer sends before any GraphQL runs (bad JSON, a wrong method, a body
too large, an unknown picture, a refused payment callback), in the request's locale.

The locale is chosen as a GraphQL request chooses it, from headers only (no database
session is opened to refuse a request): `X-Aidbridge-Locale`, else `Accept-Language`,
else the instance default. A refusal keeps its code and status in every locale; only
its message is translated, and `Content-Language` says into which locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cross_web import HTTPException
from starlette.responses import JSONResponse

from api.core.i18n import N_, SOURCE_LOCALE, LocalisationConfig, Translator, translator_for
from api.core.locales import negotiate_locale
from api.core.settings import Settings

LOCALE_HEADER = "x-aidbridge-locale"

# strawberry's own refusals that reach a client of this view, marked so they are
# translated (the view refuses the rest, e.g. batching or bad JSON, before strawberry).
STRAWBERRY_REASONS = (
    N_("GraphQL only supports GET and POST requests."),
    N_("No GraphQL query found in the request"),
    N_("File(s) missing in form data"),
    N_("Not Found"),
)


class Refusal(HTTPException):
    """An HTTP refusal whose message is a marked source message with `{placeholders}`:
    `reason` is the English text, `localized(translator)` the request's."""

    def __init__(self, status_code: int, message: str, **params: object) -> None:
        super().__init__(status_code, message.format(**params) if params else message)
        self.message = message
        self.params = params

    def localized(self, translator: Translator) -> str:
        return translator.gettext(self.message, **self.params)


def request_translator(settings: Settings | None, headers: Mapping[str, str]) -> Translator:
    """The translator of a request that has not reached GraphQL, from its headers only.
    Without settings (a bare middleware in a test) the English source text."""
    if settings is None:
        return translator_for(LocalisationConfig(), SOURCE_LOCALE)
    instance = settings.instance
    locale = negotiate_locale(
        explicit=headers.get(LOCALE_HEADER),
        preferred=None,
        accept_language=headers.get("accept-language"),
        available=instance.locales,
        default=instance.default_locale,
    )
    return translator_for(instance.localisation, locale)


def content_language(translator: Translator) -> str:
    return translator.locale.replace("_", "-")


def error_body(code: str, message: str) -> dict[str, Any]:
    """An error in the shape of a GraphQL response, so clients parse one format only."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def localized_json(
    translator: Translator,
    content: Mapping[str, Any],
    status_code: int,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
) -> JSONResponse:
    """JSON already in `translator`'s locale, saying so with `Content-Language`."""
    response = JSONResponse(dict(content), status_code=status_code, headers=dict(headers or {}))
    if media_type is not None:
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
    response.headers["content-language"] = content_language(translator)
    return response


def error_response(
    translator: Translator,
    status_code: int,
    code: str,
    message: str,
    params: Mapping[str, object] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
) -> JSONResponse:
    """A coded refusal in the GraphQL error shape, `message` (a marked source message,
    `{placeholders}` filled from `params`) translated."""
    text = translator.gettext(message, **dict(params or {}))
    return localized_json(translator, error_body(code, text), status_code, headers, media_type)
