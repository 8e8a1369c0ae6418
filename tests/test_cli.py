"""The `aidbridge` command as an operator runs it: a real process, a real port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest
from graphql import build_schema

AIDBRIDGE = Path(sys.executable).with_name("aidbridge")  # the console script of this install
SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "AIDBRIDGE_ENV",
    "AIDBRIDGE_PORT",
    "AIDBRIDGE_INSTANCE_FILE",
    "AIDBRIDGE_CATALOG_DIRS",
    "AIDBRIDGE_LOCALIZER",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without Aidbridge settings, plus the given ones."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return environment | settings


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    assert AIDBRIDGE.is_file(), f"{AIDBRIDGE} is missing: run `pip install -e .` first"


def run(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own console script, fixed arguments)
        [str(AIDBRIDGE), *args],
        cwd=cwd,
        env=clean_environment(**settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [("AIDBRIDGE_PORT", "eighty"), ("SECRET_KEY", "short"), ("AIDBRIDGE_ENV", "prod")],
)
def test_an_invalid_setting_is_one_clear_line(tmp_path, setting, value):
    result = run("migrate", cwd=tmp_path, **{setting: value})

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Invalid configuration: {setting}: ")
    assert "Traceback" not in result.stderr


def test_export_schema_prints_or_writes_the_sdl(tmp_path):
    printed = run("export-schema", cwd=tmp_path)
    written = run("export-schema", "--output", "schema.graphql", cwd=tmp_path)

    assert printed.returncode == written.returncode == 0, printed.stderr + written.stderr
    sdl = (tmp_path / "schema.graphql").read_text(encoding="utf-8")
    assert sdl == printed.stdout
    exported = build_schema(sdl)  # tests/test_contract.py compares it with the contract
    assert exported.query_type and exported.mutation_type


def test_serve_demo_from_an_empty_directory(tmp_path):
    """The README's first command: migrate, load demo data, serve; then stop on Ctrl+C."""
    port = free_port()
    log = (tmp_path / "server.log").open("w+", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603  (our own console script, fixed arguments)
        [str(AIDBRIDGE), "serve", "--demo", "--demo-households", "25"],
        cwd=tmp_path,
        env=clean_environment(AIDBRIDGE_PORT=str(port)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(server, base_url, log)
        response = httpx.post(f"{base_url}/graphql", json={"query": "{ instance { name } }"})
        assert response.json() == {"data": {"instance": {"name": "Aidbridge"}}}
        households = httpx.post(
            f"{base_url}/graphql", json={"query": "{ households(first: 1) { nodes { id } } }"}
        ).json()
        assert households["data"]["households"]["nodes"], "no public demo households"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
        log.close()
    assert returncode == 0, (tmp_path / "server.log").read_text(encoding="utf-8")
    assert (tmp_path / "aidbridge.db").is_file()  # SQLite in the working directory


def wait_until_ready(server: subprocess.Popen[bytes], base_url: str, log: IO[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log.seek(0)
    pytest.fail(f"the server was not ready within 120 s:\n{log.read()}")
