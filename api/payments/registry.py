"""Payment providers by name: the built-ins, plus plugins installed as Python packages
that declare an entry point in the group `aidbridge.payment_providers` (see
docs/payments.md)."""

from __future__ import annotations

import logging
import threading
from importlib.metadata import entry_points

from api.payments.base import PaymentProvider

ENTRY_POINT_GROUP = "aidbridge.payment_providers"
log = logging.getLogger("aidbridge.payments")

_providers: dict[str, PaymentProvider] = {}
_plugins_loaded = False
_lock = threading.Lock()


class UnknownProvider(LookupError):  # noqa: N818  (reads as the answer: "unknown provider")
    """No provider of that name is registered."""


def register_provider(provider: PaymentProvider, *, replace: bool = False) -> None:
    name = provider.name
    if not name or name != name.lower() or not name.replace("_", "").isalnum():
        raise ValueError(f"provider name {name!r} must be lowercase letters, digits or _")
    if name in _providers and not replace and _providers[name] is not provider:
        raise ValueError(f"a payment provider named {name!r} is already registered")
    _providers[name] = provider


def unregister_provider(name: str) -> None:
    _providers.pop(name, None)


def _load_plugins() -> None:
    global _plugins_loaded
    with _lock:
        if _plugins_loaded:
            return
        _plugins_loaded = True
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry.load()
                provider = loaded() if isinstance(loaded, type) else loaded
                if not isinstance(provider, PaymentProvider):
                    raise TypeError(f"{entry.value} is not a PaymentProvider")
                if provider.name != entry.name:
                    raise ValueError(f"entry point {entry.name!r} names {provider.name!r}")
                register_provider(provider)
            except Exception:
                # A broken plugin must not take the built-in providers down with it.
                log.exception("payment provider plugin %s failed to load", entry.name)


def get_provider(name: str) -> PaymentProvider:
    _load_plugins()
    try:
        return _providers[name]
    except KeyError:
        raise UnknownProvider(name) from None


def provider_names() -> list[str]:
    _load_plugins()
    return sorted(_providers)


def _register_builtins() -> None:
    from api.payments.offline import OfflineProvider
    from api.payments.webhook import WebhookProvider

    register_provider(OfflineProvider())
    register_provider(WebhookProvider())


_register_builtins()
