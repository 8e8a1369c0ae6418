"""Cheap argon2 parameters for tests that create many accounts.

Production hashing is deliberately slow (about 0.4 s a hash on a CI machine); a test
world with five accounts would spend most of its time there. The hashes stay argon2id,
so what is stored, and how it is verified, is unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from api.core import security

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", CHEAP_HASHER)
        yield
