"""The demo pairings: deterministic content for the public ledger, consistent rows, and
ids that leave room for pairings created afterwards."""

from __future__ import annotations

import random
from datetime import date

import sqlalchemy as sa

from api.core.db import unit_of_work
from api.demo import generate
from api.pairing import demo, metrics
from api.pairing.models import Pairing, PairingReport
from api.regions.service import create_region
from tests.help_requests.factories import count
from tests.pairing import factories as f

PUBLIC = "query { pairings(first: 100) { nodes { kind status commitments { progress } } } }"


def test_demo_pairings_fill_the_public_ledger(api, world, engine):
    with unit_of_work(engine) as session:
        demo.generate(
            session, rng=random.Random(7), instance=world.settings.instance, today=f.today()
        )
    nodes = api.data(PUBLIC)["pairings"]["nodes"]
    assert nodes and {n["status"] for n in nodes} <= {"ACTIVE", "COMPLETED"}
    assert {n["kind"] for n in nodes} == {"ENTERPRISE_VILLAGE", "HELPER_HOUSEHOLD"}
    assert count(engine, PairingReport) > 0
    with unit_of_work(engine) as session:
        recount = {key: value for key, value in metrics.pairing_counts(session).items() if value}
        active = session.execute(
            sa.select(sa.func.count()).where(Pairing.status == "ACTIVE")  # type: ignore[arg-type]
        ).scalar_one()
    # the demo leaves its counters recounted (rebuild_stats leaves sections' counters alone)
    assert f.stats_table(engine, metrics.METRICS) == recount
    assert recount[(0, metrics.PAIRINGS_ACTIVE, 0)] == active
    # rows created afterwards get fresh ids (PostgreSQL sequences moved past the demo's)
    with unit_of_work(engine) as session:
        fresh = create_region(
            session,
            instance=world.settings.instance,
            code="P1-A-C2-T-W",
            name="New village",
            parent_id=world.regions["P1-A-C2-T"].id,
        )
    assert f.active(world, village=fresh.id)


def test_the_full_demo_with_pairings_keeps_their_counters(
    api, backend, engine, settings, monkeypatch
):
    # as api/demo/generate.py will once it lists this section
    sections = (*generate.SECTION_GENERATORS, "api.pairing.demo")
    monkeypatch.setattr(generate, "SECTION_GENERATORS", sections)
    generate.generate_demo_data(
        engine, households=120, seed=11, today=date(2026, 3, 1), instance=settings.instance
    )
    assert api.data("{ pairings(first: 5) { nodes { id } } }")["pairings"]["nodes"]
    with unit_of_work(engine) as session:
        recount = {key: value for key, value in metrics.pairing_counts(session).items() if value}
    assert recount and f.stats_table(engine, metrics.METRICS) == recount
