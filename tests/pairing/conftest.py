from __future__ import annotations

import pytest

from tests.pairing.factories import PairingWorld, make_world


@pytest.fixture
def world(backend, engine, settings) -> PairingWorld:
    return make_world(engine, settings)
