"""Attempt limits for logins and password reset requests, per account and per address.

An attempt is counted *before* the work it guards (an Argon2 hash, a message sent), so
parallel attempts cannot all slip through while the first is being checked: each takes
its place in the hour's count atomically, and after the free attempts each one closes a
gate for a doubling wait (1 s, 2 s, 4 s ... capped). An attempt over the hourly ceiling
or at a closed gate is refused at once, before anything is hashed, even when its
password is right. A successful login clears the account's count and gate. While a
shared store is down, the counting goes on in this process (api/ratelimit/store.py):
an outage never turns the limits off."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from api.ratelimit.store import BudgetStore

WINDOW_SECONDS = 3600
# Longer account names (whatever a caller sends as an email) are counted by their digest:
# no caller makes a key of any length, nor one the table's 200-character names refuse.
MAX_ACCOUNT_KEY = 128


def account_key(account: str) -> str:
    """The account's part of a key: as sent when it is short and printable, else its
    digest, so that no input (a megabyte, a NUL, a lone surrogate) makes a key the
    store refuses, which would count as an outage."""
    if len(account) <= MAX_ACCOUNT_KEY and account.isprintable():
        return account
    return "sha256:" + hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class AttemptPolicy:
    free: int  # attempts per hour before waits start
    per_hour: int  # attempts per hour, at most
    backoff_seconds: float  # the first wait
    backoff_max_seconds: int  # the longest wait; 0: no waits

    def wait_after(self, count: int) -> float:
        """Seconds to wait after the `count`-th attempt of the hour."""
        if self.backoff_max_seconds <= 0 or self.backoff_seconds <= 0 or count < self.free:
            return 0.0
        exponent = min(count - self.free, 30)
        return float(min(self.backoff_seconds * 2**exponent, self.backoff_max_seconds))


class AttemptRefused(Exception):  # noqa: N818  (a refusal, not a fault)
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Attempt:
    """An attempt that was let through: report how it went."""

    limiter: AttemptLimiter
    keys: list[tuple[str, str]]  # (counter, gate) per scope: account first, then address

    def succeeded(self) -> None:
        """The account's slate is clean again; the address keeps its gate, and gets back
        the place this attempt took (a success is no failure)."""
        if not self.keys:
            return
        account_counter, account_gate = self.keys[0]
        self.limiter.store.delete(account_counter, account_gate)
        for counter, _ in self.keys[1:]:
            self.limiter.store.add(counter, -1, limit=2**62, ttl=WINDOW_SECONDS)


class AttemptLimiter:
    def __init__(
        self, store: BudgetStore, name: str, account: AttemptPolicy, address: AttemptPolicy
    ) -> None:
        self.store = store
        self.name = name
        self.policies = (account, address)

    def begin(self, account: str, ip: str) -> Attempt:
        """Take a place for one attempt for `account` (a normalized email) from `ip`, or
        raise AttemptRefused with the seconds to wait."""
        now = time.time()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        scopes = (f"account:{account_key(account)}", f"ip:{ip}")
        taken: list[tuple[str, str]] = []
        for scope, policy in zip(scopes, self.policies, strict=True):
            counter = f"{self.name}:{scope}:{window}"
            gate = f"{self.name}:gate:{scope}"
            count, added = self.store.add(
                counter, 1, limit=policy.per_hour, ttl=WINDOW_SECONDS + 60
            )
            if not added:
                self._give_back(taken)
                raise AttemptRefused(max(1, math.ceil(window + WINDOW_SECONDS - now)))
            now_ms = int(now * 1000)
            wait_ms = int(policy.wait_after(count) * 1000)
            closed_until = self.store.claim(
                gate, now_ms, now_ms + wait_ms, ttl=policy.backoff_max_seconds + 60
            )
            if closed_until:
                self._give_back([*taken, (counter, gate)])
                raise AttemptRefused(max(1, math.ceil((closed_until - now_ms) / 1000)))
            taken.append((counter, gate))
        return Attempt(self, taken)

    def _give_back(self, taken: list[tuple[str, str]]) -> None:
        for counter, _ in taken:
            self.store.add(counter, -1, limit=2**62, ttl=WINDOW_SECONDS)
