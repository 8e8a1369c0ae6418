"""Providers are found by name: the built-ins and plugins from the entry point group."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from api.core.settings import Settings
from api.payments import registry
from api.payments.base import Confirmation, Instructions, PaymentProvider
from api.payments.models import Payment


class MobileMoney(PaymentProvider):
    name = "mobile_money"
    confirmation = Confirmation.CALLBACK

    def instructions(self, payment: Payment, settings: Settings, locale: str) -> Instructions:
        return Instructions(provider=self.name, reference=payment.reference)


def test_the_built_in_providers_are_registered_by_name():
    assert {"offline", "webhook"} <= set(registry.provider_names())
    assert registry.get_provider("offline").confirmation == Confirmation.RECONCILIATION
    assert registry.get_provider("webhook").confirmation == Confirmation.CALLBACK
    with pytest.raises(registry.UnknownProvider):
        registry.get_provider("nope")


def test_plugins_are_loaded_from_the_entry_point_group(monkeypatch):
    found = [
        EntryPoint(
            name="mobile_money", value=f"{__name__}:MobileMoney", group=registry.ENTRY_POINT_GROUP
        ),
        EntryPoint(
            name="broken", value="no.such.module:Provider", group=registry.ENTRY_POINT_GROUP
        ),
    ]
    monkeypatch.setattr(
        registry, "entry_points", lambda group: found if group == registry.ENTRY_POINT_GROUP else []
    )
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    try:
        provider = registry.get_provider("mobile_money")
        assert isinstance(provider, MobileMoney)
        with pytest.raises(registry.UnknownProvider):
            registry.get_provider("broken")  # logged, and the others still load
    finally:
        registry.unregister_provider("mobile_money")


def test_names_are_unique_and_lowercase():
    with pytest.raises(ValueError, match="already registered"):
        registry.register_provider(type("Other", (MobileMoney,), {"name": "offline"})())
    with pytest.raises(ValueError, match="lowercase"):
        registry.register_provider(type("Bad", (MobileMoney,), {"name": "Card"})())
