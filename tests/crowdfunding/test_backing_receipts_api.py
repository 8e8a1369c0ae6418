"""Receipts for campaign backings over real HTTP: numbered from the organisation's one
gap-free yearly series (shared with donations), localized with a printable HTML variant,
readable by the backer (logged in, or a guest quoting the payment reference) and platform
admins, and by nobody else."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from api.core.db import unit_of_work, utcnow
from api.crowdfunding import service
from api.payments.models import Payment
from tests.crowdfunding import factories as c
from tests.donation import factories as d
from tests.help_requests.factories import World, gid

RECEIPT_FIELDS = """
receipt {
  number issuedOn amountFormatted backerName campaignTitle issuer locale refunded html
  amount { amountMinor currency }
}"""
BY_RECEIPT = f"""
query($number: String!, $reference: String) {{
  backing(receiptNumber: $number, paymentReference: $reference) {{
    id status receiptNumber backerName {RECEIPT_FIELDS}
  }}
}}"""
MINE = f"""
query($first: Int!) {{
  myBackings(first: $first) {{
    nodes {{ id status paymentReference receiptNumber campaign {{ id }} {RECEIPT_FIELDS} }}
    pageInfo {{ hasNextPage }}
  }}
}}"""
NODE = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Backing {{ receiptNumber {RECEIPT_FIELDS} }} }} }}"""


def _reference(world: World, backing_id: int) -> str:
    with Session(world.engine) as session:
        payment = session.get(Payment, c.backing(world, backing_id).payment_id)
        assert payment is not None
        return payment.reference


def _donation_receipt(world: World) -> str:
    donation_id, _ = d.donate(world.engine, world.settings)
    number = d.reconcile(world.engine, world.principal(world.admin), donation_id).receipt_number
    assert number is not None
    return number


def test_backings_and_donations_share_one_gap_free_yearly_series(api, world):
    # Given a donation received, then a backing, then another donation
    campaign_id = c.active(world)
    first = _donation_receipt(world)
    backing_id = c.received(world, campaign_id, 4_000)
    last = _donation_receipt(world)

    # Then the backing's receipt number sits between them, in this year's series
    number = c.backing(world, backing_id).receipt_number
    year = utcnow().year
    assert [first, number, last] == [f"{year}-{n:06d}" for n in (1, 2, 3)]
    # And a pending backing has none yet
    assert c.backing(world, c.back(world, campaign_id)).receipt_number is None


def test_the_backer_reads_a_localized_receipt(api, world):
    campaign_id = c.active(world, title="A water tank")
    c.translate(world, campaign_id, "fr", title="Un réservoir d'eau")
    backing_id = c.received(
        world,
        campaign_id,
        123_456,
        actor=world.principal(world.helper),
        backer_name='<b>Ada</b> & "Co"',
    )
    mine = api.data(MINE, {"first": 10}, token=world.helper.token, locale="fr")["myBackings"]
    [node] = mine["nodes"]
    receipt = node["receipt"]
    assert node["id"] == gid("Backing", backing_id)
    assert receipt["number"] == node["receiptNumber"] == c.backing(world, backing_id).receipt_number
    assert receipt["amount"] == {"amountMinor": 123_456, "currency": "USD"}
    assert receipt["amountFormatted"] == "1\u202f234,56\xa0$US"
    assert receipt["locale"] == "fr" and receipt["campaignTitle"] == "Un réservoir d'eau"
    assert receipt["backerName"] == '<b>Ada</b> & "Co"' and receipt["refunded"] is False
    assert 'lang="fr"' in receipt["html"] and "Un réservoir d&#x27;eau" in receipt["html"]
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; &quot;Co&quot;" in receipt["html"]
    assert "<b>" not in receipt["html"]
    english = api.data(NODE, {"id": gid("Backing", backing_id)}, token=world.helper.token)
    assert english["node"]["receipt"]["campaignTitle"] == "A water tank"
    assert "Campaign backing receipt" in english["node"]["receipt"]["html"]
    chinese = api.data(
        NODE, {"id": gid("Backing", backing_id)}, token=world.helper.token, locale="zh_Hans"
    )["node"]["receipt"]
    assert "年" in chinese["issuedOn"] and chinese["html"] != english["node"]["receipt"]["html"]


def test_a_guest_reads_the_receipt_with_the_payment_reference(api, world):
    # Given a guest's anonymous backing whose money arrived
    campaign_id = c.active(world)
    backing_id = c.received(world, campaign_id, 2_000, anonymous=True, backer_name="Guest Bo")
    number = c.backing(world, backing_id).receipt_number
    reference = _reference(world, backing_id)

    # When the guest quotes the receipt number and the payment reference
    found = api.data(BY_RECEIPT, {"number": number, "reference": reference})["backing"]

    # Then they read their own receipt (with their name: it is theirs)
    assert found["id"] == gid("Backing", backing_id)
    assert found["backerName"] == "Guest Bo"
    assert found["receipt"]["number"] == number and found["receipt"]["backerName"] == "Guest Bo"
    # A number alone, or with someone else's reference, tells nothing
    assert api.data(BY_RECEIPT, {"number": number})["backing"] is None
    assert api.data(BY_RECEIPT, {"number": number, "reference": "PAY-NOTTHIS"})["backing"] is None
    unknown = {"number": "1999-000001", "reference": reference}
    assert api.data(BY_RECEIPT, unknown)["backing"] is None


@pytest.mark.parametrize(
    ("who", "sees_backing", "sees_receipt"),
    [
        ("anonymous", False, False),
        ("other_helper", False, False),
        ("rep", False, False),
        ("far_caseworker", False, False),
        ("caseworker", False, False),
        # Managers reconcile by reference; the receipt names the backer.
        ("manager", True, False),
        ("backer", True, True),
        ("admin", True, True),
    ],
)
def test_who_reads_a_receipt_by_number(api, world, who, sees_backing, sees_receipt):
    org = c.org_admin(world)
    campaign_id = c.active(world, organiser=world.principal(org))
    backing_id = c.received(
        world, campaign_id, 3_000, actor=world.principal(world.helper), anonymous=True
    )
    number = c.backing(world, backing_id).receipt_number
    token = {
        "manager": org.token,
        "backer": world.helper.token,
        "other_helper": world.other_helper.token,
    }.get(who)
    if who in world.people():
        actor = world.people()[who]
        token = actor.token if actor else None
    found = api.data(BY_RECEIPT, {"number": number}, token=token)["backing"]
    assert (found is not None) == sees_backing
    if found is not None:
        assert (found["receipt"] is not None) == sees_receipt


def test_a_refunded_backing_says_so_on_its_receipt(api, world):
    campaign_id = c.active(world)
    backing_id = c.received(world, campaign_id, 1_500, actor=world.principal(world.helper))
    with unit_of_work(world.engine) as session:
        service.cancel_campaign(
            session,
            actor=world.principal(world.admin),
            settings=world.settings,
            campaign_id=campaign_id,
            reason=None,
            idempotency_key=c.key(),
        )
    receipt = api.data(NODE, {"id": gid("Backing", backing_id)}, token=world.helper.token)["node"][
        "receipt"
    ]
    assert receipt["refunded"] is True
    assert "Refunded" in receipt["html"]


@pytest.mark.parametrize("count", [5, 30])
def test_my_backings_cost_the_same_for_5_and_30(api, world, sql_counter, count):
    helper = world.principal(world.helper)
    campaigns = [c.active(world), c.active(world)]
    for i in range(count):
        c.received(world, campaigns[i % 2], 1_000 + i, actor=helper)
    sql_counter.reset()
    nodes = api.data(MINE, {"first": 100}, token=world.helper.token)["myBackings"]["nodes"]
    assert len(nodes) == count and all(n["receipt"] for n in nodes)
    assert {n["campaign"]["id"] for n in nodes} == {gid("Campaign", i) for i in campaigns}
    # Token, the page (references joined), visible campaigns, the receipts' campaigns and
    # their translations: never one per backing.
    assert sql_counter.count <= 5, sql_counter.statements


BY_PAYMENT_REFERENCE = f"""
query($id: ID!, $reference: String!) {{
  backingByPaymentReference(id: $id, paymentReference: $reference) {{
    id status receiptNumber backerName {RECEIPT_FIELDS}
  }}
}}"""


def test_a_guest_follows_a_backing_by_its_id_and_payment_reference(api, world):
    # Given a guest's pending backing: the browser kept its ID and payment reference
    campaign_id = c.active(world)
    backing_id = c.back(world, campaign_id, 3_000, backer_name="Guest Cy")
    both = {"id": gid("Backing", backing_id), "reference": _reference(world, backing_id)}

    # Then the guest reads it while pending, without a receipt yet
    pending = api.data(BY_PAYMENT_REFERENCE, both)["backingByPaymentReference"]
    assert pending["status"] == "PENDING" and pending["receiptNumber"] is None
    assert pending["receipt"] is None and pending["backerName"] == "Guest Cy"

    # And once the money arrived, with its receipt number and receipt
    c.reconcile(world, backing_id)
    received = api.data(BY_PAYMENT_REFERENCE, both)["backingByPaymentReference"]
    number = c.backing(world, backing_id).receipt_number
    assert received["status"] == "RECEIVED"
    assert received["receiptNumber"] == received["receipt"]["number"] == number

    # Another backing's reference, or a wrong one, finds nothing
    other = c.back(world, campaign_id, 1_000)
    mismatched = {"id": both["id"], "reference": _reference(world, other)}
    assert api.data(BY_PAYMENT_REFERENCE, mismatched)["backingByPaymentReference"] is None
    wrong = {"id": both["id"], "reference": "PAY-NOTTHIS"}
    assert api.data(BY_PAYMENT_REFERENCE, wrong)["backingByPaymentReference"] is None
