"""The donor pages on a server that runs registered operations only
(AIDBRIDGE_PERSISTED_OPERATIONS=only): every request sends a hash, never a document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from api.app import create_app
from tests.conftest import LiveServer
from tests.frontend.conftest import MOBILE, DemoSite, PageProblems, assert_accessible, wait_ready


@pytest.fixture
def only_page(browser: Any, demo_site: DemoSite) -> Iterator[tuple[Any, list[dict]]]:
    settings = replace(demo_site.settings, persisted_operations="only")
    server = LiveServer(create_app(settings, demo_site.engine))
    context = browser.new_context(viewport=MOBILE, base_url=server.url, service_workers="block")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems = PageProblems(tab, server.url)
    sent: list[dict] = []
    tab.on(
        "request",
        lambda request: (
            sent.append(json.loads(request.post_data))
            if request.url.endswith("/graphql") and request.method == "POST"
            else None
        ),
    )
    yield tab, sent
    context.close()
    server.stop()
    assert not problems.items, "the browser reported problems:\n" + "\n".join(problems.items)


@pytest.mark.rendering
@pytest.mark.parametrize("path", ["/", "/needs/", "/campaigns/", "/mall/", "/transparency/"])
def test_pages_work_with_registered_operations_only(only_page: Any, path: str) -> None:
    page, sent = only_page
    page.goto(path)
    wait_ready(page)
    assert not page.locator(".state-error").count()
    assert sent, "the page sent no GraphQL request"
    for body in sent:
        assert "query" not in body, body
        assert len(body["extensions"]["persistedQuery"]["sha256Hash"]) == 64
    assert_accessible(page)
