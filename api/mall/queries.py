"""Reading the mall: the lists (the catalogue, a seller's or a buyer's orders, a producing
household's sales) and the rows their fields load in batches (api/mall/loaders.py). Every
read statement of the mall's GraphQL side is here; none of them writes.

A list function takes a plain filter and order and returns a `Page` of rows; the resolvers
decode IDs into the filter and turn the rows into GraphQL objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core.auth import Principal
from api.core.pages import Page, SortKey, fetch_page
from api.mall import service
from api.mall.models import Order, OrderLine, Product, ProductTranslation, Seller, SellerManager
from api.regions.models import Region
from api.regions.visibility import mixed_region_condition

# --- The catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilter:
    """Conditions on the public catalogue; None means "any"."""

    # Produce from this area or below it (household-located produce as `mixed_region_condition`).
    region: Region | None = None
    seller_id: int | None = None
    text: str | None = None
    in_stock: bool | None = None


class ProductSort(StrEnum):
    CREATED_AT = "CREATED_AT"
    PRICE = "PRICE"


@dataclass(frozen=True)
class ProductOrder:
    sort: ProductSort = ProductSort.CREATED_AT
    descending: bool = True


def _text_condition(text: str) -> sa.ColumnElement[bool]:
    """Words in the name or description, of the original or a translation."""
    translated = sa.exists().where(
        col(ProductTranslation.product_id) == Product.id,
        sa.or_(
            sa.func.lower(ProductTranslation.name).contains(text, autoescape=True),
            sa.func.lower(ProductTranslation.description).contains(text, autoescape=True),
        ),
    )
    return sa.or_(
        sa.func.lower(Product.name).contains(text, autoescape=True),
        sa.func.lower(Product.description).contains(text, autoescape=True),
        translated,
    )


def list_products(
    session: Session,
    principal: Principal,
    filter: ProductFilter,
    order: ProductOrder,
    *,
    public_level: int,
    first: int,
    after: str | None,
) -> Page[Product]:
    """One page of the public catalogue: active products of verified sellers."""
    statement = select(Product).where(service.public_products_condition())
    if filter.region is not None:
        statement = statement.where(
            mixed_region_condition(
                principal,
                filter.region,
                public_level=public_level,
                path=Product.origin_region_path,
                located_by_household=service.household_products_condition(),
            )
        )
    if filter.seller_id is not None:
        statement = statement.where(col(Product.seller_id) == filter.seller_id)
    text = (filter.text or "").strip().lower()
    if text:
        statement = statement.where(_text_condition(text))
    if filter.in_stock is not None:
        in_stock = col(Product.stock) > 0
        statement = statement.where(in_stock if filter.in_stock else sa.not_(in_stock))
    descending = order.descending
    if order.sort == ProductSort.PRICE:
        keys = [
            SortKey(col(Product.price_minor), descending=descending),
            SortKey(col(Product.id), descending=descending),
        ]
        key_of: Any = lambda r: (r[0].price_minor, r[0].id)  # noqa: E731
    else:
        keys = [
            SortKey(col(Product.created_at), descending=descending, kind="datetime"),
            SortKey(col(Product.id), descending=descending),
        ]
        key_of = lambda r: (r[0].created_at, r[0].id)  # noqa: E731
    page = fetch_page(session, statement, keys, first=first, after=after, key_of=key_of)
    return replace(page, rows=[row for (row,) in page.rows])


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    """Whose orders: a seller's or a buyer's (every condition given must hold)."""

    seller_id: int | None = None
    buyer_account_id: int | None = None
    status: str | None = None


def list_orders(
    session: Session, filter: OrderFilter, *, first: int, after: str | None
) -> Page[Order]:
    """One page of orders, newest first. The caller checked who may read them."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filter.seller_id is not None:
        conditions.append(col(Order.seller_id) == filter.seller_id)
    if filter.buyer_account_id is not None:
        conditions.append(col(Order.buyer_account_id) == filter.buyer_account_id)
    if not conditions:
        raise ValueError("orders are listed for a seller or a buyer")
    if filter.status is not None:
        conditions.append(col(Order.status) == filter.status)
    page = fetch_page(
        session,
        select(Order).where(*conditions),
        [
            SortKey(col(Order.created_at), descending=True, kind="datetime"),
            SortKey(col(Order.id), descending=True),
        ],
        first=first,
        after=after,
        key_of=lambda r: (r[0].created_at, r[0].id),
    )
    return replace(page, rows=[row for (row,) in page.rows])


# --- A producing household's sales -----------------------------------------------------------


class ProducerSaleRow(NamedTuple):
    line: OrderLine
    currency: str
    completed_at: datetime


def list_producer_sales(
    session: Session, household_id: int, *, first: int, after: str | None
) -> Page[ProducerSaleRow]:
    """One page of the household's completed sales, newest first."""
    page = fetch_page(
        session,
        select(OrderLine, Order.currency, Order.completed_at)
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(service.producer_sales_condition(household_id)),
        [
            SortKey(col(Order.completed_at), descending=True, kind="datetime"),
            SortKey(col(OrderLine.id), descending=True),
        ],
        first=first,
        after=after,
        key_of=lambda r: (r[2], r[0].id),
    )
    return replace(page, rows=[ProducerSaleRow(*row) for row in page.rows])


# --- Sellers ---------------------------------------------------------------------------------


def managed_sellers(session: Session, account_id: int | None) -> list[Seller]:
    """The sellers an account manages, newest first (any state)."""
    return list(
        session.exec(
            select(Seller)
            .join(SellerManager, col(SellerManager.seller_id) == Seller.id)
            .where(col(SellerManager.account_id) == account_id)
            .order_by(col(Seller.id).desc())
        ).all()
    )


# --- Rows by id, for the loaders -------------------------------------------------------------


def sellers_by_id(session: Session, ids: Iterable[int]) -> dict[int, Seller]:
    rows = session.exec(select(Seller).where(col(Seller.id).in_(set(ids))))
    return {row.id: row for row in rows if row.id is not None}


def visible_sellers_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Seller]:
    rows = session.exec(
        select(Seller)
        .where(col(Seller.id).in_(sorted(ids)))
        .where(service.visible_sellers_condition(principal))
    )
    return {row.id: row for row in rows if row.id is not None}


def products_by_id(session: Session, ids: Iterable[int]) -> dict[int, Product]:
    rows = session.exec(select(Product).where(col(Product.id).in_(set(ids))))
    return {row.id: row for row in rows if row.id is not None}


def visible_products_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Product]:
    rows = session.exec(
        select(Product)
        .where(col(Product.id).in_(sorted(ids)))
        .where(service.visible_products_condition(principal))
    )
    return {row.id: row for row in rows if row.id is not None}


def visible_orders_by_id(
    session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, Order]:
    rows = session.exec(
        select(Order)
        .where(col(Order.id).in_(sorted(ids)))
        .where(service.visible_orders_condition(principal))
    )
    return {row.id: row for row in rows if row.id is not None}


def lines_by_order(session: Session, order_ids: Iterable[int]) -> dict[int, list[OrderLine]]:
    """The lines of each order, in the order they were placed."""
    found: dict[int, list[OrderLine]] = {i: [] for i in order_ids}
    for row in session.exec(
        select(OrderLine).where(col(OrderLine.order_id).in_(found)).order_by(col(OrderLine.id))
    ):
        found[row.order_id].append(row)
    return found
