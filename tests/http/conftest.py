"""Servers with other settings than the `api` fixture's (production profile, persisted
operations, CORS), on the same database, and raw HTTP for what httpx will not send."""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from api.app import create_app
from tests.conftest import Backend, GraphQLClient, LiveServer

ServerFactory = Callable[..., GraphQLClient]


def production(settings: Any, **changes: Any) -> Any:
    """The backend's settings as a production deployment (the console notifier allowed:
    tests send no mail)."""
    notifications = replace(settings.notifications, allow_console=True)
    return replace(settings, environment="production", notifications=notifications, **changes)


@pytest.fixture
def serve(backend: Backend) -> Iterator[ServerFactory]:
    """Starts a live server on the backend's database with `settings` (default: the
    backend's) changed by keyword arguments."""
    started: list[tuple[LiveServer, GraphQLClient]] = []

    def start(settings: Any = None, **changes: Any) -> GraphQLClient:
        chosen = replace(settings or backend.settings, **changes)
        server = LiveServer(create_app(chosen, backend.engine))
        client = GraphQLClient(server.url)
        started.append((server, client))
        return client

    yield start
    for server, client in started:
        client.close()
        server.stop()


def raw_exchange(
    base_url: str, head: bytes, chunks: Iterable[bytes] = (), timeout: float = 10
) -> tuple[bytes, int]:
    """Sends a request head, then body chunks until the server answers; returns the
    answer and how many body bytes were sent before it came."""
    host, port = base_url.removeprefix("http://").split(":")
    sent = 0
    answer = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in chunks:
            if select.select([sock], [], [], 0.01)[0]:
                break  # the server has answered (or closed)
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        try:
            while b"\r\n\r\n" not in answer or not _complete(answer):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return True


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])
