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
    assert all(reached) and reached == sorted(reached)  # type: ignore[type-var]


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
