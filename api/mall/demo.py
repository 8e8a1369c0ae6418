"""Demo mall: a few verified sellers, about 30 products in English and Simplified Chinese
(a handful in French too), and orders in every state, written through the mall's own
services so stock, ledger entries and statistics agree with each other.

Needs the rest of the demo first (regions, verified households, a platform admin; the
first HELPER account buys, else the admin). Statistics are bumped as orders complete, so
call this after `rebuild_stats` (which rebuilds only the counters it knows). The choice
of products, prices, quantities and states follows `rng`; timestamps are the real time
of the run and payment references are random, as the services make them."""

from __future__ import annotations

import random
import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.accounts.models import Account
from api.core.auth import Principal
from api.core.errors import ServiceError, ServiceErrors
from api.core.roles import Role
from api.core.settings import Instance, Settings
from api.core.translations import digest_of
from api.core.validation import minor_unit_digits
from api.households.models import Household, VerificationStatus
from api.mall import service
from api.mall.models import ProductTranslation, Seller, SellerKind
from api.media.demo import demo_pictures
from api.regions.models import Region

# (English name, Chinese name, English description, Chinese description, unit, price)
PRODUCTS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("Hill honey", "山蜜", "Wild honey from the hills.", "来自山区的野生蜂蜜。", "500 g jar", 48),
    ("Green tea", "绿茶", "Spring-picked green tea.", "春季采摘的绿茶。", "250 g tin", 66),
    ("Kiwi fruit", "猕猴桃", "Sweet red-heart kiwis.", "香甜的红心猕猴桃。", "2.5 kg box", 59),
    ("Dried shiitake", "干香菇", "Sun-dried shiitake mushrooms.", "日晒干香菇。", "500 g bag", 45),
    ("Black fungus", "黑木耳", "Mountain wood ear fungus.", "高山黑木耳。", "250 g bag", 38),
    ("Millet", "小米", "Yellow millet from terraced fields.", "梯田黄小米。", "2.5 kg bag", 35),
    ("Buckwheat noodles", "荞麦面", "Hand-made buckwheat noodles.", "手工荞麦面。", "1 kg", 29),
    ("Walnuts", "核桃", "Thin-shelled walnuts.", "薄皮核桃。", "1 kg bag", 42),
    ("Red dates", "红枣", "Large dried jujubes.", "大颗干红枣。", "1 kg bag", 39),
    ("Goji berries", "枸杞", "Sun-dried goji berries.", "日晒枸杞。", "500 g bag", 55),
    ("Rapeseed oil", "菜籽油", "Cold-pressed rapeseed oil.", "冷榨菜籽油。", "5 l", 128),
    ("Smoked pork", "腊肉", "Traditional smoked pork.", "传统烟熏腊肉。", "1 kg", 98),
    ("Free-range eggs", "土鸡蛋", "Eggs from free-range hens.", "散养土鸡蛋。", "30 eggs", 45),
    ("Sweet potatoes", "红薯", "Sandy-soil sweet potatoes.", "沙地红薯。", "5 kg box", 32),
    ("Purple rice", "紫米", "Fragrant purple rice.", "香紫米。", "2 kg bag", 46),
    ("Chestnuts", "板栗", "Roasting chestnuts.", "可炒制的板栗。", "1 kg bag", 36),
    ("Pepper flakes", "辣椒面", "Hot chili flakes.", "香辣辣椒面。", "250 g jar", 18),
    ("Sichuan pepper", "花椒", "Numbing Sichuan pepper.", "麻香花椒。", "100 g bag", 25),
    ("Potato starch noodles", "粉条", "Glass noodles.", "土豆粉条。", "1 kg bag", 27),
    ("Dried bamboo shoots", "笋干", "Dried spring bamboo shoots.", "春笋干。", "500 g bag", 52),
    ("Mountain yam", "山药", "Iron-stick yam.", "铁棍山药。", "2.5 kg box", 49),
    ("Brown sugar", "红糖", "Hand-boiled brown sugar.", "手工熬制红糖。", "500 g", 22),
    ("Apples", "苹果", "Crisp highland apples.", "高原脆苹果。", "5 kg box", 58),
    ("Navel oranges", "脐橙", "Juicy navel oranges.", "多汁脐橙。", "5 kg box", 62),
    ("Embroidered bag", "刺绣包", "Hand-embroidered cloth bag.", "手工刺绣布包。", "1 piece", 168),
    ("Bamboo basket", "竹篮", "Woven bamboo basket.", "手工编织竹篮。", "1 piece", 75),
    ("Yak jerky", "牦牛肉干", "Air-dried yak jerky.", "风干牦牛肉干。", "250 g", 88),
    ("Highland barley", "青稞", "Roasted highland barley flour.", "炒青稞面。", "1 kg bag", 33),
    ("Mushroom sauce", "香菇酱", "Shiitake chili sauce.", "香菇辣酱。", "2 jars", 39),
    ("Wild kiwi jam", "猕猴桃酱", "Jam of wild kiwis.", "野生猕猴桃果酱。", "300 g jar", 28),
)

# French for a handful of products (by index in PRODUCTS), so the catalogue shows a third
# language: (name, description).
FRENCH: dict[int, tuple[str, str]] = {
    0: ("Miel des collines", "Miel sauvage des collines."),
    1: ("Thé vert", "Thé vert cueilli au printemps."),
    5: ("Millet", "Millet jaune des champs en terrasses."),
    7: ("Noix", "Noix à coque fine."),
    22: ("Pommes", "Pommes croquantes des hauts plateaux."),
}

# The life each demo order is taken through, in turn.
ORDER_PLANS = (
    "PLACED",
    "PAID",
    "SHIPPED",
    "DELIVERED",
    "COMPLETED",
    "COMPLETED",
    "COMPLETED",
    "CANCELLED",
    "REFUNDED",
    "COMPLETED",
    "PAID",
    "COMPLETED",
)


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _principal(account: Account) -> Principal:
    return Principal(account_id=account.id, role=Role(account.role))


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    """Write the demo mall in the caller's transaction (the caller commits)."""
    del today  # the services stamp the real time; kept for the common demo signature
    admin_row = session.exec(
        select(Account).where(Account.role == Role.PLATFORM_ADMIN).order_by(col(Account.id))
    ).first()
    if admin_row is None:
        return
    admin = _principal(admin_row)
    buyer_row = session.exec(
        select(Account).where(Account.role == Role.HELPER).order_by(col(Account.id))
    ).first()
    buyer = _principal(buyer_row) if buyer_row else admin
    households = list(
        session.exec(
            select(Household)
            .where(Household.verification_status == VerificationStatus.VERIFIED)
            .order_by(col(Household.id))
            .limit(6)
        ).all()
    )
    deepest = session.execute(sa.select(sa.func.max(Region.level))).scalar_one_or_none()
    villages = list(
        session.exec(
            select(Region).where(Region.level == deepest).order_by(col(Region.id)).limit(4)
        ).all()
    )
    if not households or not villages:
        return
    settings = Settings(
        database_url="", secret_key="", environment="development", instance=instance
    )
    currency = instance.default_currency
    scale = 10 ** minor_unit_digits(currency)

    def register(kind: SellerKind, name: str, **where: int | None) -> Seller:
        seller = service.register_seller(
            session,
            actor=admin,
            data=service.SellerInput(
                kind=kind,
                display_name=name,
                region_id=where.get("region_id"),
                household_id=where.get("household_id"),
                producer_share_bps=rng.choice((7_000, 8_000, 9_000, 10_000)),
            ),
        )
        assert seller.id is not None
        return service.verify_seller(session, actor=admin, seller_id=seller.id, approve=True)

    sellers = [
        register(SellerKind.HOUSEHOLD, "Family farm", household_id=households[0].id),
        register(SellerKind.VILLAGE, "Village collective", region_id=villages[0].id),
        register(SellerKind.COOPERATIVE, "Mountain produce cooperative", region_id=villages[-1].id),
        register(SellerKind.ENTERPRISE, "Poverty-alleviation e-shop", region_id=villages[0].id),
    ]
    pictures = demo_pictures(session, actor=admin)
    products: dict[int, list[int]] = {}
    french: list[dict[str, object]] = []
    for index, (en, zh, en_text, zh_text, unit, price) in enumerate(PRODUCTS):
        seller = sellers[index % len(sellers)]
        assert seller.id is not None
        producer = rng.choice(households)
        chinese_first = rng.random() < 0.5
        product = service.create_product(
            session,
            actor=admin,
            instance=instance,
            seller_id=seller.id,
            data=service.ProductInput(
                name=zh if chinese_first else en,
                description=zh_text if chinese_first else en_text,
                source_language="zh_Hans" if chinese_first else "en",
                price_minor=price * scale + rng.choice((0, 50, 90)) * scale // 100,
                currency=currency,
                unit=unit,
                stock=rng.randint(0, 3) and rng.randint(5, 200),
                origin_region_id=rng.choice(villages).id,
                producer_household_id=(
                    producer.id
                    if seller.kind in (SellerKind.COOPERATIVE, SellerKind.ENTERPRISE)
                    else None
                ),
                images=[pictures[index % len(pictures)].key],
            ),
        )
        assert product.id is not None
        service.set_translation(
            session,
            actor=admin,
            product_id=product.id,
            locale="en" if chinese_first else "zh_Hans",
            # The demo catalogue is written in these two, whatever the instance's locales.
            locales=("en", "zh_Hans"),
            name=en if chinese_first else zh,
            description=en_text if chinese_first else zh_text,
        )
        if index in FRENCH and "fr" in instance.locales:
            name, description = FRENCH[index]
            french.append(
                {
                    "product_id": product.id,
                    "locale": "fr",
                    "name": name,
                    "description": description,
                    "source_digest": digest_of(service.PRODUCT_TEXT, product),
                    "updated_at": product.created_at,
                }
            )
        if product.stock > 0:
            products.setdefault(seller.id, []).append(product.id)
    if french:
        session.execute(sa.insert(ProductTranslation.__table__), french)  # type: ignore[attr-defined]
    sellers_with_stock = sorted(products)
    for number, plan in enumerate(ORDER_PLANS):
        seller_id = sellers_with_stock[number % len(sellers_with_stock)]
        chosen = rng.sample(products[seller_id], k=min(len(products[seller_id]), rng.randint(1, 2)))
        try:
            # A savepoint per order: a refused one leaves nothing behind.
            with session.begin_nested():
                placed = service.place_order(
                    session,
                    actor=buyer,
                    settings=settings,
                    data=service.OrderInput(
                        lines=[service.OrderLineInput(pid, rng.randint(1, 3)) for pid in chosen],
                        shipping_address=f"{number + 1} Demo Road",
                        provider="offline",
                        idempotency_key=_key(rng),
                    ),
                )
        except (ServiceError, ServiceErrors):
            continue  # sold out by an earlier demo order
        order_id = placed.order.id
        assert order_id is not None
        _advance(session, rng, settings, admin, buyer, order_id, plan)


def _advance(
    session: Session,
    rng: random.Random,
    settings: Settings,
    admin: Principal,
    buyer: Principal,
    order_id: int,
    plan: str,
) -> None:
    if plan == "PLACED":
        return
    if plan == "CANCELLED":
        service.cancel_order(
            session,
            actor=buyer,
            settings=settings,
            order_id=order_id,
            reason=None,
            idempotency_key=_key(rng),
        )
        return
    service.reconcile_order(
        session,
        actor=admin,
        order_id=order_id,
        external_reference=f"DEMO-BANK-{order_id:05d}",
        idempotency_key=_key(rng),
    )
    if plan == "REFUNDED":
        service.cancel_order(
            session,
            actor=admin,
            settings=settings,
            order_id=order_id,
            reason="Out of season",
            idempotency_key=_key(rng),
        )
        return
    steps = ("PAID", "SHIPPED", "DELIVERED", "COMPLETED")
    if steps.index(plan) >= 1:
        service.ship_order(session, actor=admin, order_id=order_id)
    if steps.index(plan) >= 2:
        service.deliver_order(session, actor=buyer, order_id=order_id)
    if steps.index(plan) >= 3:
        service.complete_order(session, actor=buyer, order_id=order_id, idempotency_key=_key(rng))
