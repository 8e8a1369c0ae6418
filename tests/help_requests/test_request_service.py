"""The request lifecycle in the service: rules, every transition, refused transitions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.core.db import unit_of_work, utcnow
from api.core.errors import ErrorCode, ServiceError, ServiceErrors
from api.help_requests import service
from api.help_requests.models import HelpRequest, RequestStatus
from api.pledges import service as pledge_service
from api.pledges.models import PledgeStatus
from api.stats.metrics import REQUESTS_MADE, REQUESTS_PUBLISHED_BY_DAY
from api.stats.service import day_number
from tests.help_requests import factories as f


def errors_of(raised: pytest.ExceptionInfo[BaseException]) -> dict[str | None, ErrorCode]:
    error = raised.value
    items = error.errors if isinstance(error, ServiceErrors) else [error]
    return {e.field: e.code for e in items}  # type: ignore[attr-defined]


def create(world: f.World, actor, household: int | None = None, **overrides):
    with unit_of_work(world.engine) as session:
        return service.create_request(
            session,
            actor=world.principal(actor),
            instance=world.settings.instance,
            household_id=household or world.household,
            details=f.details(**overrides),
        )


def test_create_reports_every_field_error_at_once_and_writes_nothing(world):
    with pytest.raises(ServiceErrors) as raised:
        create(
            world,
            world.rep,
            category="SPACESHIPS",
            title="x" * 201,
            description="  ",
            target_minor=0,
            currency="XXY",
            deadline=utcnow().date() - timedelta(days=1),
        )
    assert errors_of(raised) == {
        "category": ErrorCode.UNKNOWN_CODE,
        "title": ErrorCode.TOO_LONG,
        "description": ErrorCode.REQUIRED,
        "target.amountMinor": ErrorCode.OUT_OF_RANGE,
        "target.currency": ErrorCode.INVALID,
        "deadline": ErrorCode.OUT_OF_RANGE,
    }
    assert f.count(world.engine, HelpRequest) == 0


def test_a_request_asks_for_money_or_items_never_both_nor_neither(world):
    with pytest.raises(ServiceErrors) as both:
        create_both(world)
    assert errors_of(both) == {"items": ErrorCode.INVALID}
    with pytest.raises(ServiceErrors) as neither:
        create(world, world.rep, target_minor=None, currency=None)
    assert errors_of(neither) == {"target": ErrorCode.REQUIRED}
    with pytest.raises(ServiceErrors) as bad_items:
        create(
            world,
            world.rep,
            items=[service.Item("Rice", 0, "bags"), service.Item("", 2, " ")],
        )
    assert errors_of(bad_items) == {
        "items.0.quantity": ErrorCode.OUT_OF_RANGE,
        "items.1.name": ErrorCode.REQUIRED,
        "items.1.unit": ErrorCode.REQUIRED,
    }


def create_both(world: f.World):
    with unit_of_work(world.engine) as session:
        details = f.details()
        details.items = [service.Item("Rice", 2, "bags")]
        return service.create_request(
            session,
            actor=world.principal(world.rep),
            instance=world.settings.instance,
            household_id=world.household,
            details=details,
        )


def test_the_representative_drafts_for_their_household_with_its_region_path(world):
    row = create(world, world.rep, urgency="CRITICAL")
    assert row.status == RequestStatus.DRAFT
    assert row.region_path == world.regions["P1-A-C1-T-V"].path
    assert (row.urgency, row.urgency_rank) == ("CRITICAL", 4)
    assert (row.target_amount_minor, row.currency, row.items) == (100_000, "USD", [])
    in_kind = create(world, world.rep, items=[service.Item(" Rice ", 2, "bags")])
    assert in_kind.items == [{"name": "Rice", "quantity": 2, "unit": "bags"}]
    assert in_kind.target_amount_minor is None
    assert f.stat(world.engine, REQUESTS_MADE) == 0  # drafts are not counted


@pytest.mark.parametrize(
    ("who", "household", "code"),
    [
        ("rep", "other", ErrorCode.FORBIDDEN),
        ("far_caseworker", "own", ErrorCode.FORBIDDEN),
        ("helper", "own", ErrorCode.FORBIDDEN),
        ("caseworker", "other", ErrorCode.FORBIDDEN),
    ],
)
def test_only_those_speaking_for_the_household_may_draft(world, who, household, code):
    target = world.other_household if household == "other" else world.household
    with pytest.raises(ServiceErrors) as raised:
        create(world, world.people()[who], household=target)
    assert errors_of(raised) == {"household": code}


def test_caseworker_covering_the_household_may_draft(world):
    assert create(world, world.caseworker).household_id == world.household


def test_submit_then_verify_publishes_and_counts(world):
    request_id = f.draft(world)
    with unit_of_work(world.engine) as session:
        row = service.submit_request(
            session, actor=world.principal(world.rep), request_id=request_id
        )
        assert row.status == RequestStatus.PENDING_VERIFICATION
        assert row.submitted_at is not None
    assert f.stat(world.engine, REQUESTS_MADE) == 1
    assert f.stat(world.engine, REQUESTS_MADE, scope_id=world.regions["P1-A-C1"].id) == 1
    assert f.stat(world.engine, REQUESTS_MADE, scope_id=world.regions["P2"].id) == 0
    with unit_of_work(world.engine) as session:
        row = service.verify_request(
            session, actor=world.principal(world.caseworker), request_id=request_id, approve=True
        )
    assert row.status == RequestStatus.OPEN
    assert row.published_at is not None
    assert row.verified_by_id == world.caseworker.account_id
    bucket = day_number(row.published_at)
    assert f.stat(world.engine, REQUESTS_PUBLISHED_BY_DAY, bucket=bucket) == 1
    assert f.audit_actions(world.engine, "HelpRequest", request_id) == ["help_request.verify"]


def test_rejection_closes_the_request_without_publishing(world):
    request_id = f.submitted(world)
    with unit_of_work(world.engine) as session:
        row = service.verify_request(
            session, actor=world.principal(world.caseworker), request_id=request_id, approve=False
        )
    assert (row.status, row.published_at) == (RequestStatus.REJECTED, None)
    assert f.stat(world.engine, REQUESTS_PUBLISHED_BY_DAY) == 0
    assert f.audit_actions(world.engine, "HelpRequest", request_id) == ["help_request.reject"]


def test_only_verified_households_get_published(world, engine, settings):
    from tests import factories

    unverified, _ = factories.household(
        engine, settings, world.regions["P1-A-C1-T-V"], verified=False
    )
    request_id = f.submitted(world, household=unverified)
    with pytest.raises(ServiceError) as raised, unit_of_work(engine) as session:
        service.verify_request(
            session, actor=world.principal(world.caseworker), request_id=request_id, approve=True
        )
    assert raised.value.code == ErrorCode.INVALID_STATE


def test_verification_needs_a_caseworker_covering_the_household(world):
    request_id = f.submitted(world)
    with pytest.raises(ServiceError) as far, unit_of_work(world.engine) as session:
        service.verify_request(
            session,
            actor=world.principal(world.far_caseworker),
            request_id=request_id,
            approve=True,
        )
    assert (far.value.code, far.value.field) == (ErrorCode.NOT_FOUND, "id")  # cannot see it
    with pytest.raises(ServiceError) as rep, unit_of_work(world.engine) as session:
        service.verify_request(
            session, actor=world.principal(world.rep), request_id=request_id, approve=True
        )
    assert rep.value.code == ErrorCode.FORBIDDEN  # sees it, may not verify it
    assert f.request_row(world.engine, request_id).status == RequestStatus.PENDING_VERIFICATION


def test_update_changes_a_request_until_it_is_published(world):
    request_id = f.submitted(world)
    with unit_of_work(world.engine) as session:
        row = service.update_request(
            session,
            actor=world.principal(world.rep),
            instance=world.settings.instance,
            request_id=request_id,
            details=service.RequestDetails(
                title="Rice", items=[service.Item("Rice", 3, "bags")], urgency="HIGH"
            ),
        )
    assert (row.title, row.target_amount_minor, row.currency) == ("Rice", None, None)
    assert row.items == [{"name": "Rice", "quantity": 3, "unit": "bags"}]
    assert (row.urgency_rank, row.status) == (3, RequestStatus.PENDING_VERIFICATION)
    assert row.description == "Fees for the coming school year."  # omitted: unchanged


def test_update_refuses_invalid_values_all_at_once(world):
    request_id = f.draft(world)
    with pytest.raises(ServiceErrors) as raised, unit_of_work(world.engine) as session:
        service.update_request(
            session,
            actor=world.principal(world.rep),
            instance=world.settings.instance,
            request_id=request_id,
            details=service.RequestDetails(
                title="", category="NOPE", target_minor=-5, currency="USD"
            ),
        )
    assert errors_of(raised) == {
        "title": ErrorCode.REQUIRED,
        "category": ErrorCode.UNKNOWN_CODE,
        "target.amountMinor": ErrorCode.OUT_OF_RANGE,
    }
    assert f.request_row(world.engine, request_id).title == "School fees for two children"


def fulfilled(world: f.World) -> int:
    request_id = f.published(world, target_minor=1_000)
    pledge_id = f.pledge(world, request_id, amount=1_000)
    with unit_of_work(world.engine) as session:
        pledge_service.confirm_receipt(
            session, actor=world.principal(world.rep), pledge_id=pledge_id, thank_you_message=None
        )
    return request_id


def withdrawn(world: f.World) -> int:
    request_id = f.draft(world)
    with unit_of_work(world.engine) as session:
        service.withdraw_request(session, actor=world.principal(world.rep), request_id=request_id)
    return request_id


def rejected(world: f.World) -> int:
    request_id = f.submitted(world)
    with unit_of_work(world.engine) as session:
        service.verify_request(
            session, actor=world.principal(world.admin), request_id=request_id, approve=False
        )
    return request_id


def expired(world: f.World) -> int:
    request_id = f.published(world)
    with unit_of_work(world.engine) as session:
        row = session.get(HelpRequest, request_id)
        row.status = RequestStatus.EXPIRED
    return request_id


def pledged(world: f.World) -> int:
    request_id = f.published(world, target_minor=1_000)
    f.pledge(world, request_id, amount=1_000)
    return request_id


STATES = {
    "DRAFT": f.draft,
    "PENDING_VERIFICATION": f.submitted,
    "OPEN": f.published,
    "PLEDGED": pledged,
    "FULFILLED": fulfilled,
    "EXPIRED": expired,
    "WITHDRAWN": withdrawn,
    "REJECTED": rejected,
}


def submit(world, request_id):
    with unit_of_work(world.engine) as session:
        service.submit_request(session, actor=world.principal(world.rep), request_id=request_id)


def verify(world, request_id):
    with unit_of_work(world.engine) as session:
        service.verify_request(
            session, actor=world.principal(world.admin), request_id=request_id, approve=True
        )


def update(world, request_id):
    with unit_of_work(world.engine) as session:
        service.update_request(
            session,
            actor=world.principal(world.admin),
            instance=world.settings.instance,
            request_id=request_id,
            details=service.RequestDetails(title="Changed"),
        )


def withdraw(world, request_id):
    with unit_of_work(world.engine) as session:
        service.withdraw_request(session, actor=world.principal(world.admin), request_id=request_id)


ACTIONS = {"submit": submit, "verify": verify, "update": update, "withdraw": withdraw}
ALLOWED = {
    "submit": {"DRAFT"},
    "verify": {"PENDING_VERIFICATION"},
    "update": {"DRAFT", "PENDING_VERIFICATION"},
    "withdraw": {"DRAFT", "PENDING_VERIFICATION", "OPEN", "PLEDGED"},
}
REFUSED = [
    (action, state) for action in ACTIONS for state in STATES if state not in ALLOWED[action]
]


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_refused_transitions_are_invalid_state_and_change_nothing(world, action, state):
    request_id = STATES[state](world)
    before = f.request_row(world.engine, request_id)
    with pytest.raises(ServiceError) as raised:
        ACTIONS[action](world, request_id)
    assert raised.value.code == ErrorCode.INVALID_STATE
    after = f.request_row(world.engine, request_id)
    assert (after.status, after.title, after.updated_at) == (
        before.status,
        before.title,
        before.updated_at,
    )


@pytest.mark.parametrize(("action", "state"), [(a, s) for a in ACTIONS for s in sorted(ALLOWED[a])])
def test_allowed_transitions(world, action, state):
    request_id = STATES[state](world)
    ACTIONS[action](world, request_id)
    expected = {
        "submit": RequestStatus.PENDING_VERIFICATION,
        "verify": RequestStatus.OPEN,
        "update": state,
        "withdraw": RequestStatus.WITHDRAWN,
    }[action]
    assert f.request_row(world.engine, request_id).status == expected


def test_withdrawal_cancels_undelivered_pledges_and_keeps_delivered_ones(world):
    request_id = f.published(world, target_minor=30_000)
    active = f.pledge(world, request_id, amount=10_000)
    delivered = f.pledge(world, request_id, amount=5_000, helper=world.other_helper)
    with unit_of_work(world.engine) as session:
        pledge_service.mark_delivered(
            session, actor=world.principal(world.other_helper), pledge_id=delivered
        )
    with unit_of_work(world.engine) as session:
        row = service.withdraw_request(
            session, actor=world.principal(world.caseworker), request_id=request_id
        )
    assert (row.status, row.pledged_amount_minor) == (RequestStatus.WITHDRAWN, 5_000)
    assert f.pledge_row(world.engine, active).status == PledgeStatus.CANCELLED
    assert f.pledge_row(world.engine, active).ended_at is not None
    assert f.pledge_row(world.engine, delivered).status == PledgeStatus.DELIVERED
    assert f.audit_actions(world.engine, "HelpRequest", request_id) == [
        "help_request.verify",
        "help_request.withdraw",
    ]
    # The household can still confirm what it received; the request stays withdrawn.
    with unit_of_work(world.engine) as session:
        pledge_service.confirm_receipt(
            session, actor=world.principal(world.rep), pledge_id=delivered, thank_you_message=None
        )
    assert f.request_row(world.engine, request_id).status == RequestStatus.WITHDRAWN


def test_submitting_after_the_deadline_passed_is_refused(world):
    request_id = f.draft(world, deadline=utcnow().date())
    with unit_of_work(world.engine) as session:
        row = session.get(HelpRequest, request_id)
        row.deadline = utcnow().date() - timedelta(days=1)
    with pytest.raises(ServiceError) as raised:
        submit(world, request_id)
    assert (raised.value.code, raised.value.field) == (ErrorCode.OUT_OF_RANGE, "deadline")
