"""Many helpers pledging to one request at the same moment never over-pledge it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from api.core.db import unit_of_work
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.core.roles import Role
from api.help_requests.models import RequestStatus
from api.pledges import service
from api.pledges.models import Pledge
from api.stats.metrics import DAYS_TO_FIRST_PLEDGE
from tests.help_requests import factories as f

THREADS = 20


def pledge_all_at_once(world: f.World, request_id: int, amounts: list[int]) -> list[object]:
    """Each thread pledges in its own unit of work; all start together at a barrier."""
    helpers = [
        f.account(world.engine, world.settings, Role.HELPER, email=f"h{i}@example.org")
        for i in range(len(amounts))
    ]
    principals = [world.principal(h) for h in helpers]
    barrier = threading.Barrier(len(amounts))

    def pledge(index: int) -> object:
        barrier.wait()
        try:
            with unit_of_work(world.engine) as session:
                return service.create_pledge(
                    session,
                    actor=principals[index],
                    instance=world.settings.instance,
                    details=service.PledgeDetails(
                        request_id=request_id,
                        kind="MONEY",
                        amount_minor=amounts[index],
                        currency="USD",
                        description=None,
                        due_on=f.tomorrow(),
                    ),
                    idempotency_key=f"pledge-{index}",
                ).id
        except (ServiceError, ServiceErrors) as error:
            return error

    with ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        return list(pool.map(pledge, range(len(amounts))))


def codes(error: object) -> set[ErrorCode]:
    if isinstance(error, ServiceErrors):
        return {e.code for e in error.errors}
    assert isinstance(error, ServiceError), error
    return {error.code}


def live_total(world: f.World, request_id: int) -> int:
    with Session(world.engine) as session:
        total = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Pledge.amount_minor), 0)).where(
                Pledge.request_id == request_id  # type: ignore[arg-type]
            )
        ).scalar_one()
    return int(total)


def test_twenty_simultaneous_pledges_fill_the_target_exactly(world):
    request_id = f.published(world, target_minor=100_000)
    results = pledge_all_at_once(world, request_id, [10_000] * THREADS)
    accepted = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(accepted) == 10
    assert all(codes(e) <= {ErrorCode.INVALID_STATE, ErrorCode.OUT_OF_RANGE} for e in refused)
    request = f.request_row(world.engine, request_id)
    assert request.pledged_amount_minor == live_total(world, request_id) == 100_000
    assert request.status == RequestStatus.PLEDGED
    assert f.stat(world.engine, DAYS_TO_FIRST_PLEDGE) == 1  # exactly one first pledge


@pytest.mark.parametrize("seed", [1, 2])
def test_uneven_simultaneous_pledges_never_exceed_the_target(world, seed):
    import random

    rng = random.Random(seed)
    amounts = [rng.randint(3_000, 15_000) for _ in range(THREADS)]
    request_id = f.published(world, target_minor=50_000)
    pledge_all_at_once(world, request_id, amounts)
    request = f.request_row(world.engine, request_id)
    assert request.pledged_amount_minor == live_total(world, request_id) <= 50_000
    assert (request.status == RequestStatus.PLEDGED) == (request.pledged_amount_minor == 50_000)
