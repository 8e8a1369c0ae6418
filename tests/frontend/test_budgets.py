"""Budgets of issue 9 for every page: the first view transfers at most 60 KB (HTML, CSS,
JavaScript, fonts and API data; images excluded), and Lighthouse (mobile) scores at least
95 performance, 100 accessibility, 95 best practices and 90 SEO. One Lighthouse run per
page, on SQLite (the budgets are about the frontend, not the database), run alone: they
are marked `lighthouse`, left out of the parallel suite and run by `pytest -m lighthouse -n0`
(.ci/run does), since Lighthouse scores main-thread time that neighbouring tests distort."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.frontend.conftest import BROWSER_ENV, CHROMIUM, DemoSite
from tests.frontend.pages import (
    LIGHTHOUSE,
    LIGHTHOUSE_BUDGETS,
    PAGE_WEIGHT_BUDGET,
    PAGES,
    first_view_weight,
    lighthouse,
    sample_ids,
)


def _url(site: DemoSite, template: str) -> str:
    return site.at(template.format(**sample_ids(site.url)))


@pytest.mark.rendering
@pytest.mark.parametrize("template", PAGES)
def test_first_view_weight(browser: Any, demo_site: DemoSite, template: str) -> None:
    weight = first_view_weight(browser, _url(demo_site, template))
    assert weight.total <= PAGE_WEIGHT_BUDGET, (
        f"{template}: {weight.total} bytes over {weight.requests} requests "
        f"(budget {PAGE_WEIGHT_BUDGET}): {weight.by_type}"
    )


@pytest.mark.lighthouse
@pytest.mark.rendering
@pytest.mark.parametrize("template", PAGES)
def test_lighthouse_scores(demo_site: DemoSite, template: str) -> None:
    if not LIGHTHOUSE.exists() or not CHROMIUM.exists():
        if os.environ.get(BROWSER_ENV):
            pytest.fail(
                f"Lighthouse ({LIGHTHOUSE}) or Chromium is missing: run `npm ci` in frontend/tools"
            )
        pytest.skip("Lighthouse needs `npm ci` in frontend/tools and Chromium")
    result = lighthouse(_url(demo_site, template), str(CHROMIUM))
    misses = {
        name: score
        for name, score in result["scores"].items()
        if score is None or score < LIGHTHOUSE_BUDGETS[name]
    }
    assert not misses, (
        f"{template}: {misses} (budgets {LIGHTHOUSE_BUDGETS}); {result['metrics']}\n"
        + "\n".join(result["failing"])
    )
