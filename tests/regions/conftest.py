from __future__ import annotations

import pytest

from tests.help_requests.factories import World, make_world


@pytest.fixture
def world(backend, engine, settings) -> World:
    """Regions P1 > P1-A > C1, C2 (each with a township and village) and P2, with every
    identity: a representative of a household in C1's village, a caseworker covering C1, a
    caseworker of P2, an admin and helpers."""
    return make_world(engine, settings)
