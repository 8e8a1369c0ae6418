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
    # Pictures are the instance's own; any on another site would be links, never requests
    # the CSP would refuse.
    for image in page.locator("img.exhibit-media").all():
        assert image.get_attribute("loading") == "lazy"
        assert image.get_attribute("width") and image.get_attribute("height")


EXHIBIT_PICTURES = """() => [...document.querySelectorAll('img.exhibit-media')].map(img => ({
  src: img.currentSrc, srcset: img.getAttribute('srcset'), sizes: img.getAttribute('sizes'),
  width: img.getAttribute('width'), height: img.getAttribute('height'), alt: img.alt,
  loading: img.loading, complete: img.complete, natural: img.naturalWidth }))"""


def test_exhibit_pictures_come_from_the_instance_in_responsive_widths(
    page: Any, demo_site: DemoSite
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, "/exhibitions/")
    # The demo's MEDIA exhibits show pictures stored by the instance, not links elsewhere.
    assert page.locator("main a", has_text="See the picture on").count() == 0
    first = page.locator("img.exhibit-media").first
    first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.exhibit-media');"
        " return i && i.complete && i.naturalWidth; }"
    )
    pictures = page.evaluate(EXHIBIT_PICTURES)
    assert len(pictures) == len(published_exhibitions(demo_site))  # one cover each
    for picture in pictures:
        widths = [part.rsplit(" ", 1)[1] for part in picture["srcset"].split(", ")]
        assert widths == ["320w", "640w", "1024w", "1200w"]
        assert all(
            part.startswith(demo_site.url + "/media/") for part in picture["srcset"].split(", ")
        )
        assert picture["sizes"] and picture["loading"] == "lazy"
        assert (picture["width"], picture["height"]) == ("1200", "900")
        assert picture["alt"].endswith("the cover picture.")
    shown = [p for p in pictures if p["complete"] and p["natural"]]
    assert shown and all(p["src"].startswith(demo_site.url + "/media/") for p in shown)
    assert all(p["src"].endswith(".webp") for p in shown)
    fetched = [url for url in requested if "/media/" in url]
    assert fetched and all(url.startswith(demo_site.url + "/media/") for url in fetched)


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
