from __future__ import annotations

from tests.ledger.checks import _books_balance_after_each_test

__all__ = ["_books_balance_after_each_test"]
