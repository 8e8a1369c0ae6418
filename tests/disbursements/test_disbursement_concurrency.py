"""Twenty concurrent payouts over real HTTP never take more than the fund holds, and the
donations they carry add up, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlmodel import Session

from api.disbursements.models import Disbursement, DonationDisbursement
from api.donation.models import TargetKind
from tests.disbursements import factories as x
from tests.donation import factories as d
from tests.help_requests import factories as f


def run_concurrently(count: int, action) -> list[str]:
    barrier = threading.Barrier(count)

    def attempt(_: int) -> str:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


def outcome(payload: dict) -> str:
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


def test_twenty_concurrent_payouts_share_what_the_general_fund_holds(api, world, engine):
    # Given a general fund holding 10.00 from three gifts,
    gifts = [x.donated(world, amount) for amount in (300, 300, 400)]
    household = {"household": x.gid("Household", world.household_code)}

    # when twenty admins' clients pay out 1.00 each at the same moment,
    def pay() -> str:
        variables = x.create_input(household, 100, source="GENERAL_FUND")
        return outcome(api.data(x.CREATE, variables, token=world.admin.token)["disbursementCreate"])

    results = run_concurrently(20, pay)

    # then exactly ten got money, the fund is empty, never overdrawn,
    assert results.count("OK") == 10 and results.count("OUT_OF_RANGE") == 10
    assert d.balance(engine, "fund:general") == 0
    assert x.count(world, Disbursement) == 10
    # and every gift was paid out exactly, first in first out.
    with Session(engine) as session:
        shares = dict(
            session.execute(
                sa.select(
                    DonationDisbursement.donation_id, sa.func.sum(DonationDisbursement.amount_minor)
                ).group_by(DonationDisbursement.donation_id)
            ).all()
        )
    assert shares == {gift: amount for gift, amount in zip(gifts, (300, 300, 400), strict=True)}
    rows = [d.row(engine, gift) for gift in gifts]
    assert [row.disbursed_minor for row in rows] == [300, 300, 400]
    reached = [row.reached_target_at for row in rows]
    assert all(reached) and reached == sorted(reached)


def test_twenty_concurrent_caseworker_payouts_from_a_request_fund(api, world, engine):
    request_id = f.published(world)
    x.donated(world, 700, kind=TargetKind.HELP_REQUEST, target_id=request_id)
    target = {"helpRequest": x.gid("HelpRequest", request_id)}

    def pay() -> str:
        variables = x.create_input(target, 100)
        return outcome(
            api.data(x.CREATE, variables, token=world.caseworker.token)["disbursementCreate"]
        )

    results = run_concurrently(20, pay)

    assert results.count("OK") == 7 and results.count("OUT_OF_RANGE") == 13
    assert d.balance(engine, f"request:{request_id}") == 0
    node = api.data(x.REQUEST, {"id": x.gid("HelpRequest", request_id)})["node"]
    assert node["disbursed"]["amountMinor"] == 700 and node["held"]["amountMinor"] == 0


REFUND = """
mutation($input: DonationRefundInput!) {
  donationRefund(input: $input) { donation { status } errors { field code } }
}"""


def test_a_refund_and_a_payout_of_one_fund_at_once_never_both_take_the_money(api, world, engine):
    # Given ten request funds, each holding an older and a younger gift of 5.00,
    funds = []
    for _ in range(10):
        request_id = f.published(world)
        x.donated(world, 500, kind=TargetKind.HELP_REQUEST, target_id=request_id)
        younger = x.donated(world, 500, kind=TargetKind.HELP_REQUEST, target_id=request_id)
        funds.append((request_id, younger))
    operations = [("refund", younger) for _, younger in funds] + [
        ("payout", request_id) for request_id, _ in funds
    ]

    # when each younger gift is refunded while its whole fund is paid out, all at once,
    def run(index: int) -> tuple[str, int, str]:
        kind, pk = operations[index]
        if kind == "refund":
            variables = {"input": {"donation": x.gid("Donation", pk), "idempotencyKey": x.key()}}
            payload = api.data(REFUND, variables, token=world.admin.token)["donationRefund"]
        else:
            variables = x.create_input({"helpRequest": x.gid("HelpRequest", pk)}, 1_000)
            payload = api.data(x.CREATE, variables, token=world.admin.token)["disbursementCreate"]
        return kind, pk, outcome(payload)

    barrier = threading.Barrier(len(operations))

    def attempt(index: int) -> tuple[str, int, str]:
        barrier.wait()
        return run(index)

    with ThreadPoolExecutor(len(operations)) as pool:
        results = list(pool.map(attempt, range(len(operations))))

    # then for every fund exactly one of them went through, and no fund is overdrawn.
    by_fund = {request_id: [] for request_id, _ in funds}
    younger_of = {younger: request_id for request_id, younger in funds}
    for kind, pk, result in results:
        by_fund[younger_of.get(pk, pk) if kind == "refund" else pk].append((kind, result))
    for request_id, outcomes in by_fund.items():
        ok = [kind for kind, result in outcomes if result == "OK"]
        refused = {result for _, result in outcomes if result != "OK"}
        assert len(ok) == 1, outcomes
        assert refused <= {"OUT_OF_RANGE", "INVALID_STATE"}, outcomes
        held = d.balance(engine, f"request:{request_id}")
        assert held == (500 if ok == ["refund"] else 0)
