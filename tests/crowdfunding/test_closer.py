"""The server settles overdue campaigns itself (api/crowdfunding/closer.py), so an
instance without a scheduler still refunds and disburses; reads never do it."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from api.app import create_app
from api.core.settings import ConfigError, load_settings
from api.crowdfunding.models import CampaignStatus
from tests.conftest import LiveServer
from tests.crowdfunding import factories as c


def test_the_servers_closer_settles_overdue_campaigns(backend, world):
    # Given a server whose closer runs every 0.2 s, and two overdue campaigns
    failing = c.active(world)
    c.received(world, failing, 1_500)
    funded = c.active(world, goal_minor=1_000)
    c.received(world, funded, 1_000)
    for campaign_id in (failing, funded):
        c.make_due(world, campaign_id)
    settings = replace(backend.settings, campaign_close_interval=0.2)
    server = LiveServer(create_app(settings, backend.engine))
    try:
        # When a moment passes, with nobody reading or writing
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if {c.status(world, failing), c.status(world, funded)} == {
                CampaignStatus.REFUNDED,
                CampaignStatus.DISBURSED,
            }:
                break
            time.sleep(0.1)
    finally:
        server.stop()

    # Then both are settled, with the money where it belongs
    assert c.status(world, failing) == CampaignStatus.REFUNDED
    assert c.status(world, funded) == CampaignStatus.DISBURSED
    assert c.balance(world, f"campaign:{failing}") == 0
    assert c.balance(world, f"payout:campaign:{funded}") == 1_000
    # and a closer running beside it later finds nothing left
    assert c.close(world).closed == 0


def test_the_interval_is_a_setting():
    base = {"SECRET_KEY": "t" * 40}
    assert load_settings(base).campaign_close_interval == 60
    off = load_settings({**base, "AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL": "0"})
    assert off.campaign_close_interval == 0
    for wrong in ("-1", "soon", "100000"):
        with pytest.raises(ConfigError, match="AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL"):
            load_settings({**base, "AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL": wrong})
