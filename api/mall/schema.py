"""GraphQL queries and mutations of the mall section."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.accounts.schema import Viewer, prehash_new_password
from api.core.errors import ErrorCode, ServiceError, coded_error
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF
from api.donation.types import PaymentInstructions
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_int_id
from api.graphql.money import MinorUnits, Money, MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, OrderDirection, page_connection
from api.graphql.permissions import requires
from api.households import queries as household_queries
from api.households.types import Household
from api.mall import models, queries, service
from api.mall.models import Seller as SellerRow
from api.mall.types import (
    MallMonthSales,
    MallStats,
    Order,
    ProducerEarnings,
    Product,
    Seller,
)
from api.payments.registry import get_provider
from api.regions.models import Region as RegionRow
from api.regions.types import Region, load_regions
from api.stats.disclosure import disclosure_for
from api.stats.metrics import INSTANCE_SCOPE
from api.stats.types import StatsFigure, SuppressedFigure, suppression_reason

KEY_DESCRIPTION = (
    "A unique key per intended operation (a UUID); retrying with the same key and input "
    "returns the first result, with another input it is IDEMPOTENCY_KEY_REUSED."
)


def _pk(global_id: relay.GlobalID | str, type_name: str, field: str) -> int:
    return decode_int_id(global_id, type_name, field=field)


def _optional_pk(global_id: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if global_id is None else _pk(global_id, type_name, field)


def _household_pk(info: strawberry.Info[Context, Any], global_id: relay.GlobalID) -> int:
    """Households are addressed by their public code; the row id stays inside."""
    code = global_id.node_id if global_id.type_name == "Household" else ""
    found = household_queries.household_id_by_code(info.context.session, code)
    if found is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="household")
    return found


# --- Inputs ----------------------------------------------------------------------------------


@strawberry.input(description="Which products to list; every given condition must hold.")
class ProductFilter:
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only produce from this region or the areas inside it. Produce of a household "
            "(see `Product.originRegion`) is located by that household: below the instance's "
            "public level it matches only for callers who see the exact region (caseworkers "
            "covering it, platform admins), so the filter never locates a household."
        ),
    )
    seller: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this seller's products."
    )
    text: str | None = strawberry.field(
        default=None,
        description="Words in the name or description, in the original or a translation "
        "(case-insensitive substring).",
    )
    in_stock: bool | None = strawberry.field(
        default=None, description="True: only products in stock; false: only sold out."
    )


@strawberry.enum(description="What to order products by.")
class ProductOrderField(Enum):
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When it was listed.")
    PRICE = strawberry.enum_value("PRICE", description="Unit price in minor units.")


@strawberry.input(description="An ordering of products.")
class ProductOrder:
    field: ProductOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Which way; latest (largest) first by default."
    )


@strawberry.input(description="A seller to register; you become its manager.")
class SellerRegisterInput:
    kind: models.SellerKind = strawberry.field(description="Who sells.")
    display_name: str = strawberry.field(description="The name buyers see, at most 120.")
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Where the seller is (a village for VILLAGE sellers). Not for HOUSEHOLD "
        "sellers, which sell from their household's region.",
    )
    household: relay.GlobalID | None = strawberry.field(
        default=None,
        description="HOUSEHOLD sellers only: the verified household (its representative or "
        "a caseworker covering it registers it).",
    )
    producer_share_bps: int = strawberry.field(
        default=models.BPS_WHOLE,
        description="Default share of each sale for the producer, in basis points (0 to "
        "10000), for new products.",
    )


@strawberry.input(
    description=(
        "A new account that sells without helping, and its first seller: for cooperatives, "
        "village collectives and enterprises."
    )
)
class SellerAccountRegisterInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="At least 10 characters.")
    display_name: str = strawberry.field(
        description="Your name as the seller's staff see it (buyers see `seller.displayName`)."
    )
    locale: str | None = strawberry.field(default=None, description="Preferred locale.")
    seller: SellerRegisterInput = strawberry.field(
        description=(
            "The seller to register (COOPERATIVE, VILLAGE or ENTERPRISE); errors on its "
            "fields are reported as `seller.<field>`."
        )
    )


@strawberry.input(description="A verification decision on a seller.")
class SellerVerifyInput:
    seller: relay.GlobalID = strawberry.field(description="The seller.")
    approve: bool = strawberry.field(description="True to verify, false to reject.")


@strawberry.input(description="A product to list.")
class ProductCreateInput:
    seller: relay.GlobalID = strawberry.field(description="A seller you manage.")
    name: str = strawberry.field(description="The name, at most 200 characters.")
    description: str = strawberry.field(
        default="", description="The description, at most 4000 characters."
    )
    source_language: str = strawberry.field(
        description="The locale name and description are written in, e.g. zh_Hans."
    )
    price: MoneyInput = strawberry.field(description="Price of one unit.")
    unit: str = strawberry.field(description='What one unit is, e.g. "kg"; at most 40.')
    stock: int = strawberry.field(default=0, description="Units in stock.")
    origin_region: relay.GlobalID = strawberry.field(description="Where the produce comes from.")
    producer_household: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The verified household that produces it and receives the producer "
        "share. Defaults to the seller's household (HOUSEHOLD sellers).",
    )
    producer_village: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Or the village (a region) that receives the producer share. Defaults "
        "to the seller's village (VILLAGE sellers).",
    )
    producer_share_bps: int | None = strawberry.field(
        default=None,
        description="Share of each sale for the producer in basis points (0 to 10000); "
        "defaults to the seller's.",
    )
    image_urls: list[str] = strawberry.field(
        default_factory=list,
        description="Up to 10 absolute http(s) URLs of pictures elsewhere; prefer `images`.",
    )
    images: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Up to 10 pictures you uploaded (imageUpload), in the order shown.",
    )


@strawberry.input(description="Changes to a product; omitted fields stay as they are.")
class ProductUpdateInput:
    product: relay.GlobalID = strawberry.field(description="A product of a seller you manage.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    source_language: str | None = strawberry.field(
        default=None, description="New locale of the name and description."
    )
    price: MoneyInput | None = strawberry.field(
        default=None, description="New unit price; placed orders keep theirs."
    )
    unit: str | None = strawberry.field(default=None, description="New unit.")
    stock_adjustment: int | None = strawberry.field(
        default=None,
        description=(
            "Units to add (a new harvest) or, if negative, remove (spoiled, sold elsewhere). "
            "Applied atomically, so orders placed at the same moment are never lost; the "
            "stock may not go below zero (OUT_OF_RANGE)."
        ),
    )
    origin_region: relay.GlobalID | None = strawberry.field(
        default=None, description="New origin region."
    )
    producer_household: relay.GlobalID | None = strawberry.field(
        default=None, description="New producing household."
    )
    producer_village: relay.GlobalID | None = strawberry.field(
        default=None, description="New producing village."
    )
    producer_share_bps: int | None = strawberry.field(
        default=None, description="New producer share in basis points; placed orders keep theirs."
    )
    image_urls: list[str] | None = strawberry.field(
        default=None, description="New list of picture URLs (replaces the old list)."
    )
    images: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="New list of stored pictures (replaces the old list): ones you uploaded "
        "and ones the product already shows.",
    )


@strawberry.input(description="A product's name and description in one more locale.")
class ProductTranslationSetInput:
    product: relay.GlobalID = strawberry.field(description="A product of a seller you manage.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. en, zh_Hans), not the product's "
        "source language."
    )
    name: str | None = strawberry.field(
        default=None, description="The translated name; null removes the translation."
    )
    description: str | None = strawberry.field(
        default=None, description="The translated description; null shows the original."
    )


@strawberry.input(description="A product to take off sale.")
class ProductArchiveInput:
    product: relay.GlobalID = strawberry.field(description="A product of a seller you manage.")


@strawberry.input(description="One product to order.")
class OrderLineInput:
    product: relay.GlobalID = strawberry.field(description="An active product.")
    quantity: int = strawberry.field(description="How many units, 1 to 10000.")


@strawberry.input(
    description="An order: products of one seller, in one currency, one line per product."
)
class OrderPlaceInput:
    lines: list[OrderLineInput] = strawberry.field(description="What to buy, 1 to 50 lines.")
    shipping_address: str = strawberry.field(
        description="Where to send it, at most 500 characters."
    )
    provider: str = strawberry.field(
        description="How to pay: a name from `paymentProviders` (offline, webhook...)."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="An offline order payment that arrived.")
class OrderReconcileInput:
    order: relay.GlobalID = strawberry.field(description="The PLACED order.")
    external_reference: str = strawberry.field(
        description="The bank, cash-book or mobile-money reference, at most 200 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="An order to move on (ship or confirm delivery).")
class OrderStepInput:
    order: relay.GlobalID = strawberry.field(description="The order.")


@strawberry.input(description="A delivered order to complete.")
class OrderCompleteInput:
    order: relay.GlobalID = strawberry.field(description="The DELIVERED order.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="An order to cancel.")
class OrderCancelInput:
    order: relay.GlobalID = strawberry.field(description="A PLACED or PAID order.")
    reason: str | None = strawberry.field(
        default=None, description="Why, for the ledger's memo; at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


# --- Payloads --------------------------------------------------------------------------------


@strawberry.type(description="Result of a seller mutation.")
class SellerPayload:
    seller: Seller | None = strawberry.field(description="The seller as it is now, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of sellerAccountRegister.")
class SellerAccountRegisterPayload:
    account: Viewer | None = strawberry.field(
        description="The new account (role SELLER), unless errors."
    )
    seller: Seller | None = strawberry.field(
        description="The seller, PENDING until a caseworker or admin verifies it, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        description="The product as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of orderPlace.")
class OrderPlacePayload:
    order: Order | None = strawberry.field(description="The order, unless errors.")
    payment_instructions: PaymentInstructions | None = strawberry.field(
        description="How to pay it, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of an order mutation.")
class OrderPayload:
    order: Order | None = strawberry.field(description="The order as it is now, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _product_data(info: strawberry.Info[Context, Any], data: Any) -> service.ProductInput:
    price: MoneyInput | None = data.price
    household = data.producer_household
    return service.ProductInput(
        name=data.name,
        description=data.description,
        source_language=data.source_language,
        price_minor=price.amount_minor if price else None,
        currency=price.currency if price else None,
        unit=data.unit,
        stock=getattr(data, "stock", None),
        stock_adjustment=getattr(data, "stock_adjustment", None),
        origin_region_id=_optional_pk(data.origin_region, "Region", "originRegion"),
        producer_household_id=_household_pk(info, household) if household else None,
        producer_region_id=_optional_pk(data.producer_village, "Region", "producerVillage"),
        producer_share_bps=data.producer_share_bps,
        image_urls=data.image_urls,
        images=None if data.images is None else [str(key) for key in data.images],
    )


def _page_orders(
    info: strawberry.Info[Context, Any],
    filter: queries.OrderFilter,
    first: int,
    after: str | None,
) -> Connection[Order]:
    page = queries.list_orders(info.context.session, filter, first=first, after=after)
    return page_connection(page, Order.from_rows(page.rows))


def _not_found(context: Context) -> Exception:
    return coded_error(ErrorCode.NOT_FOUND)


@strawberry.type
class MallQueries:
    @strawberry.field(
        description="The public catalogue: active products of verified sellers. Public."
    )
    def products(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            ProductFilter | None, strawberry.argument(description="Which products.")
        ] = None,
        order_by: Annotated[
            ProductOrder | None,
            strawberry.argument(description="Ordering; newest first by default."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Product]:
        context = info.context
        wanted = filter or ProductFilter()
        region: RegionRow | None = None
        if wanted.region is not None:
            region_id = _pk(wanted.region, "Region", "region")
            region = load_regions(context, [region_id]).get(region_id)
            if region is None:
                raise _not_found(context)
        seller_id = _optional_pk(wanted.seller, "Seller", "seller")
        order = order_by or ProductOrder(field=ProductOrderField.CREATED_AT)
        page = queries.list_products(
            context.session,
            context.principal,
            queries.ProductFilter(
                region=region, seller_id=seller_id, text=wanted.text, in_stock=wanted.in_stock
            ),
            queries.ProductOrder(
                sort=queries.ProductSort[order.field.name],
                descending=order.direction == OrderDirection.DESC,
            ),
            public_level=context.settings.instance.public_region_level,
            first=first,
            after=after,
        )
        return page_connection(page, Product.from_rows(page.rows))

    @strawberry.field(
        description="The sellers you manage, newest first (any state).", extensions=requires()
    )
    def my_sellers(self, info: strawberry.Info[Context, Any]) -> list[Seller]:
        context = info.context
        return Seller.from_rows(
            queries.managed_sellers(context.session, context.principal.account_id)
        )

    @strawberry.field(
        description="Orders of a seller, newest first: its managers and admins. Others get "
        "an error with code NOT_FOUND.",
        extensions=requires(),
    )
    def seller_orders(
        self,
        info: strawberry.Info[Context, Any],
        seller: Annotated[relay.GlobalID, strawberry.argument(description="The seller.")],
        status: Annotated[
            models.OrderStatus | None,
            strawberry.argument(description="Only orders in this state."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Order]:
        context = info.context
        seller_id = _pk(seller, "Seller", "seller")
        principal = context.principal
        if not (principal.is_admin or service.is_manager(context.session, principal, seller_id)):
            raise _not_found(context)
        filter = queries.OrderFilter(
            seller_id=seller_id, status=status.value if status is not None else None
        )
        return _page_orders(info, filter, first, after)

    @strawberry.field(description="Your orders as a buyer, newest first.", extensions=requires())
    def my_orders(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Order]:
        filter = queries.OrderFilter(buyer_account_id=info.context.principal.account_id)
        return _page_orders(info, filter, first, after)

    @strawberry.field(
        description="Mall figures for the whole instance, or for `region` and everything "
        "inside it; public. As for `stats`, for everyone but staff covering the area (admins "
        "for the whole instance) counts smaller than `InstanceInfo.smallCountThreshold` and "
        "every figure of an area below the public level are withheld: null, listed in "
        "`suppressed` with the reason."
    )
    def mall_stats(
        self,
        info: strawberry.Info[Context, Any],
        region: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Global ID of a Region; omit for the instance."),
        ] = None,
    ) -> MallStats:
        context = info.context
        scope = INSTANCE_SCOPE
        region_row: RegionRow | None = None
        if region is not None:
            try:
                scope = decode_int_id(region, "Region", field="region")
            except ServiceError:
                raise _not_found(context) from None
            region_row = load_regions(context, [scope]).get(scope)
            if region_row is None:
                raise _not_found(context)
        figures = service.read_mall_figures(context.session, scope_id=scope)
        disclosure = disclosure_for(context.principal, region_row, context.settings.instance)
        money = disclosure.withheld(None)
        orders = disclosure.withheld(figures.orders_completed)
        households = disclosure.withheld(figures.households_with_ebusiness_income)
        withheld = [
            (StatsFigure.MALL_SALES, money),
            (StatsFigure.MALL_ORDERS_COMPLETED, orders),
            (StatsFigure.HOUSEHOLDS_WITH_EBUSINESS_INCOME, households),
        ]
        return MallStats(
            sales=None
            if money
            else [Money(amount_minor=MinorUnits(v), currency=c) for c, v in figures.sales.items()],
            monthly_sales=None
            if money
            else [
                MallMonthSales(
                    month=m.month,
                    amount=Money(amount_minor=MinorUnits(m.amount_minor), currency=m.currency),
                )
                for m in figures.monthly
            ],
            orders_completed=None if orders else figures.orders_completed,
            households_with_ebusiness_income=None
            if households
            else figures.households_with_ebusiness_income,
            region=Region.from_row(region_row) if region_row else None,
            suppressed=[
                SuppressedFigure(figure=figure, reason=reason)
                for figure, why in withheld
                if (reason := suppression_reason(why)) is not None
            ],
        )

    @strawberry.field(
        description=(
            "What a producing household earned from the mall: the producer share of its "
            "completed orders, per currency, with the sales behind it. Its income, so "
            "personal: its representative (omit `household` for your own), caseworkers "
            "covering it and platform admins, audited; anyone else gets FORBIDDEN "
            "(UNAUTHENTICATED when not logged in), and a household you cannot see NOT_FOUND."
        )
    )
    def producer_earnings(
        self,
        info: strawberry.Info[Context, Any],
        household: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="The Household; omit for the household you represent."),
        ] = None,
    ) -> ProducerEarnings | None:
        context = info.context
        try:
            household_id = _household_pk(info, household) if household is not None else None
            row, path = service.earnings_household(context.session, context.principal, household_id)
        except ServiceError as error:
            raise coded_error(error.code) from None
        assert row.id is not None
        context.record_sensitive_read("Household", row.id, "producerEarnings")
        return ProducerEarnings(household_node=Household.from_row(row, path))


@strawberry.type
class MallMutations:
    @strawberry.mutation(
        description="Register a seller (PENDING until a caseworker or admin verifies it); "
        "you become its manager. Any logged-in account; a cooperative, village collective or "
        "enterprise without an account uses sellerAccountRegister instead (and does not "
        "become a helper).",
        extensions=requires(),
    )
    def seller_register(
        self, info: strawberry.Info[Context, Any], input: MutationInput[SellerRegisterInput]
    ) -> SellerPayload:
        context = info.context

        def register() -> SellerRow:
            household = _household_pk(info, input.household) if input.household else None
            return service.register_seller(
                context.session,
                actor=context.principal,
                data=service.SellerInput(
                    kind=input.kind,
                    display_name=input.display_name,
                    region_id=_optional_pk(input.region, "Region", "region"),
                    household_id=household,
                    producer_share_bps=input.producer_share_bps,
                ),
            )

        row, errors = run_service(info, register)
        return SellerPayload(seller=Seller.one(row), errors=errors)

    @strawberry.mutation(
        description=(
            "Create an account that sells without helping (role SELLER, no helper profile, "
            "not counted in `stats.helpersRegistered`) and register its first seller (PENDING "
            "until verified), in one step; log in with tokenCreate. Anyone. HOUSEHOLD sellers "
            "are registered with sellerRegister by the household's representative or "
            "caseworker."
        )
    )
    def seller_account_register(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[SellerAccountRegisterInput],
    ) -> SellerAccountRegisterPayload:
        context = info.context
        seller = input.seller
        locales = context.settings.instance.locales
        password_hash = prehash_new_password(info, input.email, input.password, input.display_name)

        def register() -> service.SellerAccountRegistered:
            return service.register_seller_account(
                context.session,
                data=service.SellerAccountInput(
                    email=input.email,
                    password=input.password,
                    display_name=input.display_name,
                    locale=input.locale if input.locale in locales else None,
                    password_hash=password_hash,
                    seller=service.SellerInput(
                        kind=seller.kind,
                        display_name=seller.display_name,
                        region_id=_optional_pk(seller.region, "Region", "seller.region"),
                        # A household is never sold for by a new account (seller.kind).
                        household_id=None,
                        producer_share_bps=seller.producer_share_bps,
                    ),
                ),
            )

        registered, errors = run_service(info, register)
        if registered is None:
            return SellerAccountRegisterPayload(account=None, seller=None, errors=errors)
        return SellerAccountRegisterPayload(
            account=Viewer.from_row(registered.account),
            seller=Seller.one(registered.seller),
            errors=[],
        )

    @strawberry.mutation(
        description="Verify or reject a seller: caseworkers covering its region, and admins.",
        extensions=requires(*STAFF),
    )
    def seller_verify(
        self, info: strawberry.Info[Context, Any], input: MutationInput[SellerVerifyInput]
    ) -> SellerPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.verify_seller(
                context.session,
                actor=context.principal,
                seller_id=_pk(input.seller, "Seller", "seller"),
                approve=input.approve,
            ),
        )
        return SellerPayload(seller=Seller.one(row), errors=errors)

    @strawberry.mutation(
        description="List a product: managers of the seller, and admins.", extensions=requires()
    )
    def product_create(
        self, info: strawberry.Info[Context, Any], input: MutationInput[ProductCreateInput]
    ) -> ProductPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_product(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                seller_id=_pk(input.seller, "Seller", "seller"),
                data=_product_data(info, input),
            ),
        )
        return ProductPayload(product=Product.one(row), errors=errors)

    @strawberry.mutation(
        description="Change a product: managers of its seller, and admins.", extensions=requires()
    )
    def product_update(
        self, info: strawberry.Info[Context, Any], input: MutationInput[ProductUpdateInput]
    ) -> ProductPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.update_product(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                product_id=_pk(input.product, "Product", "product"),
                data=_product_data(info, input),
            ),
        )
        return ProductPayload(product=Product.one(row), errors=errors)

    @strawberry.mutation(
        description="Set or remove a product's name and description in one locale: managers "
        "of its seller, and admins.",
        extensions=requires(),
    )
    def product_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProductTranslationSetInput],
    ) -> ProductPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_translation(
                context.session,
                actor=context.principal,
                product_id=_pk(input.product, "Product", "product"),
                locale=input.locale,
                locales=context.settings.instance.locales,
                name=input.name,
                description=input.description,
            ),
        )
        return ProductPayload(product=Product.one(row), errors=errors)

    @strawberry.mutation(
        description="Take a product off sale: managers of its seller, and admins.",
        extensions=requires(),
    )
    def product_archive(
        self, info: strawberry.Info[Context, Any], input: MutationInput[ProductArchiveInput]
    ) -> ProductPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.archive_product(
                context.session,
                actor=context.principal,
                product_id=_pk(input.product, "Product", "product"),
            ),
        )
        return ProductPayload(product=Product.one(row), errors=errors)

    @strawberry.mutation(
        description="Order products of one seller; logged-in buyers. Stock is reserved at "
        "once (OUT_OF_STOCK if not enough); the order is PLACED until the money arrives: "
        "follow `paymentInstructions`.",
        extensions=requires(),
    )
    def order_place(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderPlaceInput]
    ) -> OrderPlacePayload:
        context = info.context

        def place() -> service.Placed:
            return service.place_order(
                context.session,
                actor=context.principal,
                settings=context.settings,
                data=service.OrderInput(
                    lines=[
                        service.OrderLineInput(
                            product_id=_pk(line.product, "Product", "lines"),
                            quantity=line.quantity,
                        )
                        for line in input.lines
                    ],
                    shipping_address=input.shipping_address,
                    provider=input.provider,
                    idempotency_key=input.idempotency_key,
                ),
            )

        placed, errors = run_service(info, place)
        if placed is None:
            return OrderPlacePayload(order=None, payment_instructions=None, errors=errors)
        instructions = get_provider(placed.payment.provider).instructions(
            placed.payment, context.settings, context.locale
        )
        return OrderPlacePayload(
            order=Order.one(placed.order),
            payment_instructions=PaymentInstructions.of(instructions),
            errors=[],
        )

    @strawberry.mutation(
        description="Record that an offline order payment arrived: the money is held by the "
        "platform until completion. Admins and the seller's managers.",
        extensions=requires(),
    )
    def order_reconcile(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderReconcileInput]
    ) -> OrderPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.reconcile_order(
                context.session,
                actor=context.principal,
                order_id=_pk(input.order, "Order", "order"),
                external_reference=input.external_reference,
                idempotency_key=input.idempotency_key,
            ),
        )
        return OrderPayload(order=Order.one(row), errors=errors)

    @strawberry.mutation(
        description="Mark a PAID order as shipped: the seller's managers and admins.",
        extensions=requires(),
    )
    def order_ship(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderStepInput]
    ) -> OrderPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.ship_order(
                context.session,
                actor=context.principal,
                order_id=_pk(input.order, "Order", "order"),
            ),
        )
        return OrderPayload(order=Order.one(row), errors=errors)

    @strawberry.mutation(
        description="Confirm a SHIPPED order was delivered: its buyer or the seller.",
        extensions=requires(),
    )
    def order_deliver(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderStepInput]
    ) -> OrderPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.deliver_order(
                context.session,
                actor=context.principal,
                order_id=_pk(input.order, "Order", "order"),
            ),
        )
        return OrderPayload(order=Order.one(row), errors=errors)

    @strawberry.mutation(
        description="Complete a DELIVERED order: its buyer, or an admin. The held money "
        "goes to the producers (their share), the seller and the platform (its fee).",
        extensions=requires(),
    )
    def order_complete(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderCompleteInput]
    ) -> OrderPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.complete_order(
                context.session,
                actor=context.principal,
                order_id=_pk(input.order, "Order", "order"),
                idempotency_key=input.idempotency_key,
            ),
        )
        return OrderPayload(order=Order.one(row), errors=errors)

    @strawberry.mutation(
        description="Cancel a PLACED or PAID order: its buyer, the seller's managers or an "
        "admin. Stock is restored; a paid order is refunded (a reversing ledger entry).",
        extensions=requires(),
    )
    def order_cancel(
        self, info: strawberry.Info[Context, Any], input: MutationInput[OrderCancelInput]
    ) -> OrderPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.cancel_order(
                context.session,
                actor=context.principal,
                settings=context.settings,
                order_id=_pk(input.order, "Order", "order"),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            ),
        )
        return OrderPayload(order=Order.one(row), errors=errors)
