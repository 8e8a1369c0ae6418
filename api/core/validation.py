"""Small input checks shared by services; each raises a typed, field-tagged error."""

from __future__ import annotations

import re

from babel.numbers import get_currency_precision, list_currencies

from api.core.errors import ErrorCode, ServiceError

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


def check_currency(code: str, *, field: str) -> str:
    if code not in list_currencies():
        raise ServiceError(ErrorCode.INVALID, field=field)
    return code


def check_amount(amount_minor: int, *, field: str, allow_zero: bool = False) -> int:
    """Amounts are integer minor units; bounded to what a BIGINT holds with room to sum."""
    if amount_minor < (0 if allow_zero else 1) or amount_minor > 10**15:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field=field)
    return amount_minor


def minor_unit_digits(currency: str) -> int:
    return int(get_currency_precision(currency))
