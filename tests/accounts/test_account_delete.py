"""Deleting one's account: personal data erased, money records kept with the donor
anonymised, the ledger untouched, what belongs to others left in place."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from api.accounts.models import AccessToken, Account
from api.audit.models import AuditEvent
from api.core.roles import Role
from api.crowdfunding.models import Backing
from api.donation.models import Donation
from api.helpers.models import Helper
from api.households.models import Household
from api.ledger.models import LedgerEntry
from api.mall.models import Order
from tests import factories
from tests.crowdfunding import factories as campaigns
from tests.donation import factories as donations
from tests.help_requests.factories import account
from tests.mall import factories as mall

DELETE = """
mutation($password: String!) {
  accountDelete(input: {password: $password}) { deleted errors { field code message } }
}
"""
ME = "query { me { email } }"
LOGIN = """
mutation($email: String!) {
  tokenCreate(input: {email: $email, password: "correct-horse-battery"}) {
    token errors { code }
  }
}
"""
HELPER = "query($id: ID!) { node(id: $id) { ... on Helper { displayName about kind } } }"


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def delete(api, actor, password=factories.PASSWORD, locale=None):
    return api.data(DELETE, {"password": password}, token=actor.token, locale=locale)[
        "accountDelete"
    ]


def ledger_entries(engine) -> list[tuple[int, int, str]]:
    with Session(engine) as session:
        return [
            (row.account_id, row.amount_minor, row.currency)
            for row in session.exec(select(LedgerEntry).order_by(sa.text("id"))).all()
        ]


@pytest.fixture
def generous_helper(world):
    """The world's helper gave to the general fund and a campaign, and bought in the mall,
    by name and with messages; all of it went through."""
    principal = world.principal(world.helper)
    donation_id, _ = donations.donate(
        world.engine, world.settings, principal, donor_name="Ada Donor", message="From Ada"
    )
    donations.reconcile(world.engine, world.principal(world.admin), donation_id)
    campaign_id = campaigns.active(world)
    backing_id = campaigns.received(
        world, campaign_id, actor=principal, backer_name="Ada Backer", message="Go Ada"
    )
    seller_id = mall.seller(world)
    order_id = mall.place(world, {mall.product(world, seller_id): 1}, buyer=world.helper)
    mall.pay(world, order_id)
    mall.complete(world, order_id)
    return {"donation": donation_id, "backing": backing_id, "order": order_id}


def test_deleting_an_account_erases_its_personal_data_and_keeps_the_money(
    api, world, engine, generous_helper
):
    # Given a helper whose gifts and purchases are on the books
    books_before = ledger_entries(engine)
    with Session(engine) as session:
        receipt = session.get(Donation, generous_helper["donation"]).receipt_number

    # When they delete their account
    payload = delete(api, world.helper)

    # Then the login is gone: tokens revoked, email and password unusable
    assert payload == {"deleted": True, "errors": []}
    assert api.data(ME, token=world.helper.token)["me"] is None
    assert api.data(LOGIN, {"email": world.helper.email})["tokenCreate"]["token"] is None
    with Session(engine) as session:
        row = session.get(Account, world.helper.account_id)
        assert row.email == f"deleted-{world.helper.account_id}@deleted.invalid"
        assert (row.display_name, row.locale, row.is_active) == ("", None, False)
        assert row.deleted_at is not None
        assert "correct-horse" not in row.password_hash and not row.password_hash.startswith(
            "$argon2"
        )
        live = session.exec(
            select(AccessToken)
            .where(AccessToken.account_id == world.helper.account_id)
            .where(AccessToken.revoked_at == None)  # noqa: E711
        ).all()
        assert live == []

        # And the money records stay, with the donor anonymised
        donation = session.get(Donation, generous_helper["donation"])
        assert (donation.donor_name, donation.message, donation.anonymous) == (None, None, True)
        assert (donation.status, donation.amount_minor, donation.receipt_number) == (
            "RECEIVED",
            2_500,
            receipt,
        )
        backing = session.get(Backing, generous_helper["backing"])
        assert (backing.backer_name, backing.message, backing.anonymous) == (None, None, True)
        assert backing.status == "RECEIVED"
        order = session.get(Order, generous_helper["order"])
        assert (order.shipping_address, order.status) == ("", "COMPLETED")

        # And the helper profile no longer names the person
        helper = session.get(Helper, world.helper.helper_id)
        assert (helper.display_name, helper.about, helper.preferred_causes) == ("", None, [])

        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "account.delete"))
        assert event.detail["anonymised"] == {"donations": 1, "backings": 1, "orders": 1}
        assert world.helper.email not in str(event.detail)

    # The ledger is untouched
    assert ledger_entries(engine) == books_before
    # Others see a former helper
    shown = api.data(HELPER, {"id": gid("Helper", world.helper.helper_id)}, locale="fr")["node"]
    assert shown == {"displayName": "Ancien soutien", "about": None, "kind": "INDIVIDUAL"}


def test_the_email_of_a_deleted_account_can_register_again(api, world):
    delete(api, world.helper)
    body = api.data(
        """mutation { accountRegister(input: {email: "helper@example.org",
             password: "a-fresh-start-2026", displayName: "Ada"}) { errors { code } } }"""
    )
    assert body["accountRegister"]["errors"] == []


def test_a_wrong_password_deletes_nothing(api, world, engine):
    payload = delete(api, world.helper, password="not-my-password")

    assert payload["deleted"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("password", "INVALID_CREDENTIALS")
    ]
    assert api.data(ME, token=world.helper.token)["me"] == {"email": world.helper.email}
    with Session(engine) as session:
        assert session.get(Account, world.helper.account_id).deleted_at is None


def test_the_last_platform_admin_cannot_delete_their_account(api, world, engine, settings):
    refused = delete(api, world.admin, locale="es")
    assert refused["deleted"] is False
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(None, "INVALID_STATE")]
    assert "último administrador" in refused["errors"][0]["message"]

    # Given a second admin, the first may go; then the second is the last one
    second = account(engine, settings, Role.PLATFORM_ADMIN, email="admin2@example.org")
    assert delete(api, world.admin) == {"deleted": True, "errors": []}
    assert delete(api, second)["errors"][0]["code"] == "INVALID_STATE"


def test_a_household_representative_leaves_and_the_household_stays(api, world, engine):
    with Session(engine) as session:
        before = session.get(Household, world.household).model_dump()

    assert delete(api, world.rep) == {"deleted": True, "errors": []}

    with Session(engine) as session:
        assert session.get(Household, world.household).model_dump() == before
    public = api.data(
        "query($id: ID!) { node(id: $id) { ... on Household { publicCode } } }",
        {"id": gid("Household", world.household_code)},
    )
    assert public["node"] == {"publicCode": world.household_code}


def test_an_organisation_keeps_its_profile_when_one_admin_leaves(api, world, engine, settings):
    org_admin = account(engine, settings, Role.ORGANISATION_ADMIN, email="org@example.org")
    with Session(engine) as session:
        before = session.get(Helper, org_admin.helper_id).display_name

    assert delete(api, org_admin)["deleted"] is True

    with Session(engine) as session:
        assert session.get(Helper, org_admin.helper_id).display_name == before


def test_no_deletion_while_mall_orders_are_under_way(api, world, engine):
    seller_id = mall.seller(world)
    order_id = mall.place(world, {mall.product(world, seller_id): 1}, buyer=world.helper)

    refused = delete(api, world.helper)

    assert refused["deleted"] is False
    assert [e["code"] for e in refused["errors"]] == ["INVALID_STATE"]
    with Session(engine) as session:
        assert session.get(Order, order_id).shipping_address == "1 Market Street"
        assert session.get(Account, world.helper.account_id).is_active


def test_thanks_to_a_helper_who_left_name_a_former_helper(api, backend, engine, settings):
    """The household's thanks stay public; the name the helper erased does not come back,
    and the list does not show a blank name either."""
    from api.core.db import unit_of_work
    from api.pledges import service as pledges
    from tests.help_requests import factories as f

    world = f.make_world(engine, settings)
    request_id = f.published(world, target_minor=5_000)
    pledge_id = f.pledge(world, request_id, amount=5_000)
    with unit_of_work(engine) as session:
        pledges.mark_delivered(session, actor=world.principal(world.helper), pledge_id=pledge_id)
        pledges.confirm_receipt(
            session,
            actor=world.principal(world.rep),
            pledge_id=pledge_id,
            thank_you_message="Thank you for the seeds.",
        )
    deleted = api.data(DELETE, {"password": factories.PASSWORD}, token=world.helper.token)
    assert deleted["accountDelete"]["errors"] == []

    thanks = api.data(
        "query($id: ID!) { node(id: $id) { ... on Household { thanks { message helperName } } } }",
        {"id": f.gid("Household", world.household_code)},
        locale="fr",
    )["node"]["thanks"]
    assert thanks == [{"message": "Thank you for the seeds.", "helperName": "Ancien soutien"}]


def test_a_campaign_whose_organiser_left_names_a_deleted_account(api, backend, engine, settings):
    from tests.crowdfunding import factories as c
    from tests.help_requests import factories as f

    world = f.make_world(engine, settings)
    organiser = c.org_admin(world)
    campaign_id = c.active(world, organiser=world.principal(organiser))
    deleted = api.data(DELETE, {"password": factories.PASSWORD}, token=organiser.token)
    assert deleted["accountDelete"]["errors"] == []

    node = api.data(
        "query($id: ID!) { node(id: $id) { ... on Campaign { organiserName } } }",
        {"id": f.gid("Campaign", campaign_id)},
        locale="es",
    )["node"]
    assert node == {"organiserName": "Cuenta eliminada"}
