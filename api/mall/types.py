"""The mall as GraphQL sees it: sellers, products with text in the reader's language,
orders with their lines, a producing household's earnings, and the mall's statistics.

A region located by a household (a HOUSEHOLD seller's, a household's produce: see
api/mall/service.py) is shown through `shown_region_id` by the one function `_shown`, on
every type that shows one.

List resolvers hand every node the whole page (`page`), so a field of one node loads that
field for the page in one statement (api/core/loading.py): a page of 40 products costs
as many statements as a page of 5."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from babel.numbers import format_percent
from strawberry import relay

from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.translations import load_translations
from api.graphql.context import Context
from api.graphql.dates import formatted_day_field
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money
from api.graphql.nodes import LoadedNode
from api.graphql.numbers import formatted_count_field
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.translations import LocalizedText, localized_field
from api.households.types import Household, households_by_id
from api.mall import loaders, models, queries, service
from api.mall.models import Order as OrderRow
from api.mall.models import OrderLine as OrderLineRow
from api.mall.models import Product as ProductRow
from api.mall.models import ProductTranslation
from api.mall.models import Seller as SellerRow
from api.media.types import Image, images_of
from api.regions.types import Region, load_regions
from api.regions.visibility import shown_region_id
from api.stats.types import SuppressedFigure

SellerKind = graphql_enum(
    models.SellerKind,
    name="SellerKind",
    description="Who sells in the mall on behalf of the poor.",
    values={
        "HOUSEHOLD": "A registered household selling its own produce.",
        "COOPERATIVE": "A farmers' cooperative.",
        "VILLAGE": "A village collective selling for its households.",
        "ENTERPRISE": "An enterprise selling produce from poor regions on their behalf.",
    },
)
SellerStatus = graphql_enum(
    models.SellerStatus,
    name="SellerStatus",
    description="Whether a caseworker or admin has verified a seller.",
    values={
        "PENDING": "Registered, waiting for verification; its products are not public.",
        "VERIFIED": "Verified: its active products are in the public catalogue.",
        "REJECTED": "Verification was refused.",
    },
)
ProductStatus = graphql_enum(
    models.ProductStatus,
    name="ProductStatus",
    description="Whether a product is on sale.",
    values={
        "ACTIVE": "On sale (public when its seller is verified).",
        "ARCHIVED": "Taken off sale; orders already placed go on.",
    },
)
OrderStatus = graphql_enum(
    models.OrderStatus,
    name="OrderStatus",
    description="Where an order is in its life.",
    values={
        "PLACED": "Stock reserved; waiting for the payment.",
        "PAID": "The money arrived and is held by the platform until completion.",
        "SHIPPED": "The seller sent the goods.",
        "DELIVERED": "The buyer or the seller confirmed delivery.",
        "COMPLETED": "Done: the money went to the producers, the seller and the platform.",
        "CANCELLED": "Cancelled: stock restored, and refunded if it was paid.",
    },
)


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=MinorUnits(amount_minor), currency=currency)


def _shown(context: Context, region_id: int, region_path: str, by_household: bool) -> int:
    """The region to show: a household's location no finer than the caller may see it
    (api/regions/visibility.py), any other region as it is."""
    if not by_household:
        return region_id
    level = context.settings.instance.public_region_level
    return shown_region_id(context.principal, region_path, level)


# --- Sellers ---------------------------------------------------------------------------------


@strawberry.type(
    description=(
        "A verified household, cooperative, village or enterprise selling produce from poor "
        "regions. Public once verified; before that, seen by its managers and by staff."
    )
)
class Seller(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[SellerRow]
    page: strawberry.Private[Sequence[SellerRow]]

    @strawberry.field(description="Who the seller is.")
    def kind(self) -> models.SellerKind:
        return models.SellerKind(self.row.kind)

    @strawberry.field(description="The name buyers see.")
    def display_name(self) -> str:
        return self.row.display_name

    @strawberry.field(
        description=(
            "Where the seller is. A HOUSEHOLD seller is located by its household: its exact "
            "region only for caseworkers covering it and platform admins, else its ancestor "
            "at the instance's public level (as `Household.region`)."
        )
    )
    def region(self, info: strawberry.Info[Context, Any]) -> Region:
        context = info.context

        def shown(row: SellerRow) -> int:
            return _shown(context, row.region_id, row.region_path, service.is_household_seller(row))

        rows = load_regions(context, [shown(r) for r in self.page])
        return Region.from_row(rows[shown(self.row)])

    @strawberry.field(description="Verification state.")
    def status(self) -> models.SellerStatus:
        return models.SellerStatus(self.row.status)

    @strawberry.field(
        description="HOUSEHOLD sellers: the household, public view only; null when the "
        "household is not public."
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        found = households_by_id(
            info.context, [r.household_id for r in self.page if r.household_id is not None]
        )
        return found.get(self.row.household_id)

    @strawberry.field(
        description="Default share of each sale that reaches the producer, in basis points "
        "(10000 = 100 %), for new products."
    )
    def producer_share_bps(self) -> int:
        return self.row.producer_share_bps

    @strawberry.field(description="When it was verified.")
    def verified_at(self) -> datetime | None:
        return self.row.verified_at

    @classmethod
    def from_rows(cls, rows: Sequence[SellerRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def one(cls, row: SellerRow | None) -> Self | None:
        return cls.from_rows([row])[0] if row is not None else None

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.visible_seller.many(context, keys)
        return {node.id: node for node in cls.from_rows(list(rows.values()))}


# --- Products --------------------------------------------------------------------------------


def _translations(
    context: Context, page: Sequence[ProductRow]
) -> dict[int, dict[str, ProductTranslation]]:
    return load_translations(context, service.PRODUCT_TEXT, page)


@strawberry.type(description="A product's text in one locale, as its seller wrote it.")
class ProductTranslationInfo:
    locale: str = strawberry.field(description="The locale, e.g. en or zh_Hans.")
    name: str = strawberry.field(description="The name in that locale.")
    description: str | None = strawberry.field(
        description="The description in that locale; null shows the original."
    )


@strawberry.type(
    description=(
        "Produce from a poor region, sold by a verified seller. Public while ACTIVE and its "
        "seller is verified; its managers and admins always see it."
    )
)
class Product(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[ProductRow]
    page: strawberry.Private[Sequence[ProductRow]]

    def _text(self, info: strawberry.Info[Context, Any], field: str) -> LocalizedText:
        return localized_field(info.context, service.PRODUCT_TEXT, self.row, self.page, field)

    @strawberry.field(description="The name, in the reader's language when translated.")
    def name(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "name")

    @strawberry.field(description="The description, in the reader's language when translated.")
    def description(self, info: strawberry.Info[Context, Any]) -> LocalizedText:
        return self._text(info, "description")

    @strawberry.field(description="The locale the seller wrote the name and description in.")
    def source_language(self) -> str:
        return self.row.source_language

    @strawberry.field(description="Every translation (for editors), ordered by locale.")
    def translations(self, info: strawberry.Info[Context, Any]) -> list[ProductTranslationInfo]:
        assert self.row.id is not None
        found = _translations(info.context, self.page).get(self.row.id, {})
        return [
            ProductTranslationInfo(locale=t.locale, name=t.name, description=t.description)
            for _, t in sorted(found.items())
        ]

    @strawberry.field(description="The price of one unit.")
    def price(self) -> Money:
        return _money(self.row.price_minor, self.row.currency)

    @strawberry.field(description='What one unit is, e.g. "500 g bag" or "kg".')
    def unit(self) -> str:
        return self.row.unit

    @strawberry.field(description="Units in stock now.")
    def stock(self) -> int:
        return self.row.stock

    @strawberry.field(description="True when at least one unit is in stock.")
    def in_stock(self) -> bool:
        return self.row.stock > 0

    @strawberry.field(description="Whether it is on sale.")
    def status(self) -> models.ProductStatus:
        return models.ProductStatus(self.row.status)

    @strawberry.field(
        description="Pictures of the product elsewhere (absolute URLs), as the seller gave them.",
        deprecation_reason="Use `images`: pictures stored by the instance, in several widths. "
        "The donor frontend shows no picture from another site.",
    )
    def image_urls(self) -> list[str]:
        return list(self.row.image_urls)

    @strawberry.field(
        description="Pictures of the product stored by the instance, in the seller's order; "
        "the first is the one lists show."
    )
    def images(self, info: strawberry.Info[Context, Any]) -> list[Image]:
        page_ids = [i for p in self.page for i in p.image_ids or []]
        return images_of(info.context, self.row.image_ids or [], page_ids)

    def _by_household(self, context: Context) -> dict[int, bool]:
        """Which products of the page are located by a household, by product id."""
        sellers = loaders.seller.many(context, [p.seller_id for p in self.page])
        return {
            p.id: service.is_household_product(p, sellers[p.seller_id])
            for p in self.page
            if p.id is not None
        }

    @strawberry.field(
        description=(
            "Where the produce comes from. Produce of a household (sold by a HOUSEHOLD "
            "seller, or with a producing household) is located by that household: the exact "
            "region only for caseworkers covering it and platform admins, else its ancestor "
            "at the instance's public level."
        )
    )
    def origin_region(self, info: strawberry.Info[Context, Any]) -> Region:
        context = info.context
        by_household = self._by_household(context)

        def shown(p: ProductRow) -> int:
            return _shown(
                context, p.origin_region_id, p.origin_region_path, by_household[p.id or 0]
            )

        rows = load_regions(context, [shown(p) for p in self.page])
        return Region.from_row(rows[shown(self.row)])

    @strawberry.field(description="Who sells it.")
    def seller(self, info: strawberry.Info[Context, Any]) -> Seller:
        rows = loaders.seller.many(info.context, [p.seller_id for p in self.page])
        row = rows[self.row.seller_id]
        page = [rows[p.seller_id] for p in self.page if p.seller_id in rows]
        return Seller(id=row.id, row=row, page=page)  # type: ignore[arg-type]

    @strawberry.field(
        description="The household that produces it and receives the producer share, public "
        "view only; null when a village receives it or the household is not public."
    )
    def producer_household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.producer_household_id is None:
            return None
        found = households_by_id(
            info.context,
            [p.producer_household_id for p in self.page if p.producer_household_id is not None],
        )
        return found.get(self.row.producer_household_id)

    @strawberry.field(
        description=(
            "The village that receives the producer share, if any; shown under the same rule "
            "as `originRegion`."
        )
    )
    def producer_village(self, info: strawberry.Info[Context, Any]) -> Region | None:
        if self.row.producer_region_id is None:
            return None
        context = info.context
        villages = load_regions(
            context,
            [p.producer_region_id for p in self.page if p.producer_region_id is not None],
        )
        by_household = self._by_household(context)

        def shown(p: ProductRow) -> int | None:
            village = villages.get(p.producer_region_id or 0)
            if village is None or village.id is None:
                return None
            return _shown(context, village.id, village.path, by_household[p.id or 0])

        # The page's shown regions in one load (their ancestors may not be loaded yet).
        rows = load_regions(context, [i for i in map(shown, self.page) if i is not None])
        chosen = shown(self.row)
        row = rows.get(chosen) if chosen is not None else None
        return Region.from_row(row) if row else None

    @strawberry.field(
        description="Share of each sale that reaches the producer, in basis points (10000 = "
        "100 %), rounded down to the minor unit."
    )
    def producer_share_bps(self) -> int:
        return self.row.producer_share_bps

    @strawberry.field(
        description="`producerShareBps` as a percentage in the request's locale (CLDR), e.g. "
        "80 % in French, so every client shows the same digits."
    )
    def producer_share_formatted(self, info: strawberry.Info[Context, Any]) -> str:
        share = Decimal(self.row.producer_share_bps) / models.BPS_WHOLE
        # Exact: 8250 basis points are 82.5 %, never rounded up to 83 %.
        return str(
            format_percent(share, locale=info.context.translator.locale, decimal_quantization=False)
        )

    @strawberry.field(
        description="What reaches the producer of one unit sold at `price`: "
        "floor(price * producerShareBps / 10000), the split an order line applies."
    )
    def producer_share_per_unit(self) -> Money:
        share = service.split(
            self.row.price_minor, producer_bps=self.row.producer_share_bps, fee_rate_bps=0
        ).producer_minor
        return _money(share, self.row.currency)

    @strawberry.field(description="When it was listed.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @classmethod
    def from_rows(cls, rows: Sequence[ProductRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def one(cls, row: ProductRow | None) -> Self | None:
        return cls.from_rows([row])[0] if row is not None else None

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.visible_product.many(context, keys)
        return {node.id: node for node in cls.from_rows(list(rows.values()))}


# --- Orders ----------------------------------------------------------------------------------


@strawberry.type(description="One product of an order, with the price and split fixed then.")
class OrderLine:
    row: strawberry.Private[OrderLineRow]
    page: strawberry.Private[Sequence[OrderLineRow]]
    currency: strawberry.Private[str]

    @strawberry.field(description="The product bought (also when archived since).")
    def product(self, info: strawberry.Info[Context, Any]) -> Product:
        rows = loaders.product.many(info.context, [line.product_id for line in self.page])
        page = [rows[line.product_id] for line in self.page if line.product_id in rows]
        row = rows[self.row.product_id]
        return Product(id=row.id, row=row, page=page)  # type: ignore[arg-type]

    @strawberry.field(description="How many units.")
    def quantity(self) -> int:
        return self.row.quantity

    quantity_formatted = formatted_count_field(lambda self: self.row.quantity, of="quantity")

    @strawberry.field(description="The price of one unit when the order was placed.")
    def unit_price(self) -> Money:
        return _money(self.row.unit_price_minor, self.currency)

    @strawberry.field(description="Quantity times unit price.")
    def total(self) -> Money:
        return _money(self.row.total_minor, self.currency)

    @strawberry.field(
        description="The part of the total that reaches the producing household or village."
    )
    def producer_share(self) -> Money:
        return _money(self.row.producer_share_minor, self.currency)

    @strawberry.field(description="The platform's fee on this line.")
    def platform_fee(self) -> Money:
        return _money(self.row.fee_minor, self.currency)

    @strawberry.field(description="What the seller keeps: total minus share and fee.")
    def seller_amount(self) -> Money:
        return _money(self.row.seller_minor, self.currency)


@strawberry.type(
    description="An order of one buyer from one seller: seen by the buyer, the seller's "
    "managers and admins."
)
class Order(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[OrderRow]
    page: strawberry.Private[Sequence[OrderRow]]

    @strawberry.field(description="Where the order is in its life.")
    def status(self) -> models.OrderStatus:
        return models.OrderStatus(self.row.status)

    @strawberry.field(description="The products, quantities and prices.")
    def lines(self, info: strawberry.Info[Context, Any]) -> list[OrderLine]:
        assert self.row.id is not None
        all_lines = loaders.order_lines.many(info.context, [o.id for o in self.page])
        flat = [line for rows in all_lines.values() for line in rows]
        return [
            OrderLine(row=line, page=flat, currency=self.row.currency)
            for line in all_lines.get(self.row.id, [])
        ]

    @strawberry.field(description="The sum of the lines; what the buyer pays.")
    def total(self) -> Money:
        return _money(self.row.total_minor, self.row.currency)

    @strawberry.field(description="Who sells it.")
    def seller(self, info: strawberry.Info[Context, Any]) -> Seller:
        rows = loaders.seller.many(info.context, [o.seller_id for o in self.page])
        page = [rows[o.seller_id] for o in self.page if o.seller_id in rows]
        row = rows[self.row.seller_id]
        return Seller(id=row.id, row=row, page=page)  # type: ignore[arg-type]

    @strawberry.field(description="Where to send the goods (personal data of the buyer).")
    def shipping_address(self) -> str:
        return self.row.shipping_address

    @strawberry.field(description="The payment provider's name, e.g. offline.")
    def provider(self) -> str:
        return self.row.provider

    @strawberry.field(description="The reference to quote when paying (e.g. PAY-7QK2M9XA).")
    def payment_reference(self, info: strawberry.Info[Context, Any]) -> str:
        found = loaders.payment_reference.many(info.context, [o.payment_id for o in self.page])
        return str(found.get(self.row.payment_id, ""))

    @strawberry.field(description="When it was placed.")
    def placed_at(self) -> datetime:
        return self.row.created_at

    placed_at_formatted = formatted_day_field(lambda self: self.row.created_at, of="placedAt")

    @strawberry.field(description="When the payment arrived.")
    def paid_at(self) -> datetime | None:
        return self.row.paid_at

    @strawberry.field(description="When the seller shipped it.")
    def shipped_at(self) -> datetime | None:
        return self.row.shipped_at

    @strawberry.field(description="When delivery was confirmed.")
    def delivered_at(self) -> datetime | None:
        return self.row.delivered_at

    @strawberry.field(description="When it was completed.")
    def completed_at(self) -> datetime | None:
        return self.row.completed_at

    @strawberry.field(description="When it was cancelled.")
    def cancelled_at(self) -> datetime | None:
        return self.row.cancelled_at

    @classmethod
    def from_rows(cls, rows: Sequence[OrderRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def one(cls, row: OrderRow | None) -> Self | None:
        return cls.from_rows([row])[0] if row is not None else None

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        rows = loaders.visible_order.many(context, keys)
        return {node.id: node for node in cls.from_rows(list(rows.values()))}


# --- Statistics ------------------------------------------------------------------------------


@strawberry.type(description="Completed mall sales of one month, in one currency.")
class MallMonthSales:
    month: str = strawberry.field(
        description="The calendar month, as YYYY-MM (the shape of `MonthlyFigure.month`)."
    )
    amount: Money = strawberry.field(description="Value of sales completed that month.")


WITHHELD_NOTE = " Null when withheld from you; `suppressed` says why."


@strawberry.type(
    description="Mall figures for the instance or a region and the areas inside it; public."
)
class MallStats:
    sales: list[Money] | None = strawberry.field(
        description="Value of completed sales of produce from the area, per currency."
        + WITHHELD_NOTE
    )
    monthly_sales: list[MallMonthSales] | None = strawberry.field(
        description="The same per month of completion, oldest first." + WITHHELD_NOTE
    )
    orders_completed: int | None = strawberry.field(
        description="Completed orders from sellers in the area." + WITHHELD_NOTE
    )
    households_with_ebusiness_income: int | None = strawberry.field(
        description="Producing households in the area with at least one completed sale."
        + WITHHELD_NOTE
    )
    region: Region | None = strawberry.field(
        description="The area these figures cover; null for the whole instance."
    )
    suppressed: list[SuppressedFigure] = strawberry.field(
        description=(
            "The figures withheld from you (null above), with the reason, as for `stats`: "
            "`MALL_SALES` stands for `sales` and `monthlySales`. Empty for staff covering "
            "the area."
        )
    )


# --- A producing household's earnings --------------------------------------------------------


@strawberry.type(
    description=(
        "One completed sale of a household's produce: an order line and the share of it that "
        "reached the household."
    )
)
class ProducerSale:
    row: strawberry.Private[OrderLineRow]
    page: strawberry.Private[Sequence[OrderLineRow]]
    currency: strawberry.Private[str]
    completed: strawberry.Private[datetime]

    @strawberry.field(description="The product sold (also when archived since).")
    def product(self, info: strawberry.Info[Context, Any]) -> Product:
        rows = loaders.product.many(info.context, [line.product_id for line in self.page])
        page = [rows[line.product_id] for line in self.page if line.product_id in rows]
        row = rows[self.row.product_id]
        return Product(id=row.id, row=row, page=page)  # type: ignore[arg-type]

    @strawberry.field(description="How many units.")
    def quantity(self) -> int:
        return self.row.quantity

    @strawberry.field(description="What the buyer paid for the line.")
    def total(self) -> Money:
        return _money(self.row.total_minor, self.currency)

    @strawberry.field(description="The part of the total that reached the household.")
    def producer_share(self) -> Money:
        return _money(self.row.producer_share_minor, self.currency)

    @strawberry.field(description="When the order was completed and the money paid out.")
    def completed_at(self) -> datetime:
        return self.completed


@strawberry.type(
    description=(
        "What a producing household earned from the mall: the producer share of its completed "
        "sales. Its income, so personal: its representative, caseworkers covering it and "
        "platform admins."
    )
)
class ProducerEarnings:
    household_node: strawberry.Private[Household]

    @strawberry.field(description="The household, through its public view.")
    def household(self) -> Household:
        return self.household_node

    @strawberry.field(
        description=(
            "The producer share of its completed orders, one amount per currency (never "
            "converted), largest currency code last."
        )
    )
    def earned(self, info: strawberry.Info[Context, Any]) -> list[Money]:
        totals = service.producer_earned(info.context.session, self.household_node.row.id or 0)
        return [_money(amount, currency) for currency, amount in totals.items()]

    @strawberry.field(description="Its completed sales, newest first.")
    def sales(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[ProducerSale]:  # type: ignore[type-var]
        page = queries.list_producer_sales(
            info.context.session, self.household_node.row.id or 0, first=first, after=after
        )
        lines = [sale.line for sale in page.rows]
        nodes = [
            ProducerSale(
                row=sale.line, page=lines, currency=sale.currency, completed=sale.completed_at
            )
            for sale in page.rows
        ]
        return page_connection(page, nodes)
