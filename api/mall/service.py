"""The mall: sellers, products with translations, and orders from placement to completion.

Stock: placing an order takes each line's quantity with one guarded UPDATE
(`stock = stock - q WHERE id = :id AND stock >= q`) and checks its row count; products are
updated in id order so two orders never wait for each other in a cycle on PostgreSQL.
Read-modify-write is never used (SQLAlchemy drops FOR UPDATE on SQLite). A cancelled
order gives its quantities back the same way.

Money (api/ledger), per order `o` in currency C:
- paid:      debit cash:<provider>, credit mall_escrow:o            (the buyer's money, held)
- completed: debit mall_escrow:o, credit mall_producer:household:h / mall_producer:region:v
             (the producer share), mall_seller:s (the seller's rest), sales:mall (the fee)
- cancelled after payment: the exact reversal of "paid" (a refund).

The split of each line is fixed when the order is placed, with integer arithmetic:
producer share = floor(total * producer_bps / 10000); platform fee = floor(total *
fee_bps / 10000), capped at what is left; the seller gets the rest, rounding remainders
included. The fee rate comes from AIDBRIDGE_MALL_FEE_BPS (default 0).

Every call that moves money (placing, reconciling the payment, completing, cancelling)
takes an idempotency key (api/core/idempotency.py).

Privacy. A household's exact region is personal (api/regions/visibility.py). A seller is
located by a household when it is a HOUSEHOLD seller; a product when its seller is, or when
a household produces it. Every region shown for such a row, and every region filter over
them, follows `shown_region_id` / `mixed_region_condition` with the conditions below, so
no path (lists, nodes, nested sellers and products) shows it finer than the household's
own `region` field. What a household earned from its sales is its income: personal too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.accounts import service as accounts
from api.accounts.models import Account
from api.audit.service import record_audit
from api.core import translations
from api.core.auth import Principal
from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.idempotency import Claim, check_key, claim_key
from api.core.roles import Role
from api.core.settings import Instance, Settings
from api.core.translations import TextField, Translatable
from api.core.validation import FieldErrors, check_amount, check_money, clean_text, optional_text
from api.households.models import Household, VerificationStatus
from api.households.service import visible_households_condition
from api.ledger.models import AccountKind
from api.ledger.service import (
    SALES,
    Line,
    cash_account,
    credit,
    debit,
    post_transaction,
    register_account_prefix,
    reverse_transaction,
)
from api.mall import metrics
from api.mall.models import (
    BPS_WHOLE,
    HouseholdSale,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    ProductTranslation,
    Seller,
    SellerKind,
    SellerManager,
    SellerStatus,
)
from api.media.service import check_attachable
from api.payments import service as payments
from api.payments.base import Confirmation, EventOutcome
from api.payments.config import setting
from api.payments.models import Payment
from api.payments.registry import UnknownProvider, get_provider
from api.regions.models import Region
from api.stats.metrics import INSTANCE_SCOPE
from api.stats.models import RegionStat
from api.stats.sections import bucket_label
from api.stats.service import bump

FEE_SETTING = "AIDBRIDGE_MALL_FEE_BPS"
NAME_LIMIT = 200
DESCRIPTION_LIMIT = 4000
UNIT_LIMIT = 40
SELLER_NAME_LIMIT = 120
ADDRESS_LIMIT = 500
REFERENCE_LIMIT = 200
URL_LIMIT = 500
MAX_IMAGES = 10
MAX_LINES = 50
MAX_QUANTITY = 10_000
MAX_STOCK = 10_000_000
PURPOSE = "order"
AUDIT_SUBJECT = "Order"
PAID_KIND = "MALL_ORDER_PAID"
PAYOUT_KIND = "MALL_ORDER_COMPLETED"
REFUND_KIND = "MALL_ORDER_REFUND"
PLATFORM_FEES = SALES + ":mall"

register_account_prefix("mall_escrow", AccountKind.LIABILITY)
register_account_prefix("mall_seller", AccountKind.LIABILITY)
register_account_prefix("mall_producer", AccountKind.LIABILITY)


def escrow_account(order_id: int) -> str:
    return f"mall_escrow:{order_id}"


def seller_account(seller_id: int) -> str:
    return f"mall_seller:{seller_id}"


def producer_account(household_id: int | None, region_id: int | None) -> str:
    if household_id is not None:
        return f"mall_producer:household:{household_id}"
    return f"mall_producer:region:{region_id}"


def fee_bps(settings: Settings) -> int:
    text = setting(settings, FEE_SETTING) or "0"
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= BPS_WHOLE:
        raise ValueError(f"{FEE_SETTING} must be a whole number of basis points, 0 to 10000")
    return value


@dataclass(frozen=True)
class Split:
    producer_minor: int
    fee_minor: int
    seller_minor: int


def split(total_minor: int, *, producer_bps: int, fee_rate_bps: int) -> Split:
    """Integer split of a line total (see the module docstring for the rule)."""
    producer = total_minor * producer_bps // BPS_WHOLE
    fee = min(total_minor * fee_rate_bps // BPS_WHOLE, total_minor - producer)
    return Split(producer, fee, total_minor - producer - fee)


# --- Visibility ------------------------------------------------------------------------------


def managed_seller_ids(principal: Principal) -> sa.Select[tuple[int]]:
    return sa.select(SellerManager.seller_id).where(  # type: ignore[call-overload]
        col(SellerManager.account_id) == principal.account_id
    )


def visible_sellers_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Verified sellers for everyone; the others for their managers, caseworkers
    covering them and admins."""
    if principal.is_admin:
        return sa.true()
    verified = col(Seller.status) == SellerStatus.VERIFIED
    clauses = [verified]
    if principal.account_id is not None:
        clauses.append(col(Seller.id).in_(managed_seller_ids(principal)))
    if principal.role == Role.CASEWORKER and principal.region_path:
        clauses.append(col(Seller.region_path).startswith(principal.region_path))
    return sa.or_(*clauses)


def public_products_condition() -> sa.ColumnElement[bool]:
    """Active products of verified sellers (the public catalogue)."""
    return sa.and_(
        col(Product.status) == ProductStatus.ACTIVE,
        col(Product.seller_id).in_(
            sa.select(Seller.id).where(col(Seller.status) == SellerStatus.VERIFIED)  # type: ignore[call-overload]
        ),
    )


def visible_products_condition(principal: Principal) -> sa.ColumnElement[bool]:
    if principal.is_admin:
        return sa.true()
    if principal.account_id is None:
        return public_products_condition()
    return sa.or_(
        public_products_condition(), col(Product.seller_id).in_(managed_seller_ids(principal))
    )


def visible_orders_condition(principal: Principal) -> sa.ColumnElement[bool]:
    """Buyers their own orders, seller managers their sellers', admins all."""
    if principal.is_admin:
        return sa.true()
    if principal.account_id is None:
        return sa.false()
    return sa.or_(
        col(Order.buyer_account_id) == principal.account_id,
        col(Order.seller_id).in_(managed_seller_ids(principal)),
    )


def household_sellers_condition() -> sa.ColumnElement[bool]:
    """Sellers located by a household: their region is the household's."""
    return col(Seller.kind) == SellerKind.HOUSEHOLD


def household_products_condition() -> sa.ColumnElement[bool]:
    """Products located by a household: sold by a HOUSEHOLD seller, or produced by a
    household (their origin is then, as a rule, the household's village)."""
    return sa.or_(
        col(Product.producer_household_id).is_not(None),
        col(Product.seller_id).in_(
            sa.select(Seller.id).where(household_sellers_condition())  # type: ignore[call-overload]
        ),
    )


def is_household_seller(seller: Seller) -> bool:
    return seller.kind == SellerKind.HOUSEHOLD


def is_household_product(product: Product, seller: Seller) -> bool:
    """`household_products_condition` for one row (the product and its seller)."""
    return product.producer_household_id is not None or is_household_seller(seller)


def is_manager(session: Session, principal: Principal, seller_id: int) -> bool:
    if principal.account_id is None:
        return False
    return session.get(SellerManager, (seller_id, principal.account_id)) is not None


def _managed_seller(session: Session, actor: Principal, seller_id: int, field: str) -> Seller:
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field=field)
    if actor.is_admin or is_manager(session, actor, seller_id):
        return seller
    visible = seller.status == SellerStatus.VERIFIED or actor.covers_region(seller.region_path)
    raise ServiceError(ErrorCode.FORBIDDEN if visible else ErrorCode.NOT_FOUND, field=field)


# --- Sellers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SellerInput:
    kind: SellerKind
    display_name: str
    region_id: int | None
    household_id: int | None
    producer_share_bps: int = BPS_WHOLE


def _check_bps(value: int, field: str) -> int:
    if not 0 <= value <= BPS_WHOLE:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field=field)
    return value


def _checked_seller(
    session: Session, actor: Principal, data: SellerInput
) -> tuple[str, Region, Household | None]:
    """The seller's clean name, its region and its household (HOUSEHOLD sellers), or
    every input error at once."""
    found = FieldErrors()
    name = found.check(
        lambda: clean_text(data.display_name, field="displayName", limit=SELLER_NAME_LIMIT)
    )
    found.check(lambda: _check_bps(data.producer_share_bps, "producerShareBps"))
    region: Region | None = None
    household: Household | None = None
    if data.kind == SellerKind.HOUSEHOLD:
        household = session.get(Household, data.household_id) if data.household_id else None
        if data.household_id is None:
            found.add(ErrorCode.REQUIRED, "household")
        elif household is None:
            found.add(ErrorCode.NOT_FOUND, "household")
        else:
            region = session.get(Region, household.region_id)
            assert region is not None
            own = actor.household_id == household.id
            if not own and not actor.covers_region(region.path):
                found.add(ErrorCode.FORBIDDEN, "household")
            elif household.verification_status != VerificationStatus.VERIFIED:
                found.add(ErrorCode.INVALID_STATE, "household")
    else:
        if data.household_id is not None:
            found.add(ErrorCode.INVALID, "household")
        region = session.get(Region, data.region_id) if data.region_id else None
        if data.region_id is None:
            found.add(ErrorCode.REQUIRED, "region")
        elif region is None:
            found.add(ErrorCode.NOT_FOUND, "region")
    found.raise_if_any()
    assert name is not None and region is not None
    return name, region, household


def _new_seller(
    session: Session,
    *,
    account_id: int,
    data: SellerInput,
    checked: tuple[str, Region, Household | None],
) -> Seller:
    name, region, household = checked
    assert region.id is not None
    seller = Seller(
        kind=data.kind,
        display_name=name,
        region_id=region.id,
        region_path=region.path,
        household_id=household.id if household else None,
        producer_share_bps=data.producer_share_bps,
        status=SellerStatus.PENDING,
        created_by_id=account_id,
        created_at=utcnow(),
    )
    session.add(seller)
    session.flush()
    assert seller.id is not None
    session.add(SellerManager(seller_id=seller.id, account_id=account_id))
    session.flush()
    return seller


def register_seller(session: Session, *, actor: Principal, data: SellerInput) -> Seller:
    """A PENDING seller managed by the caller. A HOUSEHOLD seller names a verified
    household (its representative or a caseworker covering it registers it) and sells
    from the household's region; the other kinds name their region."""
    checked = _checked_seller(session, actor, data)
    assert actor.account_id is not None
    return _new_seller(session, account_id=actor.account_id, data=data, checked=checked)


@dataclass(frozen=True)
class SellerAccountInput:
    email: str
    password: str
    display_name: str
    locale: str | None
    seller: SellerInput
    # Hashed before the write transaction (api/accounts/schema.py prehash_new_password).
    password_hash: str | None = None


@dataclass(frozen=True)
class SellerAccountRegistered:
    account: Account
    seller: Seller


def register_seller_account(
    session: Session, *, data: SellerAccountInput
) -> SellerAccountRegistered:
    """A new SELLER account (no helper profile: `helpersRegistered` counts helpers, and
    a cooperative that only sells is not one) and its first, PENDING seller, with every
    input error of both at once (the seller's as `seller.<field>`). HOUSEHOLD sellers are
    registered by the household's representative or caseworker (`register_seller`)."""
    found = FieldErrors()
    checked: tuple[str, Region, Household | None] | None = None
    if data.seller.kind == SellerKind.HOUSEHOLD:
        found.add(ErrorCode.INVALID, "seller.kind")
    else:
        try:
            checked = _checked_seller(session, Principal(role=Role.SELLER), data.seller)
        except ServiceErrors as invalid:
            for error in invalid.errors:
                field = f"seller.{error.field}" if error.field else "seller"
                found.errors.append(replace_field(error, field))
    account = found.check(
        lambda: accounts.register_seller_account(
            session,
            email=data.email,
            password=data.password,
            display_name=data.display_name,
            locale=data.locale,
            password_hash=data.password_hash,
        )
    )
    found.raise_if_any()
    assert account is not None and account.id is not None and checked is not None
    seller = _new_seller(session, account_id=account.id, data=data.seller, checked=checked)
    return SellerAccountRegistered(account, seller)


def replace_field(error: ServiceError, field: str) -> ServiceError:
    """The same error reported on another input field (a nested input's path)."""
    return ServiceError(error.code, field=field, message=error.message, **error.params)


def verify_seller(session: Session, *, actor: Principal, seller_id: int, approve: bool) -> Seller:
    """A caseworker covering the seller's region, or an admin, verifies or rejects it."""
    seller = session.get(Seller, seller_id)
    if seller is None or not (actor.is_admin or actor.covers_region(seller.region_path)):
        visible = seller is not None and seller.status == SellerStatus.VERIFIED
        raise ServiceError(ErrorCode.FORBIDDEN if visible else ErrorCode.NOT_FOUND, field="seller")
    seller.status = SellerStatus.VERIFIED if approve else SellerStatus.REJECTED
    seller.verified_by_id = actor.account_id
    seller.verified_at = utcnow()
    session.add(seller)
    session.flush()
    return seller


# --- Products --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductInput:
    """Fields of a product; on update, None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    source_language: str | None = None
    price_minor: int | None = None
    currency: str | None = None
    unit: str | None = None
    stock: int | None = None  # on create: the opening stock
    stock_adjustment: int | None = None  # on update: units added (or removed, if negative)
    origin_region_id: int | None = None
    producer_household_id: int | None = None
    producer_region_id: int | None = None
    producer_share_bps: int | None = None
    image_urls: Sequence[str] | None = None
    images: Sequence[str] | None = None  # keys of pictures stored by the instance (api/media)


def check_locale(tag: str, field: str) -> str:
    try:
        return str(Locale.parse(tag.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ServiceError(ErrorCode.INVALID, field=field) from None


def _apply_product(
    session: Session,
    actor: Principal,
    instance: Instance,
    product: Product,
    seller: Seller,
    data: ProductInput,
) -> None:
    """Validate and set the given fields; every input error at once."""
    errors: list[ServiceError] = []

    def check(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except ServiceError as error:
            errors.append(error)
        except ServiceErrors as many:
            errors.extend(many.errors)

    def set_name() -> None:
        product.name = clean_text(data.name, field="name", limit=NAME_LIMIT)

    def set_description() -> None:
        product.description = clean_text(
            data.description, field="description", limit=DESCRIPTION_LIMIT, required=False
        )

    def set_language() -> None:
        product.source_language = check_locale(data.source_language or "", "sourceLanguage")

    def set_price() -> None:
        product.price_minor, product.currency = check_money(
            instance, data.price_minor, data.currency, field="price"
        )

    def set_unit() -> None:
        product.unit = clean_text(data.unit, field="unit", limit=UNIT_LIMIT)

    def set_stock() -> None:
        if not 0 <= (data.stock or 0) <= MAX_STOCK:
            raise ServiceError(ErrorCode.OUT_OF_RANGE, field="stock")
        product.stock = data.stock or 0

    def set_origin() -> None:
        region = session.get(Region, data.origin_region_id)
        if region is None or region.id is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="originRegion")
        product.origin_region_id = region.id
        product.origin_region_path = region.path

    def set_images() -> None:
        urls = [url.strip() for url in data.image_urls or []]
        if len(urls) > MAX_IMAGES:
            raise ServiceError(ErrorCode.OUT_OF_RANGE, field="imageUrls")
        for url in urls:
            if not url.startswith(("https://", "http://")) or len(url) > URL_LIMIT:
                raise ServiceError(ErrorCode.INVALID, field="imageUrls")
        product.image_urls = urls

    def set_stored_images() -> None:
        product.image_ids = check_attachable(
            session,
            actor=actor,
            keys=data.images or [],
            already=product.image_ids or [],
            field="images",
            limit=MAX_IMAGES,
        )

    def set_share() -> None:
        product.producer_share_bps = _check_bps(data.producer_share_bps or 0, "producerShareBps")

    for given, action in (
        (data.name, set_name),
        (data.description, set_description),
        (data.source_language, set_language),
        (data.price_minor if data.price_minor is not None else data.currency, set_price),
        (data.unit, set_unit),
        (data.stock, set_stock),
        (data.origin_region_id, set_origin),
        (data.image_urls, set_images),
        (data.images, set_stored_images),
        (data.producer_share_bps, set_share),
    ):
        if given is not None:
            check(action)
    if data.producer_household_id is not None or data.producer_region_id is not None:
        check(lambda: _set_producer(session, product, data))
    if errors:
        raise ServiceErrors(errors)
    if product.producer_household_id is None and product.producer_region_id is None:
        # Household and village sellers produce what they sell.
        if seller.kind == SellerKind.HOUSEHOLD:
            product.producer_household_id = seller.household_id
        elif seller.kind == SellerKind.VILLAGE:
            product.producer_region_id = seller.region_id
        else:
            raise ServiceErrors([ServiceError(ErrorCode.REQUIRED, field="producerHousehold")])


def _set_producer(session: Session, product: Product, data: ProductInput) -> None:
    if data.producer_household_id is not None and data.producer_region_id is not None:
        raise ServiceError(ErrorCode.INVALID, field="producerVillage")
    if data.producer_household_id is not None:
        household = session.get(Household, data.producer_household_id)
        if household is None or household.verification_status != VerificationStatus.VERIFIED:
            raise ServiceError(ErrorCode.NOT_FOUND, field="producerHousehold")
        product.producer_household_id, product.producer_region_id = household.id, None
    else:
        if session.get(Region, data.producer_region_id) is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="producerVillage")
        product.producer_household_id, product.producer_region_id = None, data.producer_region_id


def create_product(
    session: Session, *, actor: Principal, instance: Instance, seller_id: int, data: ProductInput
) -> Product:
    """A new ACTIVE product of a seller the caller manages (public once it is verified)."""
    seller = _managed_seller(session, actor, seller_id, "seller")
    missing = [
        ServiceError(ErrorCode.REQUIRED, field=field)
        for field, value in (
            ("name", data.name),
            ("sourceLanguage", data.source_language),
            ("price", data.price_minor),
            ("unit", data.unit),
            ("originRegion", data.origin_region_id),
        )
        if value is None
    ]
    if missing:
        raise ServiceErrors(missing)
    now = utcnow()
    product = Product(
        seller_id=seller_id,
        source_language="en",
        name="",
        price_minor=1,
        currency="",
        unit="",
        origin_region_id=0,
        origin_region_path="",
        producer_share_bps=seller.producer_share_bps,
        created_at=now,
        updated_at=now,
    )
    _apply_product(session, actor, instance, product, seller, data)
    session.add(product)
    session.flush()
    return product


def _managed_product(session: Session, actor: Principal, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="product")
    _managed_seller(session, actor, product.seller_id, "product")
    return product


def update_product(
    session: Session, *, actor: Principal, instance: Instance, product_id: int, data: ProductInput
) -> Product:
    """Change the given fields. Orders already placed keep their price and split."""
    product = _managed_product(session, actor, product_id)
    seller = session.get(Seller, product.seller_id)
    assert seller is not None
    if data.currency is not None and data.price_minor is None:
        raise ServiceError(ErrorCode.REQUIRED, field="price")
    if data.stock is not None:
        raise ServiceError(ErrorCode.INVALID, field="stock")
    _apply_product(session, actor, instance, product, seller, data)
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    if data.stock_adjustment:
        # A relative, guarded change: an order reserving units at the same moment is
        # never overwritten (an absolute "we now have N" would lose it and oversell).
        delta = data.stock_adjustment
        changed = session.execute(
            sa.update(Product)
            .where(
                col(Product.id) == product_id,
                col(Product.stock) + delta >= 0,
                col(Product.stock) + delta <= MAX_STOCK,
            )
            .values(stock=col(Product.stock) + delta)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise ServiceError(ErrorCode.OUT_OF_RANGE, field="stockAdjustment")
        session.refresh(product)
    return product


PRODUCT_TEXT = Translatable(
    ProductTranslation,
    "product_id",
    (
        TextField("name", "name", NAME_LIMIT),
        TextField("description", "description", DESCRIPTION_LIMIT),
    ),
)


def set_translation(
    session: Session,
    *,
    actor: Principal,
    product_id: int,
    locale: str,
    locales: Sequence[str],
    name: str | None,
    description: str | None,
) -> Product:
    """Add or replace the product's text in one locale (an instance locale other than the
    product's own); a null name removes it."""
    product = _managed_product(session, actor, product_id)
    if name is not None:
        # A translation names the product: a blank name is a mistake, not a removal.
        clean_text(name, field="name", limit=NAME_LIMIT)
    translations.set_translation(
        session,
        PRODUCT_TEXT,
        original=product,
        locale=locale,
        locales=locales,
        values={"name": name, "description": description if name is not None else None},
    )
    return product


def archive_product(session: Session, *, actor: Principal, product_id: int) -> Product:
    """Take a product off sale; orders already placed go on."""
    product = _managed_product(session, actor, product_id)
    product.status = ProductStatus.ARCHIVED
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    return product


# --- Placing orders --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineInput:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class OrderInput:
    lines: Sequence[OrderLineInput]
    shipping_address: str
    provider: str
    idempotency_key: str


@dataclass(frozen=True)
class Placed:
    order: Order
    payment: Payment


def _fingerprint(data: OrderInput) -> dict[str, object]:
    return {
        "lines": [[line.product_id, line.quantity] for line in data.lines],
        "shippingAddress": data.shipping_address.strip(),
        "provider": data.provider,
    }


def _validate_order(
    session: Session, settings: Settings, data: OrderInput
) -> tuple[dict[int, Product], str]:
    errors: list[ServiceError] = []
    address = ""
    try:
        address = clean_text(data.shipping_address, field="shippingAddress", limit=ADDRESS_LIMIT)
    except ServiceError as error:
        errors.append(error)
    try:
        if not get_provider(data.provider).is_available(settings):
            errors.append(ServiceError(ErrorCode.INVALID, field="provider"))
    except UnknownProvider:
        errors.append(ServiceError(ErrorCode.INVALID, field="provider"))
    ids = [line.product_id for line in data.lines]
    if not data.lines:
        errors.append(ServiceError(ErrorCode.REQUIRED, field="lines"))
    elif len(data.lines) > MAX_LINES or len(set(ids)) != len(ids):
        # One line per product: say the quantity once.
        errors.append(ServiceError(ErrorCode.INVALID, field="lines"))
    if any(not 1 <= line.quantity <= MAX_QUANTITY for line in data.lines):
        errors.append(ServiceError(ErrorCode.OUT_OF_RANGE, field="lines"))
    products = {
        p.id: p
        for p in session.exec(
            select(Product).where(col(Product.id).in_(ids)).where(public_products_condition())
        ).all()
        if p.id is not None
    }
    if data.lines and len(products) != len(set(ids)):
        errors.append(ServiceError(ErrorCode.NOT_FOUND, field="lines"))
    elif products:
        if len({p.seller_id for p in products.values()}) > 1:
            # One order per seller: each ships and is paid out on its own.
            errors.append(ServiceError(ErrorCode.INVALID, field="lines"))
        currencies = {p.currency for p in products.values()}
        if len(currencies) > 1:
            errors.append(
                ServiceError(
                    ErrorCode.CURRENCY_MISMATCH, field="lines", currency=sorted(currencies)[0]
                )
            )
    if errors:
        raise ServiceErrors(errors)
    return products, address


def place_order(
    session: Session, *, actor: Principal, settings: Settings, data: OrderInput
) -> Placed:
    """Reserve the stock of every line and create the payment the order waits for.
    Not enough stock for any line is OUT_OF_STOCK and nothing is taken."""
    if actor.account_id is None:
        raise ServiceError(ErrorCode.UNAUTHENTICATED)
    claim = claim_key(
        session,
        operation="orderPlace",
        actor=actor,
        key=data.idempotency_key,
        payload=_fingerprint(data),
    )
    if claim.replay_id is not None:
        order = session.get(Order, claim.replay_id)
        assert order is not None
        payment = session.get(Payment, order.payment_id)
        assert payment is not None
        return Placed(order, payment)
    products, address = _validate_order(session, settings, data)
    rate = fee_bps(settings)
    quantities = {line.product_id: line.quantity for line in data.lines}
    for product_id in sorted(quantities):
        taken = session.execute(
            sa.update(Product)
            .where(
                col(Product.id) == product_id,
                col(Product.stock) >= quantities[product_id],
                col(Product.status) == ProductStatus.ACTIVE,
            )
            .values(stock=col(Product.stock) - quantities[product_id])
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise ServiceError(ErrorCode.OUT_OF_STOCK, field="lines")
    first = products[data.lines[0].product_id]
    total = sum(products[pid].price_minor * q for pid, q in quantities.items())
    check_amount(total, field="lines")
    payment = payments.create_payment(
        session,
        provider=data.provider,
        purpose=PURPOSE,
        amount_minor=total,
        currency=first.currency,
    )
    assert payment.id is not None
    order = Order(
        buyer_account_id=actor.account_id,
        seller_id=first.seller_id,
        currency=first.currency,
        total_minor=total,
        fee_bps=rate,
        shipping_address=address,
        provider=data.provider,
        payment_id=payment.id,
        status=OrderStatus.PLACED,
        created_at=utcnow(),
    )
    session.add(order)
    session.flush()
    assert order.id is not None
    for line in data.lines:
        product = products[line.product_id]
        line_total = product.price_minor * line.quantity
        parts = split(line_total, producer_bps=product.producer_share_bps, fee_rate_bps=rate)
        session.add(
            OrderLine(
                order_id=order.id,
                product_id=line.product_id,
                quantity=line.quantity,
                unit_price_minor=product.price_minor,
                total_minor=line_total,
                producer_share_minor=parts.producer_minor,
                fee_minor=parts.fee_minor,
                seller_minor=parts.seller_minor,
                producer_household_id=product.producer_household_id,
                producer_region_id=product.producer_region_id,
                origin_region_path=product.origin_region_path,
            )
        )
    session.flush()
    claim.complete(session, result_id=order.id)
    return Placed(order, payment)


# --- Moving through the lifecycle ------------------------------------------------------------


def _move(
    session: Session,
    order: Order,
    source: Sequence[OrderStatus],
    target: OrderStatus,
    **values: object,
) -> None:
    """A guarded status change: of two concurrent calls, only one finds the source state."""
    changed = session.execute(
        sa.update(Order)
        .where(col(Order.id) == order.id, col(Order.status).in_([s.value for s in source]))
        .values(status=target, **values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(ErrorCode.INVALID_STATE, field="order")
    session.refresh(order)


def _order_of(session: Session, payment: Payment) -> Order:
    return session.exec(select(Order).where(Order.payment_id == payment.id)).one()


def _paid(session: Session, payment: Payment, actor: Principal) -> None:
    order = _order_of(session, payment)
    assert order.id is not None
    transaction = post_transaction(
        session,
        kind=PAID_KIND,
        reference=f"order:{order.id}",
        lines=[
            debit(cash_account(order.provider), order.total_minor, order.currency),
            credit(escrow_account(order.id), order.total_minor, order.currency),
        ],
        actor_account_id=actor.account_id,
    )
    _move(
        session,
        order,
        [OrderStatus.PLACED],
        OrderStatus.PAID,
        paid_at=utcnow(),
        paid_transaction_id=transaction.id,
    )


def _payment_failed(session: Session, payment: Payment, actor: Principal) -> None:
    order = _order_of(session, payment)
    if order.status == OrderStatus.PLACED:
        _release(session, order, actor)


payments.register_purpose(PURPOSE, on_succeeded=_paid, on_failed=_payment_failed)


def _release(session: Session, order: Order, actor: Principal) -> None:
    """PLACED or PAID -> CANCELLED, and the stock given back."""
    _move(
        session,
        order,
        [OrderStatus.PLACED, OrderStatus.PAID],
        OrderStatus.CANCELLED,
        cancelled_at=utcnow(),
    )
    lines = session.exec(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.product_id))
    ).all()
    for line in lines:
        session.execute(
            sa.update(Product)
            .where(col(Product.id) == line.product_id)
            .values(stock=col(Product.stock) + line.quantity)
        )


def _claimed(
    session: Session, actor: Principal, operation: str, key: str, payload: dict[str, object]
) -> tuple[Order | None, Claim]:
    check_key(key)
    claim = claim_key(session, operation=operation, actor=actor, key=key, payload=payload)
    if claim.replay_id is not None:
        return session.get(Order, claim.replay_id), claim
    return None, claim


def _order_for(session: Session, actor: Principal, order_id: int) -> tuple[Order, bool, bool]:
    """The order, whether the caller is its buyer, and whether they manage its seller
    (admins count as managers). Others learn nothing about it."""
    order = session.get(Order, order_id)
    if order is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="order")
    buyer = actor.account_id is not None and order.buyer_account_id == actor.account_id
    manager = actor.is_admin or is_manager(session, actor, order.seller_id)
    if not buyer and not manager:
        raise ServiceError(ErrorCode.NOT_FOUND, field="order")
    return order, buyer, manager


def reconcile_order(
    session: Session,
    *,
    actor: Principal,
    order_id: int,
    external_reference: str,
    idempotency_key: str,
) -> Order:
    """Record that an offline payment arrived (platform admins and the seller's
    managers): the money is held in the order's escrow account until completion."""
    reference = optional_text(external_reference, field="externalReference", limit=REFERENCE_LIMIT)
    if reference is None:
        raise ServiceError(ErrorCode.REQUIRED, field="externalReference")
    replay, claim = _claimed(
        session,
        actor,
        "orderReconcile",
        idempotency_key,
        {"order": order_id, "externalReference": reference},
    )
    if replay is not None:
        return replay
    order, _buyer, manager = _order_for(session, actor, order_id)
    if not manager:
        raise ServiceError(ErrorCode.FORBIDDEN, field="order")
    if get_provider(order.provider).confirmation != Confirmation.RECONCILIATION:
        raise ServiceError(ErrorCode.INVALID_STATE, field="order")
    if order.status != OrderStatus.PLACED:
        raise ServiceError(ErrorCode.INVALID_STATE, field="order")
    payment = session.get(Payment, order.payment_id)
    assert payment is not None and order.id is not None
    payments.settle(
        session,
        payment=payment,
        outcome=EventOutcome.SUCCEEDED,
        external_reference=reference,
        actor=actor,
    )
    session.refresh(order)
    claim.complete(session, result_id=order.id)
    return order


def ship_order(session: Session, *, actor: Principal, order_id: int) -> Order:
    """PAID -> SHIPPED, by the seller's managers (or an admin)."""
    order, _buyer, manager = _order_for(session, actor, order_id)
    if not manager:
        raise ServiceError(ErrorCode.FORBIDDEN, field="order")
    _move(session, order, [OrderStatus.PAID], OrderStatus.SHIPPED, shipped_at=utcnow())
    return order


def deliver_order(session: Session, *, actor: Principal, order_id: int) -> Order:
    """SHIPPED -> DELIVERED, confirmed by the buyer or the seller."""
    order, _buyer, _manager = _order_for(session, actor, order_id)
    _move(session, order, [OrderStatus.SHIPPED], OrderStatus.DELIVERED, delivered_at=utcnow())
    return order


def complete_order(
    session: Session, *, actor: Principal, order_id: int, idempotency_key: str
) -> Order:
    """DELIVERED -> COMPLETED, by the buyer (or an admin): the held money goes to the
    producers, the seller and the platform, and the sale is counted."""
    replay, claim = _claimed(session, actor, "orderComplete", idempotency_key, {"order": order_id})
    if replay is not None:
        return replay
    order, buyer, _manager = _order_for(session, actor, order_id)
    if not (buyer or actor.is_admin):
        raise ServiceError(ErrorCode.FORBIDDEN, field="order")
    now = utcnow()
    _move(session, order, [OrderStatus.DELIVERED], OrderStatus.COMPLETED, completed_at=now)
    assert order.id is not None
    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    transaction = post_transaction(
        session,
        kind=PAYOUT_KIND,
        reference=f"order:{order.id}",
        lines=payout_lines(order, lines),
        actor_account_id=actor.account_id,
        no_overdraft=[escrow_account(order.id)],
    )
    session.execute(
        sa.update(Order)
        .where(col(Order.id) == order.id)
        .values(payout_transaction_id=transaction.id)
    )
    session.refresh(order)
    count_sale(session, order, lines)
    record_audit(
        session,
        actor=actor,
        action="order.completed",
        subject_type=AUDIT_SUBJECT,
        subject_id=order.id,
        detail={"total": order.total_minor, "currency": order.currency},
    )
    claim.complete(session, result_id=order.id)
    return order


def payout_lines(order: Order, lines: Sequence[OrderLine]) -> list[Line]:
    """Escrow out to producers, the seller and the platform (zero amounts left out)."""
    assert order.id is not None
    owed: dict[str, int] = defaultdict(int)
    for line in lines:
        owed[producer_account(line.producer_household_id, line.producer_region_id)] += (
            line.producer_share_minor
        )
        owed[seller_account(order.seller_id)] += line.seller_minor
        owed[PLATFORM_FEES] += line.fee_minor
    result = [debit(escrow_account(order.id), order.total_minor, order.currency)]
    result += [credit(code, amount, order.currency) for code, amount in owed.items() if amount]
    return result


def cancel_order(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    order_id: int,
    reason: str | None,
    idempotency_key: str,
) -> Order:
    """Cancel a PLACED or PAID order (its buyer, the seller's managers or an admin):
    stock restored; a paid order is refunded by reversing its payment entry."""
    memo = optional_text(reason, field="reason", limit=ADDRESS_LIMIT)
    replay, claim = _claimed(
        session, actor, "orderCancel", idempotency_key, {"order": order_id, "reason": memo or ""}
    )
    if replay is not None:
        return replay
    order, _buyer, _manager = _order_for(session, actor, order_id)
    assert order.id is not None
    payment = session.get(Payment, order.payment_id)
    assert payment is not None
    was_paid = order.status == OrderStatus.PAID
    _release(session, order, actor)
    if was_paid:
        assert order.paid_transaction_id is not None
        reversal = reverse_transaction(
            session,
            transaction_id=order.paid_transaction_id,
            kind=REFUND_KIND,
            reference=f"order:{order.id}",
            actor_account_id=actor.account_id,
            memo=memo,
            no_overdraft=[escrow_account(order.id)],
        )
        session.execute(
            sa.update(Order)
            .where(col(Order.id) == order.id)
            .values(refund_transaction_id=reversal.id)
        )
        session.refresh(order)
        payments.mark_refunded(session, payment=payment)
        get_provider(order.provider).refund(payment, settings)
    else:
        # The payment is no longer expected; a late gateway success is then refused.
        payments.settle(
            session,
            payment=payment,
            outcome=EventOutcome.FAILED,
            external_reference=None,
            actor=actor,
        )
    record_audit(
        session,
        actor=actor,
        action="order.cancelled",
        subject_type=AUDIT_SUBJECT,
        subject_id=order.id,
        detail={"refunded": was_paid},
    )
    claim.complete(session, result_id=order.id)
    return order


# --- Statistics ------------------------------------------------------------------------------


def count_sale(session: Session, order: Order, lines: Sequence[OrderLine]) -> None:
    """Sales by origin region and month, the completed order in the seller's region, and
    each producing household's first completed sale."""
    assert order.completed_at is not None and order.id is not None
    seller = session.get(Seller, order.seller_id)
    assert seller is not None
    month = metrics.month_bucket(order.completed_at)
    for line in lines:
        bump(
            session, line.origin_region_path, metrics.sales_metric(order.currency), line.total_minor
        )
        bump(
            session,
            line.origin_region_path,
            metrics.sales_by_month_metric(order.currency),
            line.total_minor,
            bucket=month,
        )
    bump(session, seller.region_path, metrics.ORDERS_COMPLETED, 1)
    households = sorted(
        {line.producer_household_id for line in lines if line.producer_household_id is not None}
    )
    if not households:
        return
    table = HouseholdSale.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    for household_id in households:
        first = session.execute(
            insert.values(
                household_id=household_id,
                first_order_id=order.id,
                first_completed_at=order.completed_at,
            )
            .on_conflict_do_nothing(index_elements=["household_id"])
            .returning(table.c.household_id)
        ).first()
        if first is not None:
            path = session.execute(
                sa.select(Region.path)  # type: ignore[call-overload]
                .join(Household, col(Household.region_id) == Region.id)
                .where(col(Household.id) == household_id)
            ).scalar_one()
            bump(session, path, metrics.EBIZ_HOUSEHOLDS, 1)


# --- Reading: mall figures and a household's earnings ----------------------------------------


@dataclass(frozen=True)
class MonthSales:
    month: str  # "YYYY-MM"
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class MallFigures:
    sales: dict[str, int]  # currency -> minor units
    monthly: list[MonthSales]  # oldest first
    orders_completed: int
    households_with_ebusiness_income: int


def read_mall_figures(session: Session, *, scope_id: int = INSTANCE_SCOPE) -> MallFigures:
    """Every mall counter of one scope (a region, or the instance) in one statement."""
    table = RegionStat.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(table.c.metric, table.c.bucket, table.c.value).where(
            table.c.scope_id == scope_id, table.c.metric.startswith(metrics.PREFIX)
        )
    ).all()
    sales: dict[str, int] = defaultdict(int)
    monthly: list[MonthSales] = []
    counts: dict[str, int] = defaultdict(int)
    for metric, bucket, value in sorted(rows, key=lambda r: (r[1], r[0])):
        if metric.startswith(metrics.SALES_BY_MONTH):
            if value:
                currency = metric.removeprefix(metrics.SALES_BY_MONTH)
                monthly.append(MonthSales(bucket_label(bucket), currency, int(value)))
        elif metric.startswith(metrics.SALES):
            sales[metric.removeprefix(metrics.SALES)] += int(value)
        else:
            counts[metric] += int(value)
    return MallFigures(
        sales={currency: value for currency, value in sorted(sales.items()) if value},
        monthly=monthly,
        orders_completed=counts[metrics.ORDERS_COMPLETED],
        households_with_ebusiness_income=counts[metrics.EBIZ_HOUSEHOLDS],
    )


def earnings_household(
    session: Session, actor: Principal, household_id: int | None
) -> tuple[Household, str]:
    """The household whose mall earnings the caller may read, with its region path: its
    own representative's (the default), or one a caseworker covers (admins: any). A
    household the caller cannot see is NOT_FOUND; one they see but may not read the
    income of is FORBIDDEN, as for the household's other personal fields."""
    if household_id is None:
        if actor.household_id is None:
            raise ServiceError(ErrorCode.REQUIRED, field="household")
        household_id = actor.household_id
    found = session.exec(
        select(Household, Region.path)
        .join(Region, col(Region.id) == Household.region_id)
        .where(col(Household.id) == household_id)
        .where(visible_households_condition(actor))
    ).first()
    if found is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="household")
    household, path = found
    if actor.household_id != household.id and not actor.covers_region(path):
        raise ServiceError(
            ErrorCode.FORBIDDEN if actor.is_authenticated else ErrorCode.UNAUTHENTICATED,
            field="household",
        )
    return household, path


def producer_sales_condition(household_id: int) -> sa.ColumnElement[bool]:
    """Order lines whose producer share reached the household: of completed orders."""
    return sa.and_(
        col(OrderLine.producer_household_id) == household_id,
        col(OrderLine.order_id).in_(
            sa.select(Order.id).where(col(Order.status) == OrderStatus.COMPLETED)  # type: ignore[call-overload]
        ),
    )


def producer_earned(session: Session, household_id: int) -> dict[str, int]:
    """The producer share of the household's completed sales, per currency (one
    statement); the same money `mall_producer:household:<id>` received in the ledger."""
    rows = session.execute(
        sa.select(Order.currency, sa.func.sum(OrderLine.producer_share_minor))  # type: ignore[call-overload]
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(producer_sales_condition(household_id))
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return {currency: int(total) for currency, total in rows if total}
