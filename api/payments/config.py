"""Payment settings read from the environment (and `Settings.extra`), so the core
settings module stays as it is until these graduate into it."""

from __future__ import annotations

import os

from api.core.settings import Settings

WEBHOOK_SECRET = "AIDBRIDGE_WEBHOOK_SECRET"  # noqa: S105  (a variable name, not a secret)
WEBHOOK_CHECKOUT_URL = "AIDBRIDGE_WEBHOOK_CHECKOUT_URL"
OFFLINE_PAYMENT_DETAILS = "AIDBRIDGE_OFFLINE_PAYMENT_DETAILS"


def setting(settings: Settings, name: str) -> str | None:
    """`Settings.extra` wins over the process environment; empty means unset. Read per
    call, so a rotated secret takes effect without a restart of this module."""
    value = settings.extra.get(name) or os.environ.get(name) or ""
    return value.strip() or None
