"""The demo mall: sellers, ~30 products in two languages, orders in every state, and
books that balance (checked after the test by the autouse ledger check)."""

from __future__ import annotations

import random
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work
from api.mall import demo, metrics
from api.mall.models import Order, OrderStatus, Product, ProductTranslation, Seller
from tests.help_requests.factories import stat
from tests.mall import factories as m


def test_the_demo_mall_is_consistent(world):
    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(7), instance=world.settings.instance, today=date(2026, 5, 1)
        )

    assert m.count(world, Seller) == 4
    assert m.count(world, Product) == len(demo.PRODUCTS) == 30
    assert m.count(world, ProductTranslation) == 30 + len(demo.FRENCH)
    with Session(world.engine) as session:
        states = set(session.execute(sa.select(Order.status)).scalars())  # type: ignore[call-overload]
        languages = set(session.execute(sa.select(Product.source_language)).scalars())  # type: ignore[call-overload]
    assert states == {s.value for s in OrderStatus}
    assert languages == {"en", "zh_Hans"}
    completed = m.count(world, Order, Order.status == OrderStatus.COMPLETED)
    assert stat(world.engine, metrics.ORDERS_COMPLETED) == completed


def test_the_demo_catalogue_reads_in_three_languages(api, world):
    with unit_of_work(world.engine) as session:
        demo.generate(
            session, rng=random.Random(7), instance=world.settings.instance, today=date(2026, 5, 1)
        )
    query = "{ products(first: 100) { nodes { name { text language isTranslation isStale } } } }"
    for language, header in (("en", "en"), ("zh_Hans", "zh-CN"), ("fr", "fr")):
        nodes = api.data(query, headers={"Accept-Language": header})["products"]["nodes"]
        names = [n["name"] for n in nodes]
        assert not any(name["isStale"] for name in names)
        translated = [name for name in names if name["isTranslation"]]
        assert translated and all(name["language"] == language for name in translated)
    french = api.data(query, headers={"Accept-Language": "fr"})["products"]["nodes"]
    assert len([n for n in french if n["name"]["isTranslation"]]) == len(demo.FRENCH)
