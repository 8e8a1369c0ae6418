from __future__ import annotations

import pytest

from tests.crowdfunding import factories as campaigns
from tests.help_requests import factories as f
from tests.help_requests.factories import World, make_world
from tests.ledger.checks import _books_balance_after_each_test
from tests.mall import factories as mall

# Fuzzed mutations run as admins too (reconciliations, refunds...): the books still balance.
__all__ = ["_books_balance_after_each_test"]


@pytest.fixture
def world(backend, engine, settings) -> World:
    return make_world(engine, settings)


@pytest.fixture
def fuzz_world(world: World) -> tuple[World, list[str]]:
    """The request world plus what the public can reach (an open request, a product of
    the household's seller, an active campaign), and the global IDs to fuzz with: the
    world's own, foreign-typed and malformed ones."""
    request = f.published(world)
    seller = mall.seller(world)
    product = mall.product(world, seller)
    campaign = campaigns.active(world)
    ids = [f.gid("Household", world.household_code), f.gid("Household", world.other_household_code)]
    ids += [f.gid("Region", region.id) for region in world.regions.values()]
    ids += [f.gid("HelpRequest", request), f.gid("Seller", seller), f.gid("Product", product)]
    ids += [f.gid("Campaign", campaign), f.gid("Helper", world.helper.helper_id)]
    ids += [f.gid("Region", world.household_code), f.gid("Order", 1), f.gid("Nope", 1)]
    ids += ["", "not base64", f.gid("Campaign", "x")]
    return world, ids
