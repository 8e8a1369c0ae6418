"""Crash safety: a real server process is SIGKILLed in the middle of a concurrent write load
of donations, mall orders and campaign backings (and their reconciliations), restarted on
the same database, and the books are read straight from the database.

What the clients saw succeed is stored; what was in flight at the kill is either stored
whole or absent, and retrying it with its idempotency key after the restart makes it
stored exactly once; no row is half-written (an order without its lines, a payment
without what it pays for); stock plus ordered quantities is the starting stock; receipt
numbers have no gaps; every ledger transaction balances. On SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from api.core.db import create_db_engine
from api.crowdfunding.models import Backing, BackingStatus, Campaign
from api.donation.models import Donation, DonationStatus
from api.mall.models import Order, OrderLine, OrderStatus, Product
from api.migrations import alembic_config
from api.payments.models import Payment, PaymentStatus
from tests import conftest
from tests.crowdfunding import factories as campaigns
from tests.help_requests import factories as f
from tests.help_requests.factories import World, make_world
from tests.ledger.checks import assert_books_balance
from tests.mall import factories as mall
from tests.serverproc import ServerProcess

THREADS = 6
STOCK = 5_000
PRICES = (1_250, 399)
# The kill comes once this many operations were acknowledged (or after KILL_AFTER_SECONDS).
ACKS_BEFORE_KILL = 60
KILL_AFTER_SECONDS = 10.0

DONATE = """mutation($input: DonationCreateInput!) {
  donationCreate(input: $input) { donation { id } errors { field code } } }"""
RECONCILE_DONATION = """mutation($input: DonationReconcileInput!) {
  donationReconcile(input: $input) { donation { id } errors { field code } } }"""
PLACE = """mutation($input: OrderPlaceInput!) {
  orderPlace(input: $input) { order { id } errors { field code } } }"""
RECONCILE_ORDER = """mutation($input: OrderReconcileInput!) {
  orderReconcile(input: $input) { order { id } errors { field code } } }"""
BACK = """mutation($input: CampaignBackInput!) {
  campaignBack(input: $input) { backing { id } errors { field code } } }"""
RECONCILE_BACKING = """mutation($input: CampaignBackingReconcileInput!) {
  campaignBackingReconcile(input: $input) { backing { id } errors { field code } } }"""

# mutation name -> (document, the payload's object field, what an acknowledgment means)
OPERATIONS = {
    "donationCreate": (DONATE, "donation"),
    "donationReconcile": (RECONCILE_DONATION, "donation"),
    "orderPlace": (PLACE, "order"),
    "orderReconcile": (RECONCILE_ORDER, "order"),
    "campaignBack": (BACK, "backing"),
    "campaignBackingReconcile": (RECONCILE_BACKING, "backing"),
}


@dataclass
class Operation:
    name: str
    variables: dict[str, Any]
    token: str | None


@dataclass
class Load:
    """What the clients saw: acknowledged operations (with the id they got back), those
    in flight when the server died, and any other refusal (which would be a bug)."""

    acked: list[tuple[Operation, int]] = field(default_factory=list)
    in_flight: list[Operation] = field(default_factory=list)
    refused: list[tuple[Operation, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked_ids(self, name: str) -> set[int]:
        return {db_id for op, db_id in self.acked if op.name == name}


@dataclass
class Scene:
    world: World
    engine: Engine
    url: str
    products: tuple[int, int]
    campaign: int


def db_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


def key() -> str:
    return str(uuid.uuid4())


def money(amount: int) -> dict[str, Any]:
    return {"amountMinor": amount, "currency": "USD"}


@pytest.fixture(params=["sqlite", "postgresql"])
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scene]:
    """A dedicated database (a WAL SQLite file, or a PostgreSQL database made for this
    test) with the request world, a seller with two products and an active campaign."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'crash.db'}", (lambda: None)
    else:
        url, drop = conftest._postgres_database()
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    try:
        world = make_world(engine, conftest.test_settings(url))
        seller = mall.seller(world)
        first, second = (
            mall.product(world, seller, currency="USD", price_minor=price, stock=STOCK)
            for price in PRICES
        )
        campaign = campaigns.active(world, goal_minor=10**12)
        yield Scene(world, engine, url, (first, second), campaign)
    finally:
        engine.dispose()
        drop()


def server(scene: Scene, tmp_path: Path) -> ServerProcess:
    env = {
        "DATABASE_URL": scene.url,
        "SECRET_KEY": scene.world.settings.secret_key,
        "AIDBRIDGE_ENV": "development",
        # The load is the point here, not the hourly budget (tests/ratelimit has its own).
        "AIDBRIDGE_RATE_LIMIT_POINTS": "100000000",
    }
    return ServerProcess(env, tmp_path / "server.log")


def send(http: httpx.Client, op: Operation) -> tuple[int | None, Any]:
    """The id the server acknowledged, or None with what it said instead. A transport
    error (the server is gone) propagates."""
    document, payload_field = OPERATIONS[op.name]
    headers = {"Authorization": f"Bearer {op.token}"} if op.token else {}
    response = http.post(
        "/graphql", json={"query": document, "variables": op.variables}, headers=headers
    )
    if response.status_code != 200:
        return None, (response.status_code, response.text[:500])
    body = response.json()
    payload = (body.get("data") or {}).get(op.name)
    if body.get("errors") or not payload or payload["errors"] or not payload[payload_field]:
        return None, body
    return db_id(payload[payload_field]["id"]), None


def follow_up(op: Operation, created: int, admin: str, turn: int) -> Operation | None:
    """Every other created object is reconciled by an admin, so both states are crashed."""
    if turn % 2:
        return None
    reference = {"externalReference": f"BANK-{turn}", "idempotencyKey": key()}
    if op.name == "donationCreate":
        return Operation(
            "donationReconcile",
            {"input": {"donation": f.gid("Donation", created), **reference}},
            admin,
        )
    if op.name == "orderPlace":
        return Operation(
            "orderReconcile", {"input": {"order": f.gid("Order", created), **reference}}, admin
        )
    if op.name == "campaignBack":
        return Operation(
            "campaignBackingReconcile",
            {"input": {"backing": f.gid("Backing", created), **reference}},
            admin,
        )
    return None


def creation(scene: Scene, turn: int, worker: int) -> Operation:
    helper = scene.world.helper.token
    amount = 1_000 + 7 * turn + worker
    if turn % 3 == 0:
        data = {"target": {"generalFund": True}, "amount": money(amount), "provider": "offline"}
        data["donorName"] = "Ada Donor"
        # Half anonymous donors (no account), half the helper.
        token = None if worker % 2 else helper
        return Operation("donationCreate", {"input": {**data, "idempotencyKey": key()}}, token)
    if turn % 3 == 1:
        first, second = scene.products
        lines = [{"product": f.gid("Product", first), "quantity": 1 + turn % 2}]
        if worker % 2:
            lines.append({"product": f.gid("Product", second), "quantity": 3})
        data = {"lines": lines, "shippingAddress": "1 Market Street", "provider": "offline"}
        return Operation("orderPlace", {"input": {**data, "idempotencyKey": key()}}, helper)
    data = {"campaign": f.gid("Campaign", scene.campaign), "amount": money(amount)}
    data |= {"provider": "offline", "backerName": "Ada Backer", "idempotencyKey": key()}
    return Operation("campaignBack", {"input": data}, helper if worker % 2 else None)


def drive(scene: Scene, url: str, worker: int, load: Load) -> None:
    """Create, sometimes reconcile, repeat; stop at the first transport error (the kill)."""
    admin = scene.world.admin.token
    with httpx.Client(base_url=url, timeout=20) as http:
        for turn in range(10_000):
            op: Operation | None = creation(scene, turn, worker)
            while op is not None:
                try:
                    created, said = send(http, op)
                except httpx.TransportError:
                    with load.lock:
                        load.in_flight.append(op)
                    return
                with load.lock:
                    if created is None:
                        load.refused.append((op, said))
                        return
                    load.acked.append((op, created))
                op = follow_up(op, created, admin, turn)


def run_load_and_kill(scene: Scene, process: ServerProcess) -> Load:
    load = Load()
    workers = [
        threading.Thread(target=drive, args=(scene, process.url, n, load), daemon=True)
        for n in range(THREADS)
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + KILL_AFTER_SECONDS
    while len(load.acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    for worker in workers:
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in workers)
    return load


def retry_in_flight(load: Load, url: str) -> None:
    """What a careful client does after an outage: send again, with the same key."""
    with httpx.Client(base_url=url, timeout=20) as http:
        for op in load.in_flight:
            created, said = send(http, op)
            assert created is not None, (op.name, said)
            load.acked.append((op, created))


def rows(engine: Engine, model: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(model.__table__)).mappings())


def check_donations(engine: Engine, load: Load) -> None:
    donations = {row["id"]: row for row in rows(engine, Donation)}
    assert set(donations) == load.acked_ids("donationCreate")
    for op, created in load.acked:
        if op.name == "donationCreate":
            assert (
                donations[created]["amount_minor"] == op.variables["input"]["amount"]["amountMinor"]
            )
    received = load.acked_ids("donationReconcile")
    for donation_id, row in donations.items():
        is_received = donation_id in received
        assert (row["status"] == DonationStatus.RECEIVED) == is_received, row
        assert (row["ledger_transaction_id"] is not None) == is_received, row
        assert (row["receipt_number"] is not None) == is_received, row


def check_orders(scene: Scene, load: Load) -> None:
    orders = {row["id"]: row for row in rows(scene.engine, Order)}
    assert set(orders) == load.acked_ids("orderPlace")
    lines: dict[int, list[Any]] = defaultdict(list)
    for line in rows(scene.engine, OrderLine):
        lines[line["order_id"]].append(line)
    for op, created in load.acked:
        if op.name == "orderPlace":
            sent = sorted(
                (db_id(line["product"]), line["quantity"])
                for line in op.variables["input"]["lines"]
            )
            assert sorted((line["product_id"], line["quantity"]) for line in lines[created]) == sent
    paid = load.acked_ids("orderReconcile")
    for order_id, order in orders.items():
        assert order["total_minor"] == sum(
            line["quantity"] * line["unit_price_minor"] for line in lines[order_id]
        )
        is_paid = order_id in paid
        assert (order["status"] == OrderStatus.PAID) == is_paid, order
        assert (order["paid_transaction_id"] is not None) == is_paid, order
        assert order["status"] in (OrderStatus.PLACED, OrderStatus.PAID), order
    ordered: dict[int, int] = defaultdict(int)
    for order_lines in lines.values():
        for line in order_lines:
            ordered[line["product_id"]] += line["quantity"]
    for product in rows(scene.engine, Product):
        assert product["stock"] + ordered[product["id"]] == STOCK, (product, ordered)


def check_backings(scene: Scene, load: Load) -> None:
    backings = {row["id"]: row for row in rows(scene.engine, Backing)}
    assert set(backings) == load.acked_ids("campaignBack")
    received = load.acked_ids("campaignBackingReconcile")
    for backing_id, row in backings.items():
        is_received = backing_id in received
        assert (row["status"] == BackingStatus.RECEIVED) == is_received, row
        assert (row["ledger_transaction_id"] is not None) == is_received, row
    [campaign] = [c for c in rows(scene.engine, Campaign) if c["id"] == scene.campaign]
    counted = [backings[b] for b in received]
    assert campaign["raised_minor"] == sum(b["amount_minor"] for b in counted)
    assert campaign["backers_count"] == len(counted)


def check_payments(engine: Engine) -> None:
    """Each payment pays for exactly one donation, order or backing, of its amount, and
    has succeeded exactly when what it pays for was reconciled."""
    owners: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for model, amount, paid in (
        (Donation, "amount_minor", DonationStatus.RECEIVED),
        (Backing, "amount_minor", BackingStatus.RECEIVED),
        (Order, "total_minor", OrderStatus.PAID),
    ):
        for row in rows(engine, model):
            owners[row["payment_id"]].append((row[amount], row["status"] == paid))
    payments = rows(engine, Payment)
    assert {p["id"] for p in payments} == set(owners)
    for payment in payments:
        succeeded = payment["status"] == PaymentStatus.SUCCEEDED
        assert owners[payment["id"]] == [(payment["amount_minor"], succeeded)], payment


def check_receipts(engine: Engine) -> None:
    """Receipt numbers ("2026-000123") of one series have no gaps."""
    numbers: dict[str, list[int]] = defaultdict(list)
    for model in (Donation, Backing):
        for row in rows(engine, model):
            if row["receipt_number"]:
                series, _, number = row["receipt_number"].rpartition("-")
                numbers[series].append(int(number))
    for series, issued in numbers.items():
        assert sorted(issued) == list(range(1, len(issued) + 1)), (series, sorted(issued))


def test_a_killed_server_loses_nothing_it_acknowledged_and_half_writes_nothing(
    scene: Scene, tmp_path: Path
) -> None:
    process = server(scene, tmp_path)
    process.start()
    try:
        load = run_load_and_kill(scene, process)
        assert not load.refused, [(op.name, said) for op, said in load.refused[:3]]
        kinds = {op.name for op, _ in load.acked}
        assert {"donationCreate", "orderPlace", "campaignBack"} <= kinds, kinds
        assert load.in_flight, "the kill came after the load, not during it"

        process.start()  # the same port, the same database
        retry_in_flight(load, process.url)
    finally:
        process.stop()

    assert len(load.acked) >= ACKS_BEFORE_KILL
    check_donations(scene.engine, load)
    check_orders(scene, load)
    check_backings(scene, load)
    check_payments(scene.engine)
    check_receipts(scene.engine)
    assert_books_balance(scene.engine)
