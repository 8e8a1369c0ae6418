"""Where the response cache keeps answers: a bounded LRU in this process, or Redis
(shared by every process and replica pointed at it)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol, cast

import orjson

log = logging.getLogger("aidbridge.cache")


@dataclass(frozen=True)
class CachedAnswer:
    """One stored answer: its bytes (and their gzip), the headers it was sent with, the
    generations of the tables it was read from, and what it cost the first caller."""

    body: bytes
    gzipped: bytes
    content_type: str
    content_language: str
    etag: str  # the hex digest, without quotes or encoding suffix
    generations: dict[str, int]
    cost: int
    stored_at: float  # epoch seconds

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped) + 64 * (len(self.generations) + 4)


class AnswerStore(Protocol):
    def get(self, key: str) -> CachedAnswer | None: ...

    def put(self, key: str, answer: CachedAnswer) -> None: ...


class MemoryAnswers:
    """This process only, least recently used first out, bounded in number and bytes;
    one answer may take at most a quarter of the bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._answers: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        if answer.size > self.max_bytes // 4:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self._bytes -= previous.size
            self._answers[key] = answer
            self._bytes += answer.size
            while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._answers)


class RedisAnswers:
    """Entries under `aidbridge:rc:<database>:`, living `ttl` seconds. A Redis outage
    makes every read a miss (logged), never an error."""

    PREFIX = "aidbridge:rc:"

    def __init__(self, url: str, namespace: str, ttl: float, max_bytes: int) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = f"{self.PREFIX}{namespace}:"
        self.ttl_ms = max(1, int(ttl * 1000))
        self.max_bytes = max_bytes

    def get(self, key: str) -> CachedAnswer | None:
        try:
            value = self.client.get(self.prefix + key)
        except Exception:
            log.warning("response cache: Redis unavailable", exc_info=True)
            return None
        return _decode(cast(bytes, value)) if value is not None else None

    def put(self, key: str, answer: CachedAnswer) -> None:
        if answer.size > self.max_bytes // 4:
            return
        try:
            self.client.set(self.prefix + key, _encode(answer), px=self.ttl_ms)
        except Exception:
            log.warning("response cache: Redis unavailable", exc_info=True)


def _encode(answer: CachedAnswer) -> bytes:
    """JSON of the small parts, a newline, then the body and its gzip (no pickle: what
    comes back from a shared Redis is data, never code)."""
    meta = {
        "type": answer.content_type,
        "language": answer.content_language,
        "etag": answer.etag,
        "generations": answer.generations,
        "cost": answer.cost,
        "stored_at": answer.stored_at,
        "body": len(answer.body),
    }
    return orjson.dumps(meta) + b"\n" + answer.body + answer.gzipped


def _decode(value: bytes) -> CachedAnswer | None:
    try:
        head, _, rest = value.partition(b"\n")
        meta: dict[str, Any] = orjson.loads(head)
        size = int(meta["body"])
        return CachedAnswer(
            body=rest[:size],
            gzipped=rest[size:],
            content_type=str(meta["type"]),
            content_language=str(meta["language"]),
            etag=str(meta["etag"]),
            generations={str(k): int(v) for k, v in meta["generations"].items()},
            cost=int(meta["cost"]),
            stored_at=float(meta["stored_at"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("response cache: an unreadable entry in Redis was ignored")
        return None
