"""A loopback HTTP/1.1 load generator, for machines without wrk.

Usage: python -m bench.loadgen PLAN.json (bench/run.py writes the plan and pins this
process to the core the server does not use)

The plan names the port, the duration, the number of connections and the requests to send
(raw HTTP, cycled in order on each connection). Each connection is kept alive and sends
its next request when the answer to the last one is in (a closed loop, like wrk), on one
asyncio loop (uvloop when installed). Prints one JSON line: requests completed, seconds,
p50 and p99 latency in microseconds, answers that were not 200.

`--self-test` runs it against a server in the same process that answers every request at
once with 16 KB: about 5,000 requests per second on this 2-core machine with the server
sharing its loop (so more on its own), many times any rate measured here; bench/run.py
prints which generator it used."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any


async def _connection(
    port: int, requests: list[bytes], offset: int, until: float, latencies: list[int]
) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    failures = 0
    index = offset
    clock = time.perf_counter_ns
    deadline = int(until * 1e9)
    try:
        while clock() < deadline:
            started = clock()
            writer.write(requests[index % len(requests)])
            index += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if length:
                await reader.readexactly(length)
            latencies.append(clock() - started)
            if status != b"200":
                failures += 1
    finally:
        writer.close()
    return failures


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    requests = [item.encode("latin-1") for item in plan["requests"]]
    latencies: list[int] = []
    started = time.perf_counter()
    until = time.perf_counter_ns() / 1e9 + float(plan["duration"])
    failures = await asyncio.gather(
        *(
            _connection(plan["port"], requests, offset, until, latencies)
            for offset in range(int(plan["connections"]))
        )
    )
    seconds = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)

    def percentile(share: float) -> int:
        return latencies[min(count - 1, int(count * share))] // 1000 if count else 0

    return {
        "requests": count,
        "seconds": seconds,
        "p50_us": percentile(0.50),
        "p99_us": percentile(0.99),
        "non_200": sum(failures),
    }


def http_request(port: int, body: bytes, headers: dict[str, str]) -> str:
    """One POST /graphql as raw HTTP/1.1 (latin-1 text, which maps bytes one to one)."""
    lines = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode().decode("latin-1") + body.decode("latin-1")


async def _self_test(duration: float) -> dict[str, Any]:
    """The generator against a server that answers every request at once with 16 KB."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 16384\r\n\r\n" + b"x" * 16384

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    plan = {
        "port": port,
        "duration": duration,
        "connections": 4,
        "requests": [http_request(port, b'{"query":"{ x }"}', {})],
    }
    try:
        return await run(plan)
    finally:
        server.close()


def main(argv: list[str]) -> int:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the standard loop does too, a little slower
        pass
    if argv and argv[0] == "--self-test":
        print(json.dumps(asyncio.run(_self_test(5.0))))
        return 0
    plan = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    print(json.dumps(asyncio.run(run(plan))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
