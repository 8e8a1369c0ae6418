"""Password rules: long enough, not too long, not one of the passwords attackers try
first, and not made of the account's own email."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.security import MIN_PASSWORD_LENGTH

# Longer passwords only cost hashing time; refused so they cannot be used to load the server.
MAX_PASSWORD_LENGTH = 1024
# 414,830 leaked and common passwords, lower-cased (see data/NOTICE.md for the sources).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt.gz"
# Parts of an email shorter than this are too common in passwords to refuse them.
MIN_EMAIL_PART = 3

COMMON_PASSWORD = N_(
    "This password appears in lists of leaked passwords that attackers try first: choose "
    "another one."
)
CONTAINS_EMAIL = N_("The password must not contain your email address or the name before the @.")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Loaded once, on first use; only entries long enough to pass the length rule are
    kept in memory, since shorter ones are refused anyway (about 45,000 of them)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(
            line for line in lines.read().split("\n") if len(line) >= MIN_PASSWORD_LENGTH
        )


def is_common(password: str) -> bool:
    return password.lower() in common_passwords() or password.strip().lower() in common_passwords()


def contains_email(password: str, email: str | None) -> bool:
    if not email:
        return False
    lowered = password.lower()
    address = email.strip().lower()
    local = address.split("@", 1)[0]
    return address in lowered or (len(local) >= MIN_EMAIL_PART and local in lowered)


def check_password(password: str, *, email: str | None = None, field: str = "password") -> str:
    """The password, or a ServiceError saying which rule it breaks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(ErrorCode.WEAK_PASSWORD, field=field, limit=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(ErrorCode.TOO_LONG, field=field, limit=MAX_PASSWORD_LENGTH)
    if contains_email(password, email):
        raise ServiceError(ErrorCode.WEAK_PASSWORD, field=field, message=CONTAINS_EMAIL)
    if is_common(password):
        raise ServiceError(ErrorCode.WEAK_PASSWORD, field=field, message=COMMON_PASSWORD)
    return password
