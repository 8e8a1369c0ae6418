from __future__ import annotations

import pytest

from tests.accounts.hashing import cheap_password_hashing

__all__ = ["cheap_password_hashing"]


@pytest.fixture(autouse=True)
def _cheap_password_hashing(cheap_password_hashing: None) -> None:
    """Argon2 with small parameters: these tests create many accounts."""
