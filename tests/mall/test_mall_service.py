"""The mall's rules through its services: the lifecycle and its money, stock under
concurrent buyers, idempotency keys, the producer share, statistics and permissions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session

from api.core.db import unit_of_work
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.graphql.translations import localize
from api.mall import metrics, service
from api.mall.models import HouseholdSale, Order, OrderStatus, SellerKind
from api.payments import service as payments
from api.payments.base import EventOutcome
from api.payments.models import Payment, PaymentStatus
from tests.help_requests.factories import stat
from tests.mall import factories as m


def codes(error: ServiceError | ServiceErrors) -> list[tuple[str | None, ErrorCode]]:
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    return [(e.field, e.code) for e in errors]


@pytest.mark.parametrize(
    ("total", "producer_bps", "fee_bps", "expected"),
    [
        (1_999, 8_000, 500, (1_599, 99, 301)),  # 1599.2 and 99.95 round down
        (3, 3_333, 3_333, (0, 0, 3)),
        (100, 10_000, 500, (100, 0, 0)),  # the producer first; the fee is capped
        (100, 9_800, 500, (98, 2, 0)),
        (1, 0, 0, (0, 0, 1)),
    ],
)
def test_the_split_is_integer_and_adds_up(total, producer_bps, fee_bps, expected):
    parts = service.split(total, producer_bps=producer_bps, fee_rate_bps=fee_bps)
    assert (parts.producer_minor, parts.fee_minor, parts.seller_minor) == expected
    assert sum(expected) == total


def test_localized_text_falls_back_to_the_original_with_its_language():
    translations = {"en": "Hill honey", "fr": None}
    assert localize("山蜜", "zh_Hans", translations, "en").text == "Hill honey"
    chinese = localize("山蜜", "zh_Hans", translations, "zh_Hans")
    assert (chinese.text, chinese.language, chinese.is_translation) == ("山蜜", "zh_Hans", False)
    french = localize("山蜜", "zh_Hans", translations, "fr")
    assert (french.text, french.language, french.is_translation) == ("山蜜", "zh_Hans", False)
    english = localize("山蜜", "zh_Hans", translations, "en_GB")
    assert (english.language, english.is_translation) == ("en", True)


def test_a_sale_from_placement_to_completion_pays_the_producer_share(world):
    settings = m.with_fee(world.settings, 500)
    seller_id = m.seller(world)
    honey = m.product(world, seller_id)  # 19.99 CNY, producer 80 %

    order_id = m.place(world, {honey: 3}, settings=settings)

    assert m.stock(world, honey) == 7
    assert m.order_row(world, order_id).status == OrderStatus.PLACED
    m.pay(world, order_id)
    paid = m.order_row(world, order_id)
    assert paid.status == OrderStatus.PAID and paid.total_minor == 5_997
    assert m.balance(world, service.escrow_account(order_id)) == 5_997
    assert m.balance(world, "cash:offline") == 5_997

    done = m.complete(world, order_id)

    assert done.status == OrderStatus.COMPLETED and done.completed_at is not None
    # 5997 * 0.8 = 4797.6 -> 4797; fee 5997 * 0.05 = 299.85 -> 299; seller the rest.
    assert m.balance(world, service.escrow_account(order_id)) == 0
    assert m.balance(world, service.producer_account(world.household, None)) == 4_797
    assert m.balance(world, service.PLATFORM_FEES) == 299
    assert m.balance(world, service.seller_account(seller_id)) == 901
    village, county = world.regions["P1-A-C1-T-V"].id, world.regions["P1-A-C1"].id
    for scope in (0, county, village):
        assert stat(world.engine, metrics.sales_metric("CNY"), scope_id=scope) == 5_997
        assert stat(world.engine, metrics.ORDERS_COMPLETED, scope_id=scope) == 1
        assert stat(world.engine, metrics.EBIZ_HOUSEHOLDS, scope_id=scope) == 1
    month = metrics.month_bucket(done.completed_at)
    assert stat(world.engine, metrics.sales_by_month_metric("CNY"), bucket=month) == 5_997
    assert stat(world.engine, metrics.sales_metric("CNY"), scope_id=world.regions["P2"].id) == 0

    # A second completed sale of the same household does not count it again.
    again = m.place(world, {honey: 1}, settings=settings)
    m.pay(world, again)
    m.complete(world, again)
    assert stat(world.engine, metrics.EBIZ_HOUSEHOLDS) == 1
    assert stat(world.engine, metrics.ORDERS_COMPLETED) == 2
    assert m.count(world, HouseholdSale) == 1


def test_a_village_seller_pays_the_share_to_the_village(world):
    village = world.regions["P1-A-C2-T-V"]
    seller_id = m.seller(
        world,
        manager=world.helper,
        kind=SellerKind.VILLAGE,
        household_id=None,
        region_id=village.id,
        display_name="Upper village collective",
    )
    tea = m.product(
        world,
        seller_id,
        manager=world.helper,
        producer_share_bps=10_000,
        origin_region_id=village.id,
    )
    order_id = m.place(world, {tea: 1}, buyer=world.other_helper)
    m.pay(world, order_id)
    m.complete(world, order_id, buyer=world.other_helper, shipper=world.helper)
    assert m.balance(world, service.producer_account(None, village.id)) == 1_999
    assert stat(world.engine, metrics.EBIZ_HOUSEHOLDS) == 0


def test_cancelling_a_paid_order_restores_stock_and_refunds(world):
    honey = m.product(world, m.seller(world))
    order_id = m.place(world, {honey: 4})
    m.pay(world, order_id)

    with unit_of_work(world.engine) as session:
        cancelled = service.cancel_order(
            session,
            actor=world.principal(world.helper),
            settings=world.settings,
            order_id=order_id,
            reason="Changed my mind",
            idempotency_key=m.key(),
        )

    assert cancelled.status == OrderStatus.CANCELLED
    assert cancelled.refund_transaction_id is not None
    assert m.stock(world, honey) == 10
    assert m.balance(world, service.escrow_account(order_id)) == 0
    assert m.balance(world, "cash:offline") == 0
    assert m.count(world, Payment, Payment.status == PaymentStatus.REFUNDED) == 1


def test_cancelling_a_placed_order_restores_stock_and_drops_the_payment(world):
    honey = m.product(world, m.seller(world))
    order_id = m.place(world, {honey: 4})
    with unit_of_work(world.engine) as session:
        service.cancel_order(
            session,
            actor=world.principal(world.rep),
            settings=world.settings,
            order_id=order_id,
            reason=None,
            idempotency_key=m.key(),
        )
    assert m.stock(world, honey) == 10
    assert m.count(world, Payment, Payment.status == PaymentStatus.FAILED) == 1
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.reconcile_order(
            session,
            actor=world.principal(world.admin),
            order_id=order_id,
            external_reference="late",
            idempotency_key=m.key(),
        )
    assert codes(caught.value) == [("order", ErrorCode.INVALID_STATE)]


def test_a_gateway_payment_and_a_gateway_failure(world):
    honey = m.product(world, m.seller(world))
    paid_id = m.place(world, {honey: 1})
    failed_id = m.place(world, {honey: 2})
    with unit_of_work(world.engine) as session:
        for order_id, outcome in (
            (paid_id, EventOutcome.SUCCEEDED),
            (failed_id, EventOutcome.FAILED),
        ):
            order = session.get(Order, order_id)
            payment = session.get(Payment, order.payment_id)
            payments.settle(
                session,
                payment=payment,
                outcome=outcome,
                external_reference="ch_1",
                actor=world.principal(world.admin),
            )
    assert m.order_row(world, paid_id).status == OrderStatus.PAID
    assert m.order_row(world, failed_id).status == OrderStatus.CANCELLED
    assert m.stock(world, honey) == 9


def test_an_order_never_takes_more_than_the_stock_and_takes_nothing_on_failure(world):
    seller_id = m.seller(world)
    honey = m.product(world, seller_id, stock=5)
    tea = m.product(world, seller_id, name="Tea", stock=1)
    with pytest.raises(ServiceError) as caught:
        m.place(world, {honey: 2, tea: 2})
    assert codes(caught.value) == [("lines", ErrorCode.OUT_OF_STOCK)]
    assert (m.stock(world, honey), m.stock(world, tea)) == (5, 1)
    assert m.count(world, Order) == m.count(world, Payment) == 0


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ({}, [("lines", ErrorCode.REQUIRED)]),
        ("zero", [("lines", ErrorCode.OUT_OF_RANGE)]),
        ("unknown", [("lines", ErrorCode.NOT_FOUND)]),
        ("two sellers", [("lines", ErrorCode.INVALID)]),
        ("archived", [("lines", ErrorCode.NOT_FOUND)]),
        ("unverified", [("lines", ErrorCode.NOT_FOUND)]),
    ],
)
def test_orders_refuse_bad_lines(world, lines, expected):
    honey = m.product(world, m.seller(world))
    other_seller = m.seller(
        world,
        manager=world.other_helper,
        kind=SellerKind.ENTERPRISE,
        household_id=None,
        region_id=world.regions["P1"].id,
    )
    pending = m.seller(
        world,
        manager=world.other_helper,
        kind=SellerKind.COOPERATIVE,
        household_id=None,
        region_id=world.regions["P1"].id,
        verified=False,
    )
    other = m.product(
        world, other_seller, manager=world.other_helper, producer_household_id=world.other_household
    )
    hidden = m.product(
        world, pending, manager=world.other_helper, producer_household_id=world.other_household
    )
    if lines == "archived":
        with unit_of_work(world.engine) as session:
            service.archive_product(session, actor=world.principal(world.rep), product_id=honey)
    chosen = (
        {
            "zero": {honey: 0},
            "unknown": {honey: 1, 999_999: 1},
            "two sellers": {honey: 1, other: 1},
            "archived": {honey: 1},
            "unverified": {hidden: 1},
        }.get(lines, lines)
        if isinstance(lines, str)
        else lines
    )
    with pytest.raises(ServiceErrors) as caught:
        m.place(world, chosen)
    assert codes(caught.value) == expected


def test_idempotency_keys_replay_refuse_other_input_and_allow_one_of_many(world):
    honey = m.product(world, m.seller(world))
    first = m.place(world, {honey: 2}, idempotency_key="k-1")
    assert m.place(world, {honey: 2}, idempotency_key="k-1") == first
    with pytest.raises(ServiceError) as caught:
        m.place(world, {honey: 3}, idempotency_key="k-1")
    assert codes(caught.value) == [("idempotencyKey", ErrorCode.IDEMPOTENCY_KEY_REUSED)]
    assert m.stock(world, honey) == 8

    barrier = threading.Barrier(8)

    def same_key(_: int) -> int:
        barrier.wait()
        return m.place(world, {honey: 1}, idempotency_key="k-2")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(same_key, range(8)))
    assert len(set(results)) == 1
    assert m.stock(world, honey) == 7
    assert m.count(world, Order) == 2


def test_many_concurrent_buyers_never_take_more_than_the_stock(world):
    honey = m.product(world, m.seller(world), stock=7)
    barrier = threading.Barrier(20)

    def buy(_: int) -> str:
        barrier.wait()
        try:
            m.place(world, {honey: 1})
        except ServiceError as error:
            return error.code.name
        return "OK"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(buy, range(20)))

    assert results.count("OK") == 7
    assert results.count("OUT_OF_STOCK") == 13
    assert m.stock(world, honey) == 0
    assert m.count(world, Order) == 7


def test_completion_and_cancellation_replay_by_key(world):
    honey = m.product(world, m.seller(world))
    order_id = m.place(world, {honey: 1})
    m.pay(world, order_id)
    with unit_of_work(world.engine) as session:
        service.ship_order(session, actor=world.principal(world.rep), order_id=order_id)
        service.deliver_order(session, actor=world.principal(world.rep), order_id=order_id)
    for _ in range(2):
        with unit_of_work(world.engine) as session:
            done = service.complete_order(
                session,
                actor=world.principal(world.helper),
                order_id=order_id,
                idempotency_key="done-1",
            )
        assert done.status == OrderStatus.COMPLETED
    assert stat(world.engine, metrics.ORDERS_COMPLETED) == 1
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.cancel_order(
            session,
            actor=world.principal(world.helper),
            settings=world.settings,
            order_id=order_id,
            reason=None,
            idempotency_key=m.key(),
        )
    assert codes(caught.value) == [("order", ErrorCode.INVALID_STATE)]


def test_who_may_do_what(world):
    seller_id = m.seller(world, verified=False)
    # Only staff covering the region verify; others do not learn a pending seller exists.
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.verify_seller(
            session, actor=world.principal(world.far_caseworker), seller_id=seller_id, approve=True
        )
    assert codes(caught.value) == [("seller", ErrorCode.NOT_FOUND)]
    with unit_of_work(world.engine) as session:
        service.verify_seller(
            session, actor=world.principal(world.caseworker), seller_id=seller_id, approve=True
        )
    with pytest.raises(ServiceError) as caught:
        m.product(world, seller_id, manager=world.helper)
    assert codes(caught.value) == [("seller", ErrorCode.FORBIDDEN)]
    honey = m.product(world, seller_id)
    order_id = m.place(world, {honey: 1})
    m.pay(world, order_id)
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.ship_order(session, actor=world.principal(world.helper), order_id=order_id)
    assert codes(caught.value) == [("order", ErrorCode.FORBIDDEN)]
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.ship_order(session, actor=world.principal(world.other_helper), order_id=order_id)
    assert codes(caught.value) == [("order", ErrorCode.NOT_FOUND)]
    with unit_of_work(world.engine) as session:
        service.ship_order(session, actor=world.principal(world.rep), order_id=order_id)
        service.deliver_order(session, actor=world.principal(world.rep), order_id=order_id)
    with pytest.raises(ServiceError) as caught, unit_of_work(world.engine) as session:
        service.complete_order(
            session, actor=world.principal(world.rep), order_id=order_id, idempotency_key=m.key()
        )
    assert codes(caught.value) == [("order", ErrorCode.FORBIDDEN)]
    # A household seller is registered by its representative or covering staff only.
    with pytest.raises(ServiceErrors) as many:
        m.seller(world, manager=world.helper)
    assert codes(many.value) == [("household", ErrorCode.FORBIDDEN)]
    with Session(world.engine) as session:
        assert session.get(Order, order_id).status == OrderStatus.DELIVERED


def adjust(world, product_id: int, delta: int) -> None:
    with unit_of_work(world.engine) as session:
        service.update_product(
            session,
            actor=world.principal(world.rep),
            instance=world.settings.instance,
            product_id=product_id,
            data=service.ProductInput(stock_adjustment=delta),
        )


def test_a_stock_adjustment_never_loses_concurrent_orders(world):
    """A harvest delivery (+10) lands while 12 buyers race for 5 units: every unit is
    accounted for, and none is sold twice."""
    honey = m.product(world, m.seller(world), stock=5)
    barrier = threading.Barrier(13)

    def buy(_: int) -> str:
        barrier.wait()
        try:
            m.place(world, {honey: 1})
        except ServiceError as error:
            return error.code.name
        return "OK"

    def restock() -> None:
        barrier.wait()
        adjust(world, honey, 10)

    with ThreadPoolExecutor(13) as pool:
        delivery = pool.submit(restock)
        results = list(pool.map(buy, range(12)))
        delivery.result()

    sold = results.count("OK")
    assert 5 <= sold <= 12
    assert m.stock(world, honey) == 5 + 10 - sold
    assert m.count(world, Order) == sold


def test_a_stock_adjustment_below_zero_is_refused_and_changes_nothing(world):
    honey = m.product(world, m.seller(world), stock=3)
    with pytest.raises(ServiceError) as refused:
        adjust(world, honey, -4)
    assert (refused.value.code, refused.value.field) == (ErrorCode.OUT_OF_RANGE, "stockAdjustment")
    assert m.stock(world, honey) == 3
    adjust(world, honey, -3)
    assert m.stock(world, honey) == 0
