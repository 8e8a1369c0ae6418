"""An over-pledge is OUT_OF_RANGE on `amount.amountMinor`, and its message says how much is
still open, in the reader's locale and the request's currency: when the check sees it, and
when another pledge took the money between the check and the write."""

from __future__ import annotations

from uuid import uuid4

import pytest
import sqlalchemy as sa

from api.help_requests.models import HelpRequest
from api.pledges import service
from api.pledges.models import Pledge
from tests.help_requests import factories as f

CREATE = """
mutation($input: PledgeCreateInput!) {
  pledgeCreate(input: $input) { pledge { id } errors { field code message } }
}"""


def over_pledge(request_id: int, amount_minor: int, currency: str = "USD") -> dict[str, object]:
    return {
        "input": {
            "request": f.gid("HelpRequest", request_id),
            "kind": "MONEY",
            "amount": {"amountMinor": amount_minor, "currency": currency},
            "dueOn": f.tomorrow().isoformat(),
            "idempotencyKey": uuid4().hex,
        }
    }


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "Only $120.00 is still open on this request."),
        ("fr", "Il ne reste que 120,00\xa0$US à promettre sur cette demande."),
        ("zh_Hans", "此求助仅剩 US$120.00 尚待认领。"),
        ("es", "Solo quedan 120,00\xa0US$ por comprometer en esta solicitud."),
    ],
)
def test_an_over_pledge_says_how_much_is_left_in_the_readers_locale(api, world, locale, message):
    request_id = f.published(world, target_minor=30_000)
    f.pledge(world, request_id, amount=18_000)

    body = api.data(
        CREATE, over_pledge(request_id, 12_001), token=world.helper.token, locale=locale
    )

    assert body["pledgeCreate"]["pledge"] is None
    assert body["pledgeCreate"]["errors"] == [
        {"field": "amount.amountMinor", "code": "OUT_OF_RANGE", "message": message}
    ]
    assert f.count(world.engine, Pledge) == 1


def test_the_remaining_amount_is_in_the_requests_currency(api, world):
    request_id = f.published(world, target_minor=50_000, currency="CNY")

    body = api.data(CREATE, over_pledge(request_id, 50_001, "CNY"), token=world.helper.token)

    assert [e["message"] for e in body["pledgeCreate"]["errors"]] == [
        "Only CN¥500.00 is still open on this request."
    ]


def test_other_refusals_keep_their_own_messages(api, world):
    request_id = f.published(world, target_minor=30_000)

    body = api.data(CREATE, over_pledge(request_id, 40_000, "CNY"), token=world.helper.token)

    errors = {e["field"]: (e["code"], e["message"]) for e in body["pledgeCreate"]["errors"]}
    assert errors == {
        "amount.currency": ("CURRENCY_MISMATCH", "This amount must be in USD."),
        "amount.amountMinor": ("OUT_OF_RANGE", "Only $300.00 is still open on this request."),
    }
    zero = api.data(CREATE, over_pledge(request_id, 0), token=world.helper.token)
    assert [(e["code"], e["message"]) for e in zero["pledgeCreate"]["errors"]] == [
        ("OUT_OF_RANGE", "This value is out of range.")
    ]


def test_an_amount_taken_by_a_concurrent_pledge_is_reported_with_what_is_left(
    api, world, monkeypatch
):
    """Between the check (which still sees 300.00 open) and the guarded write, another
    pledge takes 250.00: the write refuses, and the message names the 50.00 left."""
    request_id = f.published(world, target_minor=30_000)
    original = service._add_pledged

    def another_pledge_first(session, request_id_, amount, *, money, covered=0):
        session.execute(
            sa.update(HelpRequest)
            .where(HelpRequest.id == request_id_)  # type: ignore[arg-type]
            .values(pledged_amount_minor=HelpRequest.pledged_amount_minor + 25_000)
        )
        return original(session, request_id_, amount, money=money, covered=covered)

    monkeypatch.setattr(service, "_add_pledged", another_pledge_first)

    body = api.data(CREATE, over_pledge(request_id, 10_000), token=world.helper.token, locale="fr")

    assert body["pledgeCreate"]["errors"] == [
        {
            "field": "amount.amountMinor",
            "code": "OUT_OF_RANGE",
            "message": "Il ne reste que 50,00\xa0$US à promettre sur cette demande.",
        }
    ]
    assert f.count(world.engine, Pledge) == 0
    # The simulated pledge rolled back with the refused one (one savepoint).
    assert f.request_row(world.engine, request_id).pledged_amount_minor == 0


def test_money_donated_to_the_request_is_not_open_to_pledges_any_more(api, world):
    """Pledges take what donations have not covered: the same `remaining` the request
    shows (target - live pledges - money held in its fund - money disbursed to it)."""
    from api.donation.models import TargetKind
    from tests.donation import factories as d

    request_id = f.published(world, target_minor=30_000)
    admin = world.principal(world.admin)
    donation_id, _ = d.donate(
        world.engine,
        world.settings,
        target_kind=TargetKind.HELP_REQUEST,
        target_id=request_id,
        amount_minor=20_000,
    )
    d.reconcile(world.engine, admin, donation_id)
    remaining = api.data(
        "query($id: ID!) { node(id: $id) { ... on HelpRequest { remaining { amountMinor } } } }",
        {"id": f.gid("HelpRequest", request_id)},
    )["node"]["remaining"]
    assert remaining == {"amountMinor": 10_000}

    refused = api.data(CREATE, over_pledge(request_id, 10_001), token=world.helper.token)
    assert refused["pledgeCreate"]["errors"] == [
        {
            "field": "amount.amountMinor",
            "code": "OUT_OF_RANGE",
            "message": "Only $100.00 is still open on this request.",
        }
    ]
    taken = api.data(CREATE, over_pledge(request_id, 10_000), token=world.helper.token)
    assert taken["pledgeCreate"]["errors"] == []
    assert f.request_row(world.engine, request_id).status == "PLEDGED"
