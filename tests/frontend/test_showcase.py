"""The exhibitions and case studies pages in the real browser: data drawn, jumping to an
exhibition by its address, searching case studies by keyboard (and finding nothing)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import Session, select

from api.case_studies.models import CaseStudy, CaseStudyStatus
from api.exhibitions.models import Exhibition, ExhibitionStatus
from tests.frontend.conftest import DemoSite, assert_accessible, open_page, tab_to, wait_ready
from tests.help_requests.factories import gid

PUBLISHED_STUDY = CaseStudy.status == CaseStudyStatus.PUBLISHED


def published_exhibitions(site: DemoSite) -> list[Exhibition]:
    with Session(site.engine) as session:
        published = Exhibition.status == ExhibitionStatus.PUBLISHED
        return list(session.exec(select(Exhibition).where(published)).all())


def test_exhibitions_are_articles_with_their_exhibits(page: Any, demo_site: DemoSite) -> None:
    exhibitions = published_exhibitions(demo_site)
    assert exhibitions, "the demo publishes exhibitions"
    open_page(page, "/exhibitions/")
    assert page.locator("h1").count() == 1
    assert page.locator("article.exhibition").count() == len(exhibitions)
    first = exhibitions[0]
    article = page.locator(f"article[id='{gid('Exhibition', first.id)}']")
    assert first.title in article.locator("h3").inner_text()
    assert article.locator(".exhibit").count() >= 1
    # Pictures on another site are links, never requests the CSP would refuse.
    for image in page.locator("img.exhibit-media").all():
        assert image.get_attribute("loading") == "lazy"
        assert image.get_attribute("width") and image.get_attribute("height")


def test_an_address_with_an_exhibition_id_jumps_to_it(page: Any, demo_site: DemoSite) -> None:
    last = published_exhibitions(demo_site)[-1]
    target = gid("Exhibition", last.id)
    open_page(page, f"/exhibitions/#{quote(target, safe='')}")
    assert page.evaluate("document.activeElement.id") == target


def test_case_studies_with_indicators_and_a_keyboard_search(page: Any, demo_site: DemoSite) -> None:
    with Session(demo_site.engine) as session:
        studies = list(session.exec(select(CaseStudy).where(PUBLISHED_STUDY)).all())
    assert studies, "the demo publishes case studies"
    open_page(page, "/case-studies/")
    assert page.locator("article.case-study").count() >= 1
    table = page.locator("article.case-study table.indicators").first
    assert table.locator("caption").inner_text() == "Indicators before and after"
    assert table.locator("th[scope=col]").count() == 3
    assert table.locator("th[scope=row]").count() == 3
    wanted = studies[0].title
    tab_to(page, "#filter-q")
    page.keyboard.type(wanted)
    page.keyboard.press("Enter")
    page.wait_for_url("**/case-studies/?q=**")
    wait_ready(page)
    titles = page.locator("article.case-study h3").all_inner_texts()
    assert wanted in titles
    assert page.evaluate("document.activeElement.id") == "results-title"


def test_a_case_study_search_without_results_shows_the_empty_state(page: Any) -> None:
    open_page(page, "/case-studies/?q=zzqx-no-such-story&intervention=RELOCATION")
    assert page.locator("article.case-study").count() == 0
    assert "No case study matches this search" in page.locator(".state-empty").inner_text()
    assert page.locator("#filter-q").input_value() == "zzqx-no-such-story"
    assert page.locator("#filter-intervention").input_value() == "RELOCATION"


def test_a_case_study_search_by_intervention(page: Any, demo_site: DemoSite) -> None:
    with Session(demo_site.engine) as session:
        study = session.exec(select(CaseStudy).where(PUBLISHED_STUDY)).first()
    assert study is not None
    open_page(page, "/case-studies/")
    page.select_option("#filter-intervention", study.intervention_type)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(f"**intervention={study.intervention_type}**")
    wait_ready(page)
    assert study.title in page.locator("article.case-study h3").all_inner_texts()


def test_a_bad_area_shows_the_error_state(page: Any) -> None:
    open_page(page, "/case-studies/?region=not-an-id", locale="fr")
    error = page.locator(".state-error")
    assert error.get_attribute("data-code") == "BAD_USER_INPUT"
    assert "identifiant" in error.inner_text()
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.rendering
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_showcase_pages_are_accessible(page: Any, locale: str) -> None:
    for index, path in enumerate(["/exhibitions/", "/case-studies/"]):
        open_page(page, path, locale=locale if index == 0 else None)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        if path == "/case-studies/":
            # The story and lessons, folded by default, are checked too.
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        assert_accessible(page)
