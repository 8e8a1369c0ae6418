from __future__ import annotations

import pytest

from tests.help_requests.factories import World, make_world


@pytest.fixture
def world(backend, engine, settings) -> World:
    return make_world(engine, settings)
