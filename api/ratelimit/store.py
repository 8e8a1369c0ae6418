"""Where rate-limit counters live: Redis, a table of the database, or this process.

Every operation is one atomic step in the store (a Lua script, one `INSERT ... ON
CONFLICT ... DO UPDATE ... RETURNING`, or a lock), so processes and replicas sharing a
store never both take the last unit of a budget. A shared store that stops answering
is stood in for by this process's memory until it answers again (FailoverStore): the
limits then hold per process instead of vanishing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api.core.settings import RateLimitSettings
from api.ratelimit.outage import Outage, redis_client

T = TypeVar("T")

# Expired rows of the table are swept once per this many writes of a process.
SWEEP_EVERY = 500


class BudgetStore(Protocol):
    def add(self, key: str, amount: int, *, limit: int, ttl: int) -> tuple[int, bool]:
        """Add `amount` to the counter unless the total would pass `limit`; returns the
        total afterwards (or as it stands, when refused) and whether it was added. A new
        counter lives `ttl` seconds; later additions do not extend it."""
        ...

    def get(self, key: str) -> int:
        """The counter's value, 0 when absent or expired."""
        ...

    def claim(self, key: str, now_ms: int, until_ms: int, ttl: int) -> int:
        """A gate: when it is closed (its time is later than `now_ms`) return that time;
        else close it until `until_ms` and return 0."""
        ...

    def delete(self, *keys: str) -> None: ...


class MemoryStore:
    """This process only: for the embedded SQLite default with one worker."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> int:
        value = self._values.get(key)
        if value is None or value[1] <= now:
            return 0
        return value[0]

    def add(self, key: str, amount: int, *, limit: int, ttl: int) -> tuple[int, bool]:
        now = time.time()
        with self._lock:
            current = self._live(key, now)
            if current + amount > limit:
                return current, False
            expires = self._values[key][1] if current and key in self._values else now + ttl
            self._values[key] = (current + amount, expires)
            if len(self._values) > 100_000:
                self._sweep(now)
            return current + amount, True

    def get(self, key: str) -> int:
        with self._lock:
            return self._live(key, time.time())

    def claim(self, key: str, now_ms: int, until_ms: int, ttl: int) -> int:
        now = time.time()
        with self._lock:
            current = self._live(key, now)
            if current > now_ms:
                return current
            self._values[key] = (until_ms, now + ttl)
            return 0

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._values.pop(key, None)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._values.items() if expires <= now]:
            del self._values[key]


_ADD_SCRIPT = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if used + amount > tonumber(ARGV[2]) then return {used, 0} end
used = redis.call('INCRBY', KEYS[1], amount)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {used, 1}
"""
_CLAIM_SCRIPT = """
local until_ms = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > tonumber(ARGV[1]) then return until_ms end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 0
"""


class RedisStore:
    """Shared by every process and replica pointed at the same Redis."""

    PREFIX = "aidbridge:rl:"

    def __init__(self, url: str) -> None:
        self.client = redis_client(url)
        self._add = self.client.register_script(_ADD_SCRIPT)
        self._claim = self.client.register_script(_CLAIM_SCRIPT)

    def add(self, key: str, amount: int, *, limit: int, ttl: int) -> tuple[int, bool]:
        result = self._add(keys=[self.PREFIX + key], args=[amount, limit, ttl])
        used, added = cast(list[int], result)
        return int(used), bool(added)

    def get(self, key: str) -> int:
        value = self.client.get(self.PREFIX + key)
        return int(cast(Any, value)) if value is not None else 0

    def claim(self, key: str, now_ms: int, until_ms: int, ttl: int) -> int:
        result = self._claim(keys=[self.PREFIX + key], args=[now_ms, until_ms, ttl])
        return int(cast(Any, result))

    def delete(self, *keys: str) -> None:
        if keys:
            self.client.delete(*(self.PREFIX + key for key in keys))


# `excluded` is the row the INSERT proposed; an expired row starts over.
_ADD_SQL = sa.text(
    "INSERT INTO rate_limit_counter (name, amount, expires_at) "
    "VALUES (:name, :amount, :expires) "
    "ON CONFLICT (name) DO UPDATE SET "
    "amount = CASE WHEN rate_limit_counter.expires_at <= :now THEN excluded.amount "
    "ELSE rate_limit_counter.amount + excluded.amount END, "
    "expires_at = CASE WHEN rate_limit_counter.expires_at <= :now THEN excluded.expires_at "
    "ELSE rate_limit_counter.expires_at END "
    "WHERE (CASE WHEN rate_limit_counter.expires_at <= :now THEN excluded.amount "
    "ELSE rate_limit_counter.amount + excluded.amount END) <= :limit "
    "RETURNING amount"
)
_CLAIM_SQL = sa.text(
    "INSERT INTO rate_limit_counter (name, amount, expires_at) "
    "VALUES (:name, :amount, :expires) "
    "ON CONFLICT (name) DO UPDATE SET amount = excluded.amount, expires_at = excluded.expires_at "
    "WHERE rate_limit_counter.amount <= :now_ms OR rate_limit_counter.expires_at <= :now "
    "RETURNING amount"
)
_GET_SQL = sa.text("SELECT amount FROM rate_limit_counter WHERE name = :name AND expires_at > :now")
_SWEEP_SQL = sa.text("DELETE FROM rate_limit_counter WHERE expires_at <= :now")


class DatabaseStore:
    """The `rate_limit_counter` table (migration 0006): PostgreSQL without Redis, or
    SQLite shared by several processes on one host. Each call is one short transaction
    of its own on the app's engine, outside any operation's unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = 0

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """One short write transaction; on SQLite it takes the write lock at BEGIN."""
        connection = self.engine.connect().execution_options(sqlite_immediate=True)
        with connection, connection.begin():
            yield connection

    def add(self, key: str, amount: int, *, limit: int, ttl: int) -> tuple[int, bool]:
        now = int(time.time())
        if amount > limit:
            return self.get(key), False
        params = {"name": key, "amount": amount, "expires": now + ttl, "now": now, "limit": limit}
        with self._transaction() as connection:
            added = connection.execute(_ADD_SQL, params).first()
            if added is None:
                current = connection.execute(_GET_SQL, {"name": key, "now": now}).first()
            self._writes += 1
            if self._writes % SWEEP_EVERY == 0:
                connection.execute(_SWEEP_SQL, {"now": now})
        if added is not None:
            return int(added[0]), True
        return (int(current[0]) if current is not None else 0), False

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(_GET_SQL, {"name": key, "now": int(time.time())}).first()
            connection.rollback()
        return int(row[0]) if row is not None else 0

    def claim(self, key: str, now_ms: int, until_ms: int, ttl: int) -> int:
        now = int(time.time())
        params = {
            "name": key,
            "amount": until_ms,
            "expires": now + ttl,
            "now": now,
            "now_ms": now_ms,
        }
        with self._transaction() as connection:
            if connection.execute(_CLAIM_SQL, params).first() is not None:
                return 0
            row = connection.execute(_GET_SQL, {"name": key, "now": now}).first()
        return int(row[0]) if row is not None else 0

    def delete(self, *keys: str) -> None:
        if not keys:
            return
        statement = sa.text("DELETE FROM rate_limit_counter WHERE name IN :names").bindparams(
            sa.bindparam("names", expanding=True)
        )
        with self._transaction() as connection:
            connection.execute(statement, {"names": list(keys)})


class FailoverStore:
    """A shared store, and this process's memory while the shared one fails.

    During an outage the counters start again from zero in each process (with N
    workers a client gets at most N times its budget until the store is back), and one
    call per `retry_seconds` tries the shared store again; the others do not wait for
    it. What was counted in memory stays there: a store that comes and goes does not
    hand out a fresh budget each time it goes."""

    def __init__(self, shared: BudgetStore, name: str, retry_seconds: float) -> None:
        self.shared = shared
        self.fallback = MemoryStore()
        self.outage = Outage(name, "counting rate limits in this process", retry_seconds)

    def _call(self, step: Callable[[BudgetStore], T]) -> T:
        return self.outage.call(lambda: step(self.shared), lambda: step(self.fallback))

    def add(self, key: str, amount: int, *, limit: int, ttl: int) -> tuple[int, bool]:
        return self._call(lambda store: store.add(key, amount, limit=limit, ttl=ttl))

    def get(self, key: str) -> int:
        return self._call(lambda store: store.get(key))

    def claim(self, key: str, now_ms: int, until_ms: int, ttl: int) -> int:
        return self._call(lambda store: store.claim(key, now_ms, until_ms, ttl))

    def delete(self, *keys: str) -> None:
        self._call(lambda store: store.delete(*keys))


def create_store(settings: RateLimitSettings, engine: Engine) -> BudgetStore:
    """The store the settings name ("auto" was resolved when they were loaded); a shared
    one falls back to this process's memory while it does not answer."""
    if settings.store == "redis":
        assert settings.redis_url is not None
        return FailoverStore(
            RedisStore(settings.redis_url), "rate-limit Redis", settings.store_retry_seconds
        )
    if settings.store == "database":
        return FailoverStore(
            DatabaseStore(engine), "rate-limit table", settings.store_retry_seconds
        )
    return MemoryStore()
