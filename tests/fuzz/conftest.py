from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.core.auth import ANONYMOUS, Principal
from api.core.db import unit_of_work
from api.donation.models import TargetKind
from api.mall import service as shop
from tests.crowdfunding import factories as campaigns
from tests.donation import factories as donations
from tests.factories import Actor
from tests.fuzz.rules import Caller, caller_of
from tests.help_requests import factories as f
from tests.help_requests.factories import World, make_world
from tests.ledger.checks import _books_balance_after_each_test
from tests.mall import factories as mall

# Fuzzed mutations run as admins too (reconciliations, refunds...): the books still balance.
__all__ = ["_books_balance_after_each_test"]

# Personal values of the fuzz world, each unlike anything a fuzzer generates, so a reply
# that contains one shows it wherever it appears (a list, a receipt's HTML, an error).
SHIPPING_ADDRESS = "7 Canary Lane, Fuzzville"
HELPER_ANONYMOUS_NAME = "Quentin Canaryhelper"
HELPER_ANONYMOUS_MESSAGE = "canary message of the helper's anonymous gift"
GUEST_ANONYMOUS_NAME = "Rosalind Canaryguest"
GUEST_ANONYMOUS_MESSAGE = "canary message of a guest's anonymous gift"
BACKER_ANONYMOUS_NAME = "Ulrich Canarybacker"
BACKER_ANONYMOUS_MESSAGE = "canary message of the helper's anonymous backing"
GUEST_BACKER_NAME = "Viola Canaryguestbacker"
GUEST_BACKER_MESSAGE = "canary message of a guest's anonymous backing"


@dataclass
class FuzzWorld:
    """The request world, plus an organisation admin whose organisation runs a campaign,
    and what the leak check guards: anonymous donations to the general fund and backings
    of that campaign (received and pending, by the helper and by guests), and an order
    of the helper from the representative's shop. `ids` are the global IDs to fuzz
    with; `secrets` the world's personal values with the callers who may read each."""

    world: World
    org_admin: Actor
    ids: list[str]
    secrets: dict[str, frozenset[str]]
    # Global IDs of the guarded objects and their parents, by role in the world.
    named: dict[str, str]

    @property
    def personal_ids(self) -> list[str]:
        """The global IDs of the objects with personal fields other than households: the
        order, the donations and backings, every caller's account."""
        guarded = [v for k, v in self.named.items() if k.endswith(("gift", "backing", "order"))]
        people = [actor for actor in self.people().values() if actor]
        return guarded + [f.gid("Viewer", actor.account_id) for actor in people]

    def people(self) -> dict[str, Actor | None]:
        return {**self.world.people(), "org_admin": self.org_admin}

    def callers(self) -> dict[str, Caller]:
        return {
            who: caller_of(who, actor, self.world, self.secrets)
            for who, actor in self.people().items()
        }


@pytest.fixture
def callers(fuzz_world: FuzzWorld) -> dict[str, Caller]:
    """Every caller of the fuzz world, by name: anonymous and one of each role."""
    return fuzz_world.callers()


@pytest.fixture
def world(backend, engine, settings) -> World:
    return make_world(engine, settings)


@pytest.fixture
def fuzz_world(world: World) -> FuzzWorld:
    """The request world plus what the public can reach (an open request, a product of
    the household's seller, active campaigns) and what only some may read (see
    FuzzWorld); the IDs to fuzz with are the world's own, foreign-typed and malformed."""
    org_admin = campaigns.org_admin(world)
    request = f.published(world)
    seller = mall.seller(world)
    product = mall.product(world, seller)
    order = _order(world, product)
    campaign = campaigns.active(world)
    org_campaign = campaigns.active(world, world.principal(org_admin))
    helper = world.principal(world.helper)
    gifts = [
        _donation(world, helper, HELPER_ANONYMOUS_NAME, HELPER_ANONYMOUS_MESSAGE),
        _donation(world, ANONYMOUS, GUEST_ANONYMOUS_NAME, GUEST_ANONYMOUS_MESSAGE),
    ]
    backings = [
        _backing(world, org_campaign, helper, BACKER_ANONYMOUS_NAME, BACKER_ANONYMOUS_MESSAGE),
        _backing(world, org_campaign, ANONYMOUS, GUEST_BACKER_NAME, GUEST_BACKER_MESSAGE),
    ]
    # One of each received (on the wall and the backers list, with a receipt), one pending
    # (for fuzzed reconciliations by the organisation's admin and the platform admin).
    donations.reconcile(world.engine, world.principal(world.admin), gifts[0])
    donations.reconcile(world.engine, world.principal(world.admin), gifts[1])
    campaigns.reconcile(world, backings[0])
    campaigns.reconcile(world, backings[1])
    pending_gift = _donation(world, ANONYMOUS, GUEST_ANONYMOUS_NAME, None)
    pending_backing = _backing(world, org_campaign, helper, BACKER_ANONYMOUS_NAME, None)
    ids = [f.gid("Household", world.household_code), f.gid("Household", world.other_household_code)]
    ids += [f.gid("Region", region.id) for region in world.regions.values()]
    ids += [f.gid("HelpRequest", request), f.gid("Seller", seller), f.gid("Product", product)]
    ids += [f.gid("Campaign", campaign), f.gid("Campaign", org_campaign)]
    ids += [f.gid("Helper", world.helper.helper_id), f.gid("Order", order)]
    ids += [f.gid("Donation", i) for i in [*gifts, pending_gift]]
    ids += [f.gid("Backing", i) for i in [*backings, pending_backing]]
    people = {**world.people(), "org_admin": org_admin}
    ids += [f.gid("Viewer", actor.account_id) for actor in people.values() if actor]
    ids += [f.gid("Region", world.household_code), f.gid("Nope", 1)]
    ids += ["", "not base64", f.gid("Campaign", "x")]
    # Who may read each secret (api/*/types.py; see rules.PERSONAL_FIELDS): an address
    # its buyer, the seller's manager (the representative) and platform admins; an
    # anonymous gift's name and message its donor and platform admins (not the
    # organisation whose campaign it went to); a login email its account only.
    buyer_side = frozenset({"helper", "rep", "admin"})
    donor_side = frozenset({"helper", "admin"})
    admins = frozenset({"admin"})
    secrets = {
        SHIPPING_ADDRESS: buyer_side,
        HELPER_ANONYMOUS_NAME: donor_side,
        HELPER_ANONYMOUS_MESSAGE: donor_side,
        GUEST_ANONYMOUS_NAME: admins,
        GUEST_ANONYMOUS_MESSAGE: admins,
        BACKER_ANONYMOUS_NAME: donor_side,
        BACKER_ANONYMOUS_MESSAGE: donor_side,
        GUEST_BACKER_NAME: admins,
        GUEST_BACKER_MESSAGE: admins,
    }
    secrets |= {actor.email: frozenset({who}) for who, actor in people.items() if actor}
    secrets[world.other_helper.email] = frozenset()
    named = {
        "seller": f.gid("Seller", seller),
        "order": f.gid("Order", order),
        "org_campaign": f.gid("Campaign", org_campaign),
        "helper_gift": f.gid("Donation", gifts[0]),
        "guest_gift": f.gid("Donation", gifts[1]),
        "pending_gift": f.gid("Donation", pending_gift),
        "helper_backing": f.gid("Backing", backings[0]),
        "guest_backing": f.gid("Backing", backings[1]),
        "pending_backing": f.gid("Backing", pending_backing),
    }
    return FuzzWorld(org_admin=org_admin, world=world, ids=ids, secrets=secrets, named=named)


def _order(world: World, product: int) -> int:
    """The helper's order of one `product`, to the secret address."""
    actor = world.principal(world.helper)
    with unit_of_work(world.engine) as session:
        placed = shop.place_order(
            session,
            actor=actor,
            settings=world.settings,
            data=shop.OrderInput(
                lines=[shop.OrderLineInput(product, 1)],
                shipping_address=SHIPPING_ADDRESS,
                provider="offline",
                idempotency_key=mall.key(),
            ),
        )
        assert placed.order.id is not None
        return placed.order.id


def _donation(world: World, actor: Principal, name: str, message: str | None) -> int:
    donation, _ = donations.donate(
        world.engine,
        world.settings,
        actor,
        target_kind=TargetKind.GENERAL_FUND,
        target_id=None,
        anonymous=True,
        donor_name=name,
        message=message,
    )
    return donation


def _backing(world: World, campaign: int, actor: Principal, name: str, message: str | None) -> int:
    return campaigns.back(
        world, campaign, actor=actor, anonymous=True, backer_name=name, message=message
    )
