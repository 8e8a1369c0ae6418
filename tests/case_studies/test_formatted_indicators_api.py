"""A case study's counted indicators come written by the API in the reader's locale, and
stay null when they were not reported."""

from __future__ import annotations

from babel.numbers import format_decimal

from tests.case_studies.test_case_study_api import make
from tests.projects.conftest import gid

QUERY = """query($id: ID!) { node(id: $id) { ... on CaseStudy { indicators {
  householdsLiftedOut householdsLiftedOutFormatted jobsCreated jobsCreatedFormatted } } } }"""


def test_counted_indicators_are_written_in_the_readers_locale(api, world):
    reported = make(world, households_lifted_out=12_345, jobs_created=1_500)
    for locale in ("fr", "ar", "zh_Hans"):
        node = api.data(QUERY, {"id": gid("CaseStudy", reported)}, locale=locale)["node"]
        assert node["indicators"] == {
            "householdsLiftedOut": 12_345,
            "householdsLiftedOutFormatted": format_decimal(12_345, locale=locale),
            "jobsCreated": 1_500,
            "jobsCreatedFormatted": format_decimal(1_500, locale=locale),
        }
    french = api.data(QUERY, {"id": gid("CaseStudy", reported)}, locale="fr")["node"]
    assert french["indicators"]["householdsLiftedOutFormatted"] == "12\u202f345"


def test_an_unreported_indicator_is_null_formatted_too(api, world):
    silent = make(world, title="Quiet study", jobs_created=0)
    node = api.data(QUERY, {"id": gid("CaseStudy", silent)}, locale="ar")["node"]
    assert node["indicators"] == {
        "householdsLiftedOut": None,
        "householdsLiftedOutFormatted": None,
        "jobsCreated": 0,
        "jobsCreatedFormatted": format_decimal(0, locale="ar"),
    }
