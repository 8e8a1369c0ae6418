"""The mall: verified sellers list produce from poor regions; buyers order it.

Money lives in the ledger (api/ledger); an order row says who bought what from whom and
where the order is in its life, and each line keeps the split of its price (the share
that reaches the producing household or village, the platform fee, the seller's rest)
fixed when the order was placed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.core.models import json_column, timestamp
from api.core.translations import DIGEST_LENGTH

BPS_WHOLE = 10_000  # basis points in 100 %


class SellerKind(StrEnum):
    HOUSEHOLD = "HOUSEHOLD"
    COOPERATIVE = "COOPERATIVE"
    VILLAGE = "VILLAGE"
    ENTERPRISE = "ENTERPRISE"


class SellerStatus(StrEnum):
    PENDING = "PENDING"  # registered, waiting for a caseworker or admin
    VERIFIED = "VERIFIED"  # may sell: its active products are public
    REJECTED = "REJECTED"


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class OrderStatus(StrEnum):
    PLACED = "PLACED"  # stock reserved, waiting for the payment
    PAID = "PAID"  # money held by the platform (ledger: mall_escrow:<order>)
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"  # money paid out to seller, producers and the platform
    CANCELLED = "CANCELLED"  # stock restored; refunded by a reversing entry if it was paid


class Seller(SQLModel, table=True):
    """A household, cooperative, village or enterprise selling on behalf of the poor."""

    __tablename__ = "mall_seller"
    __table_args__ = (
        sa.CheckConstraint(
            "producer_share_bps BETWEEN 0 AND 10000", name="producer_share_bps_range"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    display_name: str = Field(max_length=120)
    region_id: int = Field(foreign_key="region.id", index=True)
    # Copied from the region so subtree filters and coverage checks need no join.
    region_path: str = Field(max_length=400, index=True)
    # HOUSEHOLD sellers: the household itself (only its public view is ever shown).
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    # Default share of each sale that reaches the producer, for new products.
    producer_share_bps: int = BPS_WHOLE
    status: str = Field(default=SellerStatus.PENDING, max_length=16, index=True)
    verified_by_id: int | None = Field(default=None, foreign_key="account.id")
    verified_at: datetime | None = timestamp(nullable=True)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = timestamp(default_now=True)


class SellerManager(SQLModel, table=True):
    """Accounts that manage a seller: list products, ship, see its orders."""

    __tablename__ = "mall_seller_manager"

    seller_id: int = Field(foreign_key="mall_seller.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)


class Product(SQLModel, table=True):
    __tablename__ = "mall_product"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("price_minor > 0", name="price_positive"),
        sa.CheckConstraint(
            "producer_share_bps BETWEEN 0 AND 10000", name="producer_share_bps_range"
        ),
        sa.Index("ix_mall_product_status_created_at_id", "status", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="mall_seller.id", index=True)
    # The language name and description were written in ("zh_Hans").
    source_language: str = Field(max_length=20)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    unit: str = Field(max_length=40)
    stock: int = 0
    origin_region_id: int = Field(foreign_key="region.id", index=True)
    origin_region_path: str = Field(max_length=400, index=True)
    # Who the producer share goes to: a household, or else a village (a region).
    producer_household_id: int | None = Field(default=None, foreign_key="household.id")
    producer_region_id: int | None = Field(default=None, foreign_key="region.id")
    producer_share_bps: int = BPS_WHOLE
    image_urls: list[str] = json_column(default=[])
    # Pictures stored by the instance (api/media), in the order shown.
    image_ids: list[int] = json_column(default=[])
    status: str = Field(default=ProductStatus.ACTIVE, max_length=16)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class ProductTranslation(SQLModel, table=True):
    """A product's name and description in one more locale (api/core/translations.py)."""

    __tablename__ = "mall_product_translation"

    product_id: int = Field(foreign_key="mall_product.id", primary_key=True)
    locale: str = Field(max_length=20, primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    # Digest of the product's name and description this translation was written for.
    source_digest: str = Field(max_length=DIGEST_LENGTH)
    updated_at: datetime = timestamp(default_now=True)


class Order(SQLModel, table=True):
    """One buyer's order from one seller, in one currency."""

    __tablename__ = "mall_order"
    __table_args__ = (
        sa.Index("ix_mall_order_buyer_created_at_id", "buyer_account_id", "created_at", "id"),
        sa.Index("ix_mall_order_seller_created_at_id", "seller_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    buyer_account_id: int = Field(foreign_key="account.id")
    seller_id: int = Field(foreign_key="mall_seller.id")
    currency: str = Field(max_length=3)
    total_minor: int = Field(sa_type=sa.BigInteger)
    # The platform fee rate in force when the order was placed.
    fee_bps: int = 0
    shipping_address: str = Field(max_length=500)
    provider: str = Field(max_length=40)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    status: str = Field(default=OrderStatus.PLACED, max_length=16, index=True)
    paid_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    payout_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    refund_transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    created_at: datetime = timestamp(default_now=True)
    paid_at: datetime | None = timestamp(nullable=True)
    shipped_at: datetime | None = timestamp(nullable=True)
    delivered_at: datetime | None = timestamp(nullable=True)
    completed_at: datetime | None = timestamp(nullable=True)
    cancelled_at: datetime | None = timestamp(nullable=True)


class OrderLine(SQLModel, table=True):
    __tablename__ = "mall_order_line"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="mall_order.id", index=True)
    product_id: int = Field(foreign_key="mall_product.id", index=True)
    quantity: int
    unit_price_minor: int = Field(sa_type=sa.BigInteger)
    total_minor: int = Field(sa_type=sa.BigInteger)
    # The split of `total_minor`, fixed at placement: producer + fee + seller = total.
    producer_share_minor: int = Field(sa_type=sa.BigInteger)
    fee_minor: int = Field(sa_type=sa.BigInteger)
    seller_minor: int = Field(sa_type=sa.BigInteger)
    producer_household_id: int | None = Field(default=None, foreign_key="household.id")
    producer_region_id: int | None = Field(default=None, foreign_key="region.id")
    origin_region_path: str = Field(max_length=400)


class HouseholdSale(SQLModel, table=True):
    """Households with e-business income: one row from a household's first completed
    sale on, inserted with ON CONFLICT DO NOTHING so the count is bumped exactly once."""

    __tablename__ = "mall_household_sale"

    household_id: int = Field(
        foreign_key="household.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    first_order_id: int = Field(foreign_key="mall_order.id")
    first_completed_at: datetime = timestamp()
