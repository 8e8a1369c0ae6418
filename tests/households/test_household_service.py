"""Row visibility of households, straight from the service: one condition per principal."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from api.core.auth import ANONYMOUS, Principal
from api.core.db import unit_of_work
from api.core.roles import Role
from api.households.models import Household
from api.households.service import public_households_condition, visible_households_condition
from api.regions.service import create_region
from tests import factories


@pytest.fixture
def world(backend, engine, settings):
    """Six households: public, unverified, rejected or without consent, in three areas."""
    regions = factories.region_tree(engine, settings)
    village_c1, village_c2, county_b = (
        regions["P1-A-C1-T-V"],
        regions["P1-A-C2-T-V"],
        regions["P2-B"],
    )
    ids = {
        "c1_public": factories.household(engine, settings, village_c1)[0],
        "c1_no_consent": factories.household(engine, settings, village_c1, consent=False)[0],
        "c1_unverified": factories.household(engine, settings, village_c1, verified=False)[0],
        "c2_public": factories.household(engine, settings, village_c2)[0],
        "c2_no_consent": factories.household(engine, settings, village_c2, consent=False)[0],
        "p2_unverified": factories.household(engine, settings, county_b, verified=False)[0],
    }
    return {"regions": regions, "ids": ids}


def visible_to(engine, principal):
    with Session(engine) as session:
        found = session.exec(
            select(Household.id).where(visible_households_condition(principal))
        ).all()
    return set(found)


def names(world, *keys):
    return {world["ids"][k] for k in keys}


PUBLIC = ("c1_public", "c2_public")


def test_anonymous_callers_see_public_households_only(world, engine):
    assert visible_to(engine, ANONYMOUS) == names(world, *PUBLIC)


@pytest.mark.parametrize("role", [Role.HELPER, Role.ORGANISATION_ADMIN])
def test_helpers_see_public_households_only(world, engine, role):
    principal = Principal(account_id=7, role=role, helper_id=3)

    assert visible_to(engine, principal) == names(world, *PUBLIC)


def test_a_representative_also_sees_their_own_household(world, engine):
    own = world["ids"]["c2_no_consent"]
    principal = Principal(account_id=7, role=Role.HOUSEHOLD_REPRESENTATIVE, household_id=own)

    assert visible_to(engine, principal) == names(world, *PUBLIC, "c2_no_consent")


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("P1-A-C1", (*PUBLIC, "c1_no_consent", "c1_unverified")),
        ("P1-A-C1-T-V", (*PUBLIC, "c1_no_consent", "c1_unverified")),
        ("P1-A", (*PUBLIC, "c1_no_consent", "c1_unverified", "c2_no_consent")),
        ("P2", (*PUBLIC, "p2_unverified")),
        ("P1-A-C2-T", (*PUBLIC, "c2_no_consent")),
    ],
)
def test_a_caseworker_sees_their_whole_area_plus_public_households(world, engine, area, expected):
    principal = Principal(
        account_id=7, role=Role.CASEWORKER, region_path=world["regions"][area].path
    )

    assert visible_to(engine, principal) == names(world, *expected)


def test_a_sibling_region_with_a_longer_id_is_not_part_of_the_area(world, engine, settings):
    """A path prefix ends at a slash: /1/ covers /1/7/ but not /12/."""
    regions = world["regions"]
    p1 = regions["P1"]
    assert p1.path == f"/{p1.id}/"
    # Create provinces until one's id starts with P1's id (e.g. 1 → 11).
    lookalike = None
    with unit_of_work(engine) as session:
        for n in range(20):
            region = create_region(
                session, instance=settings.instance, code=f"PX{n}", name="x", parent_id=None
            )
            if str(region.id).startswith(str(p1.id)):
                lookalike = region
                break
    assert lookalike is not None
    hidden = factories.household(engine, settings, lookalike, verified=False)[0]
    principal = Principal(account_id=7, role=Role.CASEWORKER, region_path=p1.path)

    assert hidden not in visible_to(engine, principal)


def test_a_caseworker_without_an_area_sees_public_households_only(world, engine):
    principal = Principal(account_id=7, role=Role.CASEWORKER, region_path=None)

    assert visible_to(engine, principal) == names(world, *PUBLIC)


def test_an_admin_sees_every_household(world, engine):
    principal = Principal(account_id=7, role=Role.PLATFORM_ADMIN)

    assert visible_to(engine, principal) == set(world["ids"].values())


def test_public_means_verified_and_consenting(world, engine):
    with Session(engine) as session:
        rows = session.exec(
            select(Household).where(public_households_condition()).order_by(col(Household.id))
        ).all()
    assert {r.id for r in rows} == names(world, *PUBLIC)
    assert all(r.verification_status == "VERIFIED" and r.consent_to_publish for r in rows)
