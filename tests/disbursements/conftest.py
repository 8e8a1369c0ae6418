from __future__ import annotations

import pytest

from tests.help_requests.factories import World, make_world
from tests.ledger.checks import _books_balance_after_each_test

__all__ = ["_books_balance_after_each_test"]


@pytest.fixture
def world(backend, engine, settings) -> World:
    return make_world(engine, settings)
