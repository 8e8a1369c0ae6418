from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest

from api.notifications.registry import wait_for_deliveries
from tests.help_requests.factories import World, make_world
from tests.ledger.checks import _books_balance_after_each_test

__all__ = ["_books_balance_after_each_test"]

TOKEN_IN_LINK = re.compile(r"/password-reset#token=(pr_[A-Za-z0-9_-]+)")


@pytest.fixture
def world(backend, engine, settings) -> World:
    return make_world(engine, settings)


@pytest.fixture
def console_messages(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The messages the default (console) notifier logged so far, once delivered."""
    caplog.set_level(logging.INFO, logger="aidbridge.notifications")

    def messages() -> list[str]:
        assert wait_for_deliveries(timeout=15)
        return [
            record.getMessage()
            for record in caplog.records
            if record.name == "aidbridge.notifications" and record.levelno == logging.INFO
        ]

    return messages


def reset_token_in(message: str) -> str:
    found = TOKEN_IN_LINK.search(message)
    assert found, message
    return found.group(1)
