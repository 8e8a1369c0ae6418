"""Passwords (argon2) and bearer tokens (random, stored as a keyed hash)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.core.deadline import OperationTimeoutError, seconds_left

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
TOKEN_BYTES = 32


def hashing_slots(hasher: PasswordHasher) -> int:
    """How many hashes this process computes at once: one per `parallelism` cores (each
    hash runs that many threads). Argon2 as configured takes about 0.2 s of CPU and
    64 MiB; more hashes at once than the cores can run only share them, so that under a
    burst of logins every one finishes late (past its operation's deadline) instead of
    most in time, and memory grows by 64 MiB for each. The rest wait for a slot."""
    return max(1, (os.cpu_count() or 1) // max(1, hasher.parallelism))


HASHING_SLOTS = threading.BoundedSemaphore(hashing_slots(_hasher))


@contextmanager
def _hashing_slot() -> Iterator[None]:
    """A slot to hash in, waited for until the operation's deadline at most (then the
    operation answers TIMEOUT, as for any other work that does not fit in it)."""
    if not HASHING_SLOTS.acquire(timeout=seconds_left()):
        raise OperationTimeoutError
    try:
        yield
    finally:
        HASHING_SLOTS.release()


def hash_password(password: str) -> str:
    with _hashing_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _hashing_slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def new_token() -> str:
    return "ab_" + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_public_code(prefix: str = "HH") -> str:
    """A random code that reveals nothing about the row (no order, no count)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return prefix + "-" + "".join(secrets.choice(alphabet) for _ in range(8))
