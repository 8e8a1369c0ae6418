"""The read-path benchmark: our /graphql against a raw Starlette + SQL floor, side by side.

Usage:
    python -m bench.run [--backend sqlite,postgresql] [--size 10k,100k,1m]
                        [--duration 10] [--rounds 3] [--connections 4]
                        [--loadgen auto|wrk|python] [--server-env NAME=VALUE ...]

For each backend and size: the dataset (bench/datasets.py, built once and cached), our
server (`api.asgi:app` under uvicorn, one process, `taskset -c 0`) and the floor
(`bench.floor:app`, likewise), each alone on core 0 while the load generator runs on core 1
(wrk with a Lua script when installed, else bench/loadgen.py). Before timing, the floor's
bodies must equal ours byte for byte and every operation must answer without errors; the
run stops loudly if not. Then interleaved rounds (every operation on each server, round
after round, so drift on a shared machine hits both alike), and medians over the rounds of:

- req/s: requests completed per second, closed loop with `--connections` connections;
- p50, p99: latency seen by the load generator, in ms;
- CPU/req: CPU time of the server process (user + system, /proc/<pid>/stat) per request;
  on PostgreSQL also the database backends' CPU per request serving that process (`db`);
- RSS: resident memory of the server process after the mix.

Operations: the headline read, the filtered first page, `stats`, and the mix (public and
authenticated reads as a helper and a caseworker, bench/operations.py). The floor answers
the first two only. Rate limits are lifted for the run (the AIDBRIDGE_RATE_LIMIT_* and
AIDBRIDGE_LOGIN_* settings) and the response cache, if the build has one, is switched off
(RESPONSE_CACHE_OFF): the figures are for uncached execution.

The last line is `ratio_vs_floor=<number>`: our headline req/s over the floor's, the lowest
of the backends and sizes run (each is printed above it)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.demo.generate import CASEWORKER_EMAIL, DEMO_PASSWORD, HELPER_EMAIL
from bench import datasets
from bench.loadgen import http_request
from bench.operations import (
    ANONYMOUS,
    CASEWORKER,
    FILTERED,
    HEADLINE,
    HELPER,
    MIX,
    STATS,
    Operation,
    login_body,
)

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = "0"
LOAD_CORE = "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Budgets out of reach: the load generator is one client on the loopback.
UNLIMITED_ENV = {
    "AIDBRIDGE_RATE_LIMIT_STORE": "memory",
    "AIDBRIDGE_RATE_LIMIT_POINTS": str(10**15),
    "AIDBRIDGE_LOGIN_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_IP_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_IP_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_BACKOFF_MAX_SECONDS": "0",
    # An operation slower than the default 10 s is measured, not stopped (it would answer
    # 200 with a TIMEOUT error, which a load generator counts as a success).
    "AIDBRIDGE_OPERATION_TIMEOUT": "600",
}
# The response cache of public reads (issue 11, scope 4) measured apart: off here.
RESPONSE_CACHE_OFF = {"AIDBRIDGE_RESPONSE_CACHE": "off"}
SECRET = "bench-secret-" + "x" * 40
OURS, FLOOR = "ours", "floor"
# A measurement that completes fewer requests than this runs again, longer.
MIN_REQUESTS = 20


# --- Processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Server:
    name: str
    app: str
    port: int
    env: dict[str, str]
    workdir: Path
    application_name: str | None = None
    process: subprocess.Popen[bytes] | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self) -> None:
        self.log = (self.workdir / f"{self.name}.log").open("wb")
        command = [
            "taskset",
            "-c",
            SERVER_CORE,
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(
            command, cwd=self.workdir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited: see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not start within 120 s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()


class DatabaseBackends:
    """CPU of the PostgreSQL backends serving one server (found by application_name)."""

    def __init__(self, database_url: str, application_name: str) -> None:
        import psycopg

        conninfo = database_url.split("?", 1)[0].replace("postgresql+psycopg://", "postgresql://")
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.application_name = application_name

    def cpu_seconds(self) -> dict[int, float]:
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            (self.application_name,),
        ).fetchall()
        return {pid: cpu_seconds(pid) for (pid,) in pids}

    def close(self) -> None:
        self.connection.close()


def used_since(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


# --- Load --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int  # answers that were not 200: the run stops
    stalled: int = 0  # timed out or dropped connections (wrk --timeout): counted, reported


def lua_script(requests: list[tuple[bytes, dict[str, str]]]) -> str:
    def lua_string(text: str) -> str:
        assert "]==]" not in text
        return f"[==[{text}]==]"

    entries = []
    for body, headers in requests:
        all_headers = {"Content-Type": "application/json", **headers}
        table = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in all_headers.items())
        entries.append(f'wrk.format("POST", "/graphql", {{{table}}}, {lua_string(body.decode())})')
    return (
        "local prepared = {}\nlocal index = 0\n"
        "init = function(args)\n"
        + "".join(f"  prepared[{i + 1}] = {entry}\n" for i, entry in enumerate(entries))
        + "end\n"
        "request = function()\n"
        "  index = index % #prepared + 1\n"
        "  return prepared[index]\n"
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, '
        "summary.duration, latency:percentile(50), latency:percentile(99), "
        "e.status, e.connect + e.read + e.write + e.timeout))\n"
        "end\n"
    )


def run_load(
    generator: str,
    server: Server,
    requests: list[tuple[bytes, dict[str, str]]],
    *,
    duration: float,
    connections: int,
    workdir: Path,
) -> Load:
    if generator == "wrk":
        script = workdir / "load.lua"
        script.write_text(lua_script(requests), encoding="utf-8")
        command = [
            "taskset",
            "-c",
            LOAD_CORE,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "120s",
            "-s",
            str(script),
            server.url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = next(x for x in output.splitlines() if x.startswith("BENCH "))
        count, micros, p50, p99, failed, stalled = (int(v) for v in line.split()[1:])
        return Load(count, micros / 1e6, p50 / 1000, p99 / 1000, failed, stalled)
    plan = workdir / "load.json"
    plan.write_text(
        json.dumps(
            {
                "port": server.port,
                "duration": duration,
                "connections": connections,
                "requests": [http_request(server.port, b, h) for b, h in requests],
            }
        ),
        encoding="utf-8",
    )
    command = ["taskset", "-c", LOAD_CORE, sys.executable, "-m", "bench.loadgen", str(plan)]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=ROOT, env=_python_env()
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return Load(
        result["requests"],
        result["seconds"],
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
        result["non_200"],
    )


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    db_cpu_ms: float | None


@dataclass
class Figures:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        values = [getattr(s, attribute) for s in self.samples]
        if not values or any(v is None for v in values):
            return None
        return float(statistics.median(values))


def measure(
    generator: str,
    server: Server,
    requests: list[tuple[bytes, dict[str, str]]],
    backends: DatabaseBackends | None,
    *,
    duration: float,
    connections: int,
    workdir: Path,
    max_duration: float,
    minimum: int = MIN_REQUESTS,
) -> Sample:
    while True:
        cpu_before = cpu_seconds(server.pid)
        db_before = backends.cpu_seconds() if backends else {}
        load = run_load(
            generator,
            server,
            requests,
            duration=duration,
            connections=connections,
            workdir=workdir,
        )
        cpu = cpu_seconds(server.pid) - cpu_before
        db_cpu = used_since(db_before, backends.cpu_seconds()) if backends else None
        if load.requests >= minimum or duration >= max_duration:
            break
        # Too few answers for a rate or a p99 (a slow server, or a busy machine): again,
        # long enough for about `minimum` (the requests still in flight when a run ends
        # are not counted, their CPU is), at most `max_duration`.
        per_request = duration / max(load.requests, 0.5)
        duration = min(max_duration, max(duration * 2, 1.2 * minimum * per_request))
    if load.requests == 0:
        raise SystemExit(f"{server.name}: no answer within {duration:.0f} s")
    if load.failed:
        raise SystemExit(f"{server.name}: {load.failed} answers not 200 of {load.requests}")
    if load.stalled:
        print(
            f"  {server.name}: {load.stalled} requests timed out (120 s) or lost their "
            "connection; not counted",
            file=sys.stderr,
        )
    count = max(load.requests, 1)
    return Sample(
        rps=load.requests / load.seconds,
        p50_ms=load.p50_ms,
        p99_ms=load.p99_ms,
        cpu_ms=cpu * 1000 / count,
        db_cpu_ms=None if db_cpu is None else db_cpu * 1000 / count,
    )


def post(client: httpx.Client, server: Server, body: bytes, headers: dict[str, str]) -> bytes:
    response = client.post(
        server.url, content=body, headers={"Content-Type": "application/json", **headers}
    )
    if response.status_code != 200:
        raise SystemExit(f"{server.name}: HTTP {response.status_code}: {response.text[:300]}")
    return response.content


def login(client: httpx.Client, server: Server, email: str) -> str:
    answer = json.loads(post(client, server, login_body(email, DEMO_PASSWORD), {}))
    token = (answer.get("data") or {}).get("tokenCreate", {}).get("token")
    if not token:
        raise SystemExit(f"login as {email} failed: {answer}")
    return str(token)


def check_bodies(client: httpx.Client, ours: Server, floor: Server) -> dict[str, int]:
    """The floor's answers must be ours, byte for byte; returns their sizes."""
    sizes = {}
    for name, query in (("headline", HEADLINE), ("filtered", FILTERED)):
        body = json.dumps({"query": query}).encode()
        mine, theirs = post(client, ours, body, {}), post(client, floor, body, {})
        if mine != theirs:
            at = next(
                (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                min(len(mine), len(theirs)),
            )
            raise SystemExit(
                f"BODIES DIFFER for {name} at byte {at} (ours {len(mine)} B, floor "
                f"{len(theirs)} B):\n  ours:  {mine[max(0, at - 120) : at + 120]!r}\n"
                f"  floor: {theirs[max(0, at - 120) : at + 120]!r}"
            )
        if b'"errors"' in mine or mine.count(b'"id"') < 10:
            raise SystemExit(f"{name}: expected a full page, got {mine[:300]!r}")
        sizes[name] = len(mine)
    return sizes


def prepared(
    operations: Sequence[Operation], tokens: dict[str, str]
) -> list[tuple[bytes, dict[str, str]]]:
    out = []
    for operation in operations:
        headers = {}
        if operation.as_ != ANONYMOUS:
            headers["Authorization"] = f"Bearer {tokens[operation.as_]}"
        out.append((operation.body(), headers))
    return out


def check_operations(
    client: httpx.Client,
    ours: Server,
    requests: list[tuple[bytes, dict[str, str]]],
    names: list[str],
) -> None:
    for name, (body, headers) in zip(names, requests, strict=True):
        answer = json.loads(post(client, ours, body, headers))
        if answer.get("errors") or not answer.get("data"):
            raise SystemExit(f"{name} answered with errors: {json.dumps(answer)[:400]}")


# --- One configuration --------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    size: str
    generator: str
    sizes: dict[str, int]
    figures: dict[tuple[str, str], Figures]
    rss: dict[str, float]

    def ratio(self, operation: str) -> float | None:
        """Our requests per second over the floor's."""
        ours = self.figures.get((operation, OURS))
        floor = self.figures.get((operation, FLOOR))
        if not ours or not floor:
            return None
        a, b = ours.median("rps"), floor.median("rps")
        return None if a is None or not b else a / b

    def cpu_ratio(self, operation: str) -> float | None:
        """The floor's CPU per request over ours: the same ratio where the server has its
        core to itself, and steadier where it does not (a shared machine)."""
        ours = self.figures.get((operation, OURS))
        floor = self.figures.get((operation, FLOOR))
        if not ours or not floor:
            return None
        a, b = ours.median("cpu_ms"), floor.median("cpu_ms")
        return None if a is None or b is None or not a else b / a


def _python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDBRIDGE_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def _with_application_name(url: str, name: str) -> str:
    if not url.startswith("postgresql"):
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


@contextmanager
def servers(url: str, workdir: Path, server_env: dict[str, str]) -> Iterator[tuple[Server, Server]]:
    common = {"SECRET_KEY": SECRET, "AIDBRIDGE_ENV": "development"}
    ours = Server(
        OURS,
        "api.asgi:app",
        free_port(),
        _python_env(
            {
                **common,
                **UNLIMITED_ENV,
                **RESPONSE_CACHE_OFF,
                **server_env,
                "DATABASE_URL": _with_application_name(url, "aidbridge_bench_ours"),
            }
        ),
        workdir,
        "aidbridge_bench_ours",
    )
    floor = Server(
        FLOOR,
        "bench.floor:app",
        free_port(),
        _python_env(
            {**common, "DATABASE_URL": _with_application_name(url, "aidbridge_bench_floor")}
        ),
        workdir,
        "aidbridge_bench_floor",
    )
    try:
        ours.start()
        floor.start()
        yield ours, floor
    finally:
        ours.stop()
        floor.stop()


def run_configuration(backend: str, size: str, args: argparse.Namespace, generator: str) -> Result:
    url = datasets.dataset_url(backend, size)
    workdir = Path(tempfile.mkdtemp(prefix="aidbridge-bench-run-"))
    figures: dict[tuple[str, str], Figures] = {}
    rss: dict[str, float] = {}
    try:
        with (
            servers(url, workdir, args.server_env) as (ours, floor),
            httpx.Client(timeout=60) as client,
        ):
            sizes = check_bodies(client, ours, floor)
            tokens = {
                HELPER: login(client, ours, HELPER_EMAIL),
                CASEWORKER: login(client, ours, CASEWORKER_EMAIL),
            }
            mix = prepared(MIX, tokens)
            check_operations(client, ours, mix, [op.name for op in MIX])
            single = {
                "headline": prepared([Operation("headline", HEADLINE)], tokens),
                "filtered": prepared([Operation("filtered", FILTERED)], tokens),
                "stats": prepared([Operation("stats", STATS)], tokens),
                "mix": mix,
            }
            plan = [
                (name, server)
                for name in args.operations
                for server in ((ours, floor) if name in ("headline", "filtered") else (ours,))
            ]
            watchers = {
                s.name: DatabaseBackends(url, s.application_name or "")
                for s in (ours, floor)
                if backend == "postgresql"
            }
            try:
                for name, server in plan:  # warm up: caches, pools, SQLite pages
                    measure(
                        generator,
                        server,
                        single[name],
                        None,
                        duration=min(2.0, args.duration),
                        connections=args.connections,
                        workdir=workdir,
                        max_duration=args.max_duration,
                        minimum=1,
                    )
                for round_number in range(args.rounds):
                    for name, server in plan:
                        sample = measure(
                            generator,
                            server,
                            single[name],
                            watchers.get(server.name),
                            duration=args.duration,
                            connections=args.connections,
                            workdir=workdir,
                            max_duration=args.max_duration,
                        )
                        figures.setdefault((name, server.name), Figures()).samples.append(sample)
                        print(
                            f"  [{backend} {size} round {round_number + 1}] {name:9s} "
                            f"{server.name:5s} {sample.rps:8.1f} req/s  p99 {sample.p99_ms:7.1f} ms"
                            f"  CPU {sample.cpu_ms:6.2f} ms/req",
                            file=sys.stderr,
                            flush=True,
                        )
                rss = {OURS: rss_mib(ours.pid), FLOOR: rss_mib(floor.pid)}
            finally:
                for watcher in watchers.values():
                    watcher.close()
                for token in tokens.values():
                    post(
                        client,
                        ours,
                        json.dumps({"query": "mutation { tokenRevoke { revoked } }"}).encode(),
                        {"Authorization": f"Bearer {token}"},
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Result(backend, size, generator, sizes, figures, rss)


# --- Report ----------------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def print_result(result: Result) -> None:
    print(
        f"\n{result.backend}, {result.size} requests ({result.generator}; headline "
        f"{result.sizes['headline']:,} B, filtered {result.sizes['filtered']:,} B; medians of "
        "the rounds)"
    )
    header = (
        f"{'operation':10s} {'server':6s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} "
        f"{'CPU ms/req':>10s} {'db CPU ms':>9s} {'ratio':>6s} {'CPU ratio':>9s}"
    )
    print(header)
    print("-" * len(header))
    for (operation, server), figures in result.figures.items():
        ratio = result.ratio(operation) if server == OURS else None
        cpu_ratio = result.cpu_ratio(operation) if server == OURS else None
        print(
            f"{operation:10s} {server:6s} {_cell(figures.median('rps')):>8s} "
            f"{_cell(figures.median('p50_ms'), 2):>8s} {_cell(figures.median('p99_ms'), 2):>8s} "
            f"{_cell(figures.median('cpu_ms'), 2):>10s} "
            f"{_cell(figures.median('db_cpu_ms'), 2):>9s} {_cell(ratio, 3):>6s} "
            f"{_cell(cpu_ratio, 3):>9s}"
        )
    when = "after the mix" if ("mix", OURS) in result.figures else "at the end"
    print(
        f"RSS {when}: ours {_cell(result.rss.get(OURS))} MiB, floor "
        f"{_cell(result.rss.get(FLOOR))} MiB"
    )


def _csv(allowed: Sequence[str]) -> Any:
    def parse(value: str) -> list[str]:
        return datasets.csv(value, allowed)

    return parse


def _server_env(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, setting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", type=_csv(datasets.BACKENDS), default=["sqlite"])
    parser.add_argument("--size", type=_csv(list(datasets.SIZES)), default=["10k"])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument(
        "--max-duration",
        type=float,
        default=120.0,
        help="seconds a measurement may stretch to when it completes too few requests",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--operations",
        type=_csv(("headline", "filtered", "stats", "mix")),
        default=["headline", "filtered", "stats", "mix"],
    )
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--server-env",
        type=_server_env,
        action="append",
        default=[],
        help="an extra setting for our server (repeatable), e.g. to turn a cache on",
    )
    args = parser.parse_args(argv)
    args.server_env = dict(args.server_env)
    # Stopped from outside, still stop the servers it started (the `finally` blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if "headline" not in args.operations:
        parser.error("--operations must include headline (the ratio is of it)")
    generator = args.loadgen
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    if shutil.which("taskset") is None:
        parser.error("taskset (util-linux) is needed to pin the server and the load")
    ratios = []
    for backend in args.backend:
        for size in args.size:
            result = run_configuration(backend, size, args, generator)
            print_result(result)
            ratio = result.ratio("headline")
            assert ratio is not None
            ratios.append(ratio)
            print(
                f"ratio_vs_floor[{backend},{size}]={ratio:.3f} "
                f"(CPU per request: {result.cpu_ratio('headline') or 0:.3f})",
                flush=True,
            )
    print(f"ratio_vs_floor={min(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
