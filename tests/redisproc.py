"""A private `redis-server` for tests that stop and restart Redis under a running app
(store outages), on a port of its own, keeping nothing on disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from tests.serverproc import free_port

REDIS_ENV = "AIDBRIDGE_TEST_REDIS_URL"


def closed_port_url() -> str:
    """A Redis address where nothing listens: connecting is refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


class PrivateRedis:
    """`redis-server --port <free port> --save ''`, started, killed and restarted on the
    same port by the test."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get(REDIS_ENV):
                pytest.fail(f"{REDIS_ENV} is set but redis-server is not installed")
            pytest.skip("store outage tests need redis-server on the PATH")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(  # noqa: S603 (the installed server, fixed arguments)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        self.kill()
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the store vanishes mid-flight, as a crash or a lost network would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)
