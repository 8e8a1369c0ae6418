"""Money on the wire: integer minor units plus an ISO 4217 code, formatted on the server.

Amounts never pass through a float: `Decimal(minor).scaleb(-digits)` is exact."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from api.core.i18n import Translator
from api.core.validation import minor_unit_digits

MAX_MINOR_UNITS = 10**15


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_unit_digits(currency))


@lru_cache(maxsize=8192)
def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """CLDR formatting is slow (a pattern parse and a Decimal quantize per call), and a
    page shows the same few amounts in one locale again and again: kept per amount."""
    return str(format_currency(to_decimal(amount_minor, currency), currency, locale=locale))


@dataclass(frozen=True)
class MoneyParam:
    """An amount as a message parameter ("Only {remaining} is still open..."), formatted
    with its currency in the reader's locale once that is known (a `Localizable`)."""

    amount_minor: int
    currency: str

    def localized(self, translator: Translator) -> str:
        return format_money(self.amount_minor, self.currency, translator.locale)
