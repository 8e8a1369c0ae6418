"""The admins' donation list over real HTTP: search by status, date range and payment
reference, newest first, in cursor pages, at a constant number of statements, walking an
index (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from api.core.db import unit_of_work, utcnow
from api.donation import service
from api.donation.models import Donation
from tests.donation import factories as d

LIST = """
query($filter: DonationFilter, $first: Int!, $after: String) {
  donations(filter: $filter, first: $first, after: $after) {
    nodes {
      id status paymentReference provider createdAt amount { amountMinor currency }
      target { kind title } receipt { number }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def donations(world) -> dict[str, Any]:
    """Five donations made one day apart (oldest first): received, pending, pending,
    refunded, pending."""
    admin = world.principal(world.admin)
    made: list[tuple[int, str]] = [d.donate(world.engine, world.settings) for _ in range(5)]
    d.reconcile(world.engine, admin, made[0][0])
    d.reconcile(world.engine, admin, made[3][0])
    with unit_of_work(world.engine) as session:
        service.refund_donation(
            session,
            actor=admin,
            settings=world.settings,
            donation_id=made[3][0],
            reason=None,
            idempotency_key=d.key(),
        )
    now = utcnow()
    with unit_of_work(world.engine) as session:
        for age, (donation_id, _) in zip(range(5, 0, -1), made, strict=True):
            session.execute(
                sa.update(Donation)
                .where(Donation.id == donation_id)  # type: ignore[arg-type]
                .values(created_at=now - timedelta(days=age))
            )
    return {"ids": [f_id for f_id, _ in made], "refs": [ref for _, ref in made], "now": now}


def listed(api, token: str | None, **variables: Any) -> dict[str, Any]:
    body = api.data(LIST, {"first": 20, **variables}, token=token)
    page: dict[str, Any] = body["donations"]
    return page


def ids(page: dict[str, Any]) -> list[int]:
    return [int(_pk(node["id"])) for node in page["nodes"]]


def _pk(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[1]


def test_admins_search_by_status_date_and_payment_reference(api, world, donations):
    token = world.admin.token
    made = donations["ids"]
    now = donations["now"]

    everything = listed(api, token)
    pending = listed(api, token, filter={"status": "PENDING"})
    recent = listed(
        api,
        token,
        filter={
            "createdFrom": (now - timedelta(days=4, hours=1)).isoformat(),
            "createdBefore": (now - timedelta(days=1, hours=1)).isoformat(),
        },
    )
    pending_recent = listed(
        api,
        token,
        filter={"status": "PENDING", "createdFrom": (now - timedelta(days=3, hours=1)).isoformat()},
    )
    by_reference = listed(
        api, token, filter={"paymentReference": f"  {donations['refs'][2].lower()} "}
    )

    assert ids(everything) == list(reversed(made))  # newest first, pending ones included
    assert ids(pending) == [made[4], made[2], made[1]]
    assert ids(recent) == [made[3], made[2], made[1]]
    assert ids(pending_recent) == [made[4], made[2]]
    assert ids(by_reference) == [made[2]]
    node = by_reference["nodes"][0]
    assert node["paymentReference"] == donations["refs"][2]
    assert (node["status"], node["provider"], node["receipt"]) == ("PENDING", "offline", None)
    assert everything["nodes"][1]["status"] == "REFUNDED"
    assert listed(api, token, filter={"paymentReference": "PAY-NOTHING"})["nodes"] == []


def test_pages_follow_cursors(api, world, donations):
    made = donations["ids"]
    first = listed(api, world.admin.token, first=2)
    rest = listed(api, world.admin.token, first=20, after=first["pageInfo"]["endCursor"])
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert ids(first) + ids(rest) == list(reversed(made))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("helper", "FORBIDDEN"),
        ("rep", "FORBIDDEN"),
        ("caseworker", "FORBIDDEN"),
        ("far_caseworker", "FORBIDDEN"),
    ],
)
def test_only_platform_admins_list_donations(api, world, donations, who, expected):
    actor = world.people()[who]
    body = api.post(LIST, {"first": 5}, token=actor.token if actor else None)
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert body["data"] is None


def test_a_page_costs_the_same_statements_whatever_its_size(api, world, donations, sql_counter):
    sql_counter.reset()
    listed(api, world.admin.token, first=1)
    one = sql_counter.count
    sql_counter.reset()
    listed(api, world.admin.token, first=5)
    assert sql_counter.count == one


@pytest.fixture
def executed(engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements the engine runs, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def plan_of(engine, statement: str, parameters: Any) -> str:
    """The plan of a statement the API ran. SQLite: EXPLAIN QUERY PLAN as is. PostgreSQL
    prefers a sequential scan of a table this small whatever the indexes, so sequential
    scans are switched off for the question: can the statement walk an index in order?"""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " | ".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return " | ".join(str(row[0]).strip() for row in rows)


def test_the_status_and_date_list_walks_an_index(api, world, donations, executed, engine):
    now = donations["now"]
    since = (now - timedelta(days=9)).isoformat()
    cases = [
        ("ix_donation_status_created_at_id", {"status": "PENDING"}),
        (
            "ix_donation_status_created_at_id",
            {"status": "PENDING", "createdFrom": since, "createdBefore": now.isoformat()},
        ),
        ("ix_donation_created_at_id", {"createdFrom": since}),
        ("ix_donation_created_at_id", {}),
    ]
    for index, filter_ in cases:
        executed.clear()
        page = listed(api, world.admin.token, first=2, filter=filter_)
        listed(api, world.admin.token, first=2, filter=filter_, after=page["pageInfo"]["endCursor"])
        selects = [
            (statement, parameters)
            for statement, parameters in executed
            if "FROM donation JOIN payment" in statement and "LIMIT" in statement
        ]
        assert len(selects) == 2, executed  # the first page and the next
        for statement, parameters in selects:
            details = plan_of(engine, statement, parameters)
            # Walked through the index, in its order: no full scan, no sort of the rows.
            if engine.dialect.name == "sqlite":
                assert f"donation USING INDEX {index}" in details, details
                assert "SCAN donation |" not in details + " |", details
                assert "TEMP B-TREE" not in details, details
            else:
                assert f"Index Scan Backward using {index} on donation" in details, details
                assert "Sort" not in details and "Seq Scan on donation" not in details, details
