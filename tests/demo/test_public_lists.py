"""On a fresh demo instance, an anonymous visitor finds content in every public list."""

from __future__ import annotations

from datetime import date

import pytest

from api.demo.generate import generate_demo_data

PUBLIC_LISTS = {
    "helpRequests": "helpRequests(first: 5) { nodes { id title { text } } }",
    "households": "households(first: 5) { nodes { publicCode } }",
    "donationWall": "donationWall(first: 5) { nodes { donorName } }",
    "projects": "projects(first: 5) { nodes { id name } }",
    "exhibitions": "exhibitions(first: 5) { nodes { id title { text } } }",
    "caseStudies": "caseStudies(first: 5) { nodes { id title { text } } }",
    "products": "products(first: 5) { nodes { id } }",
    "campaigns": "campaigns(first: 5) { nodes { id } }",
    "pairings": "pairings(first: 5) { nodes { id status } }",
}


@pytest.fixture
def demo(backend, engine, settings):
    generate_demo_data(
        engine, households=120, seed=11, today=date(2026, 3, 1), instance=settings.instance
    )


@pytest.mark.parametrize("field", sorted(PUBLIC_LISTS))
def test_anonymous_visitors_find_content_in_every_public_list(api, demo, field):
    data = api.data("{ " + PUBLIC_LISTS[field] + " }")
    assert len(data[field]["nodes"]) > 0, field
