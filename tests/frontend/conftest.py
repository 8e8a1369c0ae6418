"""Frontend tests drive the real Chromium (Debian's package) against a live server with
demo data, on each backend. Without a browser they skip, unless AIDBRIDGE_TEST_BROWSER is
set (as CI does): then a missing browser is a failure.

Every page a test opens is checked on the way out: no console error, no failed request,
no Content-Security-Policy violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy.engine import Engine

from api.app import create_app
from api.core.db import create_db_engine
from api.core.settings import Settings, load_settings
from api.demo.generate import generate_demo_data
from api.migrations import alembic_config
from tests.conftest import BACKENDS, LiveServer, _postgres_database

BROWSER_ENV = "AIDBRIDGE_TEST_BROWSER"
CHROMIUM = Path(os.environ.get("AIDBRIDGE_CHROMIUM", "/usr/bin/chromium"))
TOOLS_DIR = Path(__file__).resolve().parents[2] / "frontend" / "tools"
AXE_SCRIPT = TOOLS_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Nothing may leave the machine: every name but the loopback fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
DEMO_HOUSEHOLDS = 40
DEMO_PASSWORD = "demo-password-2026"
OFFLINE_DETAILS = "Bank of the Demo, account 0001-2345-6789, reference: your receipt number"
WEBHOOK_SECRET = "frontend-test-webhook-secret-0123456789"
MOBILE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _missing(what: str) -> None:
    if os.environ.get(BROWSER_ENV):
        pytest.fail(f"{BROWSER_ENV} is set but {what}")
    pytest.skip(f"frontend tests need {what} (CI installs it; see .ci/run)")


# Per module, not per session: Playwright's sync API keeps an event loop running in the
# worker's thread while it is started, which would break the asyncio tests that xdist runs
# in the same worker between two frontend modules.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"Chromium is missing at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[Any]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class DemoSite:
    """A live server on a demo instance of one backend."""

    backend: str
    url: str
    settings: Settings
    engine: Engine

    def at(self, path: str) -> str:
        return f"{self.url}{path}"


def demo_settings(database_url: str) -> Settings:
    base = load_settings(
        {
            "SECRET_KEY": "f" * 40,
            "DATABASE_URL": database_url,
            "AIDBRIDGE_OFFLINE_PAYMENT_DETAILS": OFFLINE_DETAILS,
            "AIDBRIDGE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "AIDBRIDGE_WEBHOOK_CHECKOUT_URL": "http://127.0.0.1:9/checkout/{reference}",
            # Every page of every journey comes from one address.
            "AIDBRIDGE_RATE_LIMIT_POINTS": str(10**12),
        }
    )
    extra = {
        **base.extra,
        "AIDBRIDGE_OFFLINE_PAYMENT_DETAILS": OFFLINE_DETAILS,
        "AIDBRIDGE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "AIDBRIDGE_WEBHOOK_CHECKOUT_URL": "http://127.0.0.1:9/checkout/{reference}",
    }
    return replace(base, extra=extra)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Journeys run on every backend. Tests marked `rendering` check how pages look and
    read (axe in three locales, reflow, weight, Lighthouse, headers): the database only
    feeds them, so they run on SQLite, which keeps CI within its time."""
    if "demo_site" in metafunc.fixturenames:
        rendering = metafunc.definition.get_closest_marker("rendering") is not None
        backends = ["sqlite"] if rendering else BACKENDS
        metafunc.parametrize("demo_site", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def demo_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoSite]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('frontend') / 'demo.db'}"
        cleanup = lambda: None  # noqa: E731
    else:
        url, cleanup = _postgres_database()
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    settings = demo_settings(url)
    generate_demo_data(engine, households=DEMO_HOUSEHOLDS, seed=1, instance=settings.instance)
    server = LiveServer(create_app(settings, engine))
    yield DemoSite(request.param, server.url, settings, engine)
    server.stop()
    engine.dispose()
    cleanup()


class PageProblems:
    """What went wrong in the browser while a test ran: every console error, uncaught
    exception and failed request, with the Content-Security-Policy's reports among them,
    and any request that left the site's origin (there must be none: no third party)."""

    def __init__(self, page: Any, origin: str) -> None:
        self.items: list[str] = []
        self.origin = origin
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.items.append(f"uncaught: {error}"))
        page.on(
            "requestfailed",
            lambda req: self.items.append(f"request failed: {req.url} {req.failure}"),
        )
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.items.append(f"console {message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(f"{self.origin}/") or url.startswith("data:")):
            self.items.append(f"request to another origin: {url}")


@pytest.fixture
def page(browser: Any, demo_site: DemoSite) -> Iterator[Any]:
    """A fresh phone-sized tab (its own storage) on the demo site. On the way out the page
    the test ended on is checked by axe too, so no state a test reaches goes unchecked."""
    context = browser.new_context(viewport=MOBILE, base_url=demo_site.url, service_workers="block")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems = PageProblems(tab, demo_site.url)
    tab.problems = problems
    yield tab
    if _is_site_page(tab, demo_site) and not problems.items:
        problems.items.extend(f"axe on the last state: {v}" for v in axe_violations(tab))
    context.close()
    assert not problems.items, "the browser reported problems:\n" + "\n".join(problems.items)


def _is_site_page(tab: Any, site: DemoSite) -> bool:
    url = tab.url
    if not url.startswith(site.url) or url.endswith(".txt"):
        return False
    try:
        return bool(tab.evaluate("() => !!document.getElementById('main')"))
    except Exception:  # a page closed or navigating away has nothing left to check
        return False


def set_locale(page: Any, locale: str) -> None:
    """Choose a locale as a visitor's earlier visit would have (the switcher stores it)."""
    page.goto("/robots.txt")
    page.evaluate("locale => localStorage.setItem('aidbridge.locale', locale)", locale)


def open_page(page: Any, path: str, locale: str | None = None) -> Any:
    if locale:
        set_locale(page, locale)
    page.goto(path)
    wait_ready(page)
    return page


def wait_ready(page: Any) -> None:
    """The page drew its data (or its error state): nothing is loading any more."""
    page.wait_for_function(
        "() => { const m = document.getElementById('main');"
        " return m && !m.hasAttribute('aria-busy') && !m.querySelector('.state-loading'); }"
    )


def axe_violations(page: Any) -> list[str]:
    if not AXE_SCRIPT.exists():
        if os.environ.get(BROWSER_ENV):
            pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `npm ci` in {TOOLS_DIR}")
        pytest.skip(f"axe-core is missing: run `npm ci` in {TOOLS_DIR}")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Injected through the driver, not the page: the CSP would refuse a <script> tag.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })"
        ".then(r => r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — `"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))",
        AXE_TAGS,
    )
    return list(result)


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {page.url}:\n" + "\n".join(violations)


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} was not reached by Tab in {limit} presses on {page.url}")
