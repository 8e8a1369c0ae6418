"""Sellers, products and orders through the real services, and small readers."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work
from api.core.settings import Settings
from api.ledger import service as ledger
from api.mall import service
from api.mall.models import Order, Product, SellerKind
from tests.factories import Actor
from tests.help_requests.factories import World


def key() -> str:
    return str(uuid.uuid4())


def with_fee(settings: Settings, bps: int) -> Settings:
    return replace(settings, extra={**settings.extra, service.FEE_SETTING: str(bps)})


def seller(
    world: World, *, verified: bool = True, manager: Actor | None = None, **overrides: Any
) -> int:
    """A HOUSEHOLD seller for the world's household, registered by its representative."""
    values: dict[str, Any] = {
        "kind": SellerKind.HOUSEHOLD,
        "display_name": "Wang family orchard",
        "region_id": None,
        "household_id": world.household,
    }
    values.update(overrides)
    with unit_of_work(world.engine) as session:
        row = service.register_seller(
            session,
            actor=world.principal(manager or world.rep),
            data=service.SellerInput(**values),
        )
        assert row.id is not None
        if verified:
            service.verify_seller(
                session, actor=world.principal(world.admin), seller_id=row.id, approve=True
            )
        return row.id


def product(world: World, seller_id: int, *, manager: Actor | None = None, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "name": "Hill honey",
        "description": "Wild honey from the hills.",
        "source_language": "en",
        "price_minor": 1_999,
        "currency": "CNY",
        "unit": "500 g jar",
        "stock": 10,
        "origin_region_id": world.regions["P1-A-C1-T-V"].id,
        "producer_share_bps": 8_000,
    }
    values.update(overrides)
    with unit_of_work(world.engine) as session:
        row = service.create_product(
            session,
            actor=world.principal(manager or world.rep),
            instance=world.settings.instance,
            seller_id=seller_id,
            data=service.ProductInput(**values),
        )
        assert row.id is not None
        return row.id


def place(
    world: World,
    lines: dict[int, int],
    *,
    buyer: Actor | None = None,
    settings: Settings | None = None,
    idempotency_key: str | None = None,
    provider: str = "offline",
) -> int:
    # The principal first: reading it inside the unit of work would take a second pooled
    # connection per thread while holding SQLite's write lock.
    actor = world.principal(buyer or world.helper)
    with unit_of_work(world.engine) as session:
        placed = service.place_order(
            session,
            actor=actor,
            settings=settings or world.settings,
            data=service.OrderInput(
                lines=[service.OrderLineInput(p, q) for p, q in lines.items()],
                shipping_address="1 Market Street",
                provider=provider,
                idempotency_key=idempotency_key or key(),
            ),
        )
        assert placed.order.id is not None
        return placed.order.id


def pay(world: World, order_id: int) -> None:
    with unit_of_work(world.engine) as session:
        service.reconcile_order(
            session,
            actor=world.principal(world.admin),
            order_id=order_id,
            external_reference="BANK-1",
            idempotency_key=key(),
        )


def complete(
    world: World, order_id: int, *, buyer: Actor | None = None, shipper: Actor | None = None
) -> Order:
    """PAID -> SHIPPED -> DELIVERED -> COMPLETED."""
    with unit_of_work(world.engine) as session:
        service.ship_order(session, actor=world.principal(shipper or world.rep), order_id=order_id)
        service.deliver_order(
            session, actor=world.principal(buyer or world.helper), order_id=order_id
        )
        return service.complete_order(
            session,
            actor=world.principal(buyer or world.helper),
            order_id=order_id,
            idempotency_key=key(),
        )


def order_row(world: World, order_id: int) -> Order:
    with Session(world.engine) as session:
        found = session.get(Order, order_id)
        assert found is not None
        return found


def stock(world: World, product_id: int) -> int:
    with Session(world.engine) as session:
        found = session.get(Product, product_id)
        assert found is not None
        return found.stock


def balance(world: World, account: str, currency: str = "CNY") -> int:
    with Session(world.engine) as session:
        return ledger.balance_of(session, account, currency)


def count(world: World, table: Any, *conditions: Any) -> int:
    with Session(world.engine) as session:
        return int(
            session.execute(
                sa.select(sa.func.count()).select_from(table).where(*conditions)
            ).scalar_one()
        )
