"""`webhook`: a payment gateway confirms by calling POST /payments/webhook/webhook with
an HMAC-signed JSON event.

The signature header is `Aidbridge-Signature: t=<unix seconds>,v1=<hex>`, where the hex
is HMAC-SHA256(secret, "<t>." + raw body) with the instance's AIDBRIDGE_WEBHOOK_SECRET.
Several `v1=` values may be sent (while a secret is rotated); one must match. Events older
or newer than five minutes are refused, and an event id is accepted once (payment_event).

The body:
    {"id": "evt_123", "type": "payment.succeeded" | "payment.failed",
     "data": {"reference": "PAY-...", "amount_minor": 1050, "currency": "USD",
              "external_reference": "ch_789"}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from api.core.i18n import N_, translator_for
from api.core.settings import Settings
from api.payments.base import (
    CallbackEvent,
    CallbackRejected,
    Confirmation,
    EventOutcome,
    Instructions,
    PaymentProvider,
)
from api.payments.config import WEBHOOK_CHECKOUT_URL, WEBHOOK_SECRET, setting
from api.payments.models import Payment

SIGNATURE_HEADER = "aidbridge-signature"
TOLERANCE_SECONDS = 300
EVENT_TYPES = {"payment.succeeded": EventOutcome.SUCCEEDED, "payment.failed": EventOutcome.FAILED}


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for `body` (what a gateway, or a test, sends)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _parse_header(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        name, _, item = part.strip().partition("=")
        if name == "t" and item.isdigit() and len(item) <= 12:
            timestamp = int(item)
        elif name == "v1" and item:
            signatures.append(item)
    if timestamp is None or not signatures:
        raise CallbackRejected(401, "INVALID_SIGNATURE", N_("Malformed signature header."))
    return timestamp, signatures


def _text(data: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise CallbackRejected(
            400, "BAD_EVENT", N_("`{name}` must be a non-empty string."), name=name
        )
    return value


class WebhookProvider(PaymentProvider):
    name = "webhook"
    confirmation = Confirmation.CALLBACK

    def is_available(self, settings: Settings) -> bool:
        return setting(settings, WEBHOOK_SECRET) is not None

    def instructions(self, payment: Payment, settings: Settings, locale: str) -> Instructions:
        template = setting(settings, WEBHOOK_CHECKOUT_URL)
        url = template.replace("{reference}", payment.reference) if template else None
        text = translator_for(settings.instance.localisation, locale).gettext(
            "Complete the payment on the payment page."
        )
        return Instructions(
            provider=self.name,
            reference=payment.reference,
            text=text,
            checkout_id=payment.reference,
            checkout_url=url,
        )

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime, settings: Settings
    ) -> CallbackEvent:
        secret = setting(settings, WEBHOOK_SECRET)
        if secret is None:
            raise CallbackRejected(
                503, "NOT_CONFIGURED", N_("Webhook payments are not configured.")
            )
        timestamp, signatures = _parse_header(headers.get(SIGNATURE_HEADER, ""))
        expected = sign(secret, body, timestamp).split("v1=", 1)[1]
        # Compare every candidate in constant time; the order reveals nothing.
        if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            raise CallbackRejected(401, "INVALID_SIGNATURE", N_("The signature does not match."))
        if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise CallbackRejected(400, "STALE_EVENT", N_("The event timestamp is too old or new."))
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise CallbackRejected(400, "BAD_EVENT", N_("The body is not JSON.")) from None
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise CallbackRejected(400, "BAD_EVENT", N_("The event needs `id`, `type`, `data`."))
        outcome = EVENT_TYPES.get(event.get("type"))  # type: ignore[arg-type]
        if outcome is None:
            raise CallbackRejected(422, "UNSUPPORTED_EVENT", N_("This event type is not handled."))
        data = event["data"]
        amount = data.get("amount_minor")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise CallbackRejected(400, "BAD_EVENT", N_("`amount_minor` must be an integer."))
        return CallbackEvent(
            event_id=_text(event, "id", required=True) or "",
            payment_reference=_text(data, "reference", required=True) or "",
            outcome=outcome,
            amount_minor=amount,
            currency=_text(data, "currency"),
            external_reference=_text(data, "external_reference"),
            occurred_at=datetime.fromtimestamp(timestamp, UTC),
        )
