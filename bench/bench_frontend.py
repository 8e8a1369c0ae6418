"""Frontend benchmark: for every page, the bytes its first view transfers and its first and
largest contentful paint under emulated slow 3G (2 s round trips, 50 KB/s, CPU 4x slower),
in the real Chromium, with the floor measured in the same run: a plain text file from the
same server (one round trip, nothing to run), so the ratio shows what the page adds.

Usage: python bench/bench_frontend.py [HOUSEHOLDS]

Needs Debian's Chromium (/usr/bin/chromium) and the Python playwright package (both
installed by .ci/run). Generates a demo instance in a temporary SQLite database and starts
the real server on a free loopback port. Prints figures; asserts nothing (the budgets are
asserted by tests/frontend/test_budgets.py)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from playwright.sync_api import sync_playwright

from api.app import create_app
from api.core.db import create_db_engine
from api.demo.generate import generate_demo_data
from api.migrations import alembic_config
from tests.conftest import LiveServer
from tests.frontend.conftest import CHROMIUM, CHROMIUM_ARGS, demo_settings
from tests.frontend.pages import (
    PAGE_WEIGHT_BUDGET,
    first_view_weight,
    page_paths,
    paint_times_slow_3g,
)


def main() -> None:
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        command.upgrade(alembic_config(url), "head")
        engine = create_db_engine(url)
        settings = demo_settings(url)
        generate_demo_data(engine, households=households, seed=1, instance=settings.instance)
        server = LiveServer(create_app(settings, engine))
        try:
            run(server.url, households)
        finally:
            server.stop()
            engine.dispose()


def run(base: str, households: int) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        floor_fcp, _ = paint_times_slow_3g_text(browser, f"{base}/robots.txt")
        print(
            f"demo instance: {households} households; "
            f"budget {PAGE_WEIGHT_BUDGET // 1024} KB per first view"
        )
        print(
            "floor (last byte of a text file from the same server): "
            f"{floor_fcp:.0f} ms under slow 3G"
        )
        print(f"{'page':42} {'KB':>6} {'reqs':>5} {'FCP ms':>8} {'LCP ms':>8} {'LCP/floor':>9}")
        for path in page_paths(base):
            weight = first_view_weight(browser, f"{base}{path}")
            fcp, lcp = paint_times_slow_3g(browser, f"{base}{path}")
            print(
                f"{path[:42]:42} {weight.total / 1024:6.1f} {weight.requests:5d} "
                f"{fcp:8.0f} {lcp:8.0f} {lcp / floor_fcp:9.2f}"
            )
        browser.close()


def paint_times_slow_3g_text(browser: object, url: str) -> tuple[float, float]:
    """The floor: a plain document paints on its first bytes; read its paint time the same
    way as the pages' (a text document has no LCP entry, so FCP stands for both)."""
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 2000,
            "downloadThroughput": 50 * 1024,
            "uploadThroughput": 50 * 1024,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.goto(url, wait_until="load", timeout=120_000)
    value = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
    context.close()
    return float(value), float(value)


if __name__ == "__main__":
    main()
