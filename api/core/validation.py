"""Small input checks shared by services; each raises a typed, field-tagged error."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from babel.numbers import get_currency_precision, list_currencies

from api.core.errors import ErrorCode, ServiceError, ServiceErrors

if TYPE_CHECKING:
    from api.core.settings import Instance

T = TypeVar("T")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def clean_text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(ErrorCode.REQUIRED, field=field)
    if len(text) > limit:
        raise ServiceError(ErrorCode.TOO_LONG, field=field, limit=limit)
    return text


def optional_text(value: str | None, *, field: str, limit: int) -> str | None:
    text = clean_text(value, field=field, limit=limit, required=False)
    return text or None


def clean_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise ServiceError(ErrorCode.INVALID, field=field)
    return email


class FieldErrors:
    """Gathers field errors so one refused input reports all of them at once."""

    def __init__(self) -> None:
        self.errors: list[ServiceError] = []

    def check(self, action: Callable[[], T]) -> T | None:
        """The action's result, or None with its errors recorded."""
        try:
            return action()
        except ServiceError as error:
            self.errors.append(error)
        except ServiceErrors as errors:
            self.errors.extend(errors.errors)
        return None

    def add(self, code: ErrorCode, field: str | None, **params: Any) -> None:
        self.errors.append(ServiceError(code, field=field, **params))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ServiceErrors(self.errors)


# Codes of ISO 4217 that are not money anyone can give: precious metals, units of account,
# the testing and "no currency" codes.
_NOT_MONEY = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)


def is_currency(code: str) -> bool:
    return code in list_currencies() and code not in _NOT_MONEY


def check_currency(code: str, *, field: str) -> str:
    if not is_currency(code):
        raise ServiceError(ErrorCode.INVALID, field=field)
    return code


def check_money(
    instance: Instance,
    amount_minor: int | None,
    currency: str | None,
    *,
    field: str,
    currency_field: str | None = None,
    allow_zero: bool = False,
) -> tuple[int, str]:
    """The one rule for every amount of money a client sends: a currency this instance
    works in (ISO 4217; CURRENCY_MISMATCH names the default one otherwise) and a whole
    number of minor units from 1 (or 0 where allowed) to the instance's maximum."""
    found = FieldErrors()
    currency_field = currency_field or field
    if amount_minor is None:
        found.add(ErrorCode.REQUIRED, field)
    elif not (0 if allow_zero else 1) <= amount_minor <= instance.max_amount_minor:
        found.add(ErrorCode.OUT_OF_RANGE, field)
    if not currency or not is_currency(currency):
        found.add(ErrorCode.INVALID, currency_field)
    elif currency not in instance.currencies:
        found.add(ErrorCode.CURRENCY_MISMATCH, currency_field, currency=instance.default_currency)
    found.raise_if_any()
    assert amount_minor is not None and currency is not None
    return amount_minor, currency


def check_amount(amount_minor: int, *, field: str, allow_zero: bool = False) -> int:
    """Amounts computed on the server (order totals); client input goes through
    `check_money`. Bounded to what a BIGINT holds with room to sum."""
    if amount_minor < (0 if allow_zero else 1) or amount_minor > 10**15:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field=field)
    return amount_minor


def minor_unit_digits(currency: str) -> int:
    return int(get_currency_precision(currency))
