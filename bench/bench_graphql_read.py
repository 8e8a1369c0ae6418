"""GraphQL read-path benchmark: latency and throughput of the public lists and stats.

Usage: python bench/bench_graphql_read.py [HOUSEHOLDS] [REQUESTS_PER_QUERY]

Generates a deterministic demo instance of HOUSEHOLDS households in a temporary SQLite
database (or uses DATABASE_URL if set, which must already hold data), starts the real
server (uvicorn, one worker) on a free loopback port, and sends sequential requests over
HTTP. Prints figures; asserts nothing. Pin server and client to different cores with
`taskset` on a 2-core machine for stable numbers."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

QUERIES = {
    "helpRequests(first: 50) + household": """
      { helpRequests(first: 50) { nodes { id title { text } urgency status category { label }
          target { formatted } household { publicCode membersCount region { name }
          causes { label } } } } }""",
    "households(first: 50)": """
      { households(first: 50) { nodes { publicCode membersCount region { name }
          causes { label } } } }""",
    "stats": """
      { stats { householdsRegistered requestsMade requestsMet answeredWithin90DaysShare
          medianDaysToFirstPledge pledgesDelivered householdsLiftedOut } }""",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    workdir = Path(tempfile.mkdtemp(prefix="aidbridge-bench-"))
    env = {**os.environ, "AIDBRIDGE_PORT": str(free_port())}
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    if "DATABASE_URL" not in os.environ:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "api.cli", "demo-data", "--households", str(households)],
            cwd=workdir,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"demo data: {households} households in {time.perf_counter() - started:.1f} s")
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{env['AIDBRIDGE_PORT']}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(200):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            for name, query in QUERIES.items():
                for _ in range(10):  # warm caches (parser, validation, SQLite pages)
                    client.post("/graphql", json={"query": query})
                latencies = []
                for _ in range(repeats):
                    begin = time.perf_counter()
                    response = client.post("/graphql", json={"query": query})
                    latencies.append((time.perf_counter() - begin) * 1000)
                    if response.status_code != 200 or "errors" in response.json():
                        print(f"{name}: error {response.text[:200]}")
                        break
                latencies.sort()
                p99 = latencies[int(len(latencies) * 0.99) - 1]
                print(
                    f"{name:40s} n={len(latencies):4d} "
                    f"p50={statistics.median(latencies):7.2f} ms  p99={p99:7.2f} ms  "
                    f"{1000 / statistics.mean(latencies):7.1f} req/s sequential"
                )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
