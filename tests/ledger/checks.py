"""The books balance: after every scenario of the ledger, payment and donation tests,
debits equal credits in each currency and in every single transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.ledger.service import trial_balance, unbalanced_transactions


def assert_books_balance(engine: Engine) -> None:
    with Session(engine) as session:
        totals = trial_balance(session)
        assert all(t.debits_minor == t.credits_minor for t in totals), totals
        assert unbalanced_transactions(session) == []


@pytest.fixture(autouse=True)
def _books_balance_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    # Asked for before the test runs, so the engine outlives this check.
    engine = request.getfixturevalue("engine") if "engine" in request.fixturenames else None
    yield
    if engine is not None:
        assert_books_balance(engine)
