"""What a process does while a shared store (Redis, the counters' table) does not answer.

Limits must not vanish with the store, and an outage must not slow every request down
by a connection timeout: the first failure opens an outage, during which callers use
their per-process fallback and only one call per `retry_seconds` tries the shared store
again; the first answer closes it. One warning when it opens, one when it closes; the
calls that fail in between are not logged again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger("aidbridge.ratelimit")
T = TypeVar("T")

# How long a Redis call may take: it answers in well under a millisecond on the same
# network, and every request during an outage must not wait seconds for it.
REDIS_TIMEOUT_SECONDS = 0.5


def redis_client(url: str) -> Redis:
    """A client with short timeouts and no retries of its own (the outage's interval
    decides when to try again)."""
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


def describe(error: BaseException) -> str:
    """The error's kind and first line, for the log: a database driver's message, never
    SQLAlchemy's text, which carries the statement's parameters (emails in keys)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0][:200] if lines else ''}".rstrip(": ")


class Outage:
    """Whether the shared store `name` is taken to be down, and when to try it again.
    `meanwhile` says what the process does instead, for the log."""

    def __init__(
        self,
        name: str,
        meanwhile: str,
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.meanwhile = meanwhile
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def call(self, step: Callable[[], T], fallback: Callable[[], T]) -> T:
        """`step()` on the shared store if it is up or due for another try, else (or if
        it fails) `fallback()`."""
        if self.should_try():
            try:
                result = step()
            except Exception as error:  # whatever the store raises: it did not answer
                self.failed(error)
            else:
                self.answered()
                return result
        return fallback()

    def should_try(self) -> bool:
        """True while the store answers; during an outage, true for one caller once per
        interval (the others use their fallback meanwhile)."""
        if self.down_since is None:
            return True
        with self._lock:
            now = self.clock()
            if self.down_since is None:
                return True
            if now < self._next_try:
                return False
            self._next_try = now + self.retry_seconds
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self.clock()
            self._next_try = now + self.retry_seconds
            if self.down_since is not None:
                return
            self.down_since = now
        log.warning(
            "%s unreachable (%s); %s until it answers, trying it again every %g s",
            self.name,
            describe(error),
            self.meanwhile,
            self.retry_seconds,
        )

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            lasted = self.clock() - self.down_since
            self.down_since = None
        log.warning("%s answers again after %.0f s; using it again", self.name, lasted)
