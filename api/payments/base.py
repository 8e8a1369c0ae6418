"""The interface every payment provider implements. See docs/payments.md for a worked
example of a provider plugin."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from api.core.i18n import N_
from api.core.settings import Settings
from api.payments.models import Payment


class Confirmation(StrEnum):
    """How the core learns that the money arrived."""

    # An organisation admin records it by hand with a bank or cash reference.
    RECONCILIATION = "RECONCILIATION"
    # The gateway calls /payments/webhook/<provider> with a signed event.
    CALLBACK = "CALLBACK"


@dataclass(frozen=True)
class Instructions:
    """What the payer needs to pay: text to show, and for gateways a checkout."""

    provider: str
    reference: str
    text: str | None = None
    checkout_id: str | None = None
    checkout_url: str | None = None


class EventOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CallbackEvent:
    """A verified gateway event, in the core's terms."""

    event_id: str
    payment_reference: str
    outcome: EventOutcome
    amount_minor: int | None
    currency: str | None
    external_reference: str | None
    occurred_at: datetime | None = None


class CallbackRejected(Exception):  # noqa: N818  (an HTTP refusal, not a program error)
    """A callback the provider refuses; `status` and `code` become the HTTP answer.
    `source` is a marked source message with `{placeholders}` filled from `params`,
    translated into the request's locale when answered; `message` is it in English."""

    def __init__(self, status: int, code: str, message: str, **params: object) -> None:
        english = message.format(**params) if params else message
        super().__init__(english)
        self.status = status
        self.code = code
        self.message = english
        self.source = message
        self.params = params


class PaymentProvider(ABC):
    """A way to pay. Subclasses set `name` (the registry key, lowercase) and
    `confirmation`, and implement `instructions`; callback providers also implement
    `parse_callback`. Providers hold no database state: the core stores payments and
    processed events, and moves the money in the ledger."""

    name: str
    confirmation: Confirmation

    def is_available(self, settings: Settings) -> bool:
        """False when the provider is not configured on this instance (no secret...)."""
        return True

    @abstractmethod
    def instructions(self, payment: Payment, settings: Settings, locale: str) -> Instructions:
        """How the payer pays `payment`. Must be deterministic for one payment: an
        idempotent replay shows the same instructions again."""

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime, settings: Settings
    ) -> CallbackEvent:
        """Verify a callback (signature, timestamp) and translate it; raise
        CallbackRejected for anything not to be trusted."""
        raise CallbackRejected(
            404, "NOT_FOUND", N_("{provider} takes no callbacks"), provider=self.name
        )

    def refund(self, payment: Payment, settings: Settings) -> None:  # noqa: B027
        """Give the money back through the provider (a gateway's refund API). The
        built-in providers do nothing here: offline refunds are paid out by hand and
        the webhook provider's gateway is told by its operator."""
