"""Sellers are not helpers, over real HTTP: a cooperative registers an account that only
sells (role SELLER, no helper profile) and its seller in one step, and neither that nor
registering a seller from an existing account moves `stats.helpersRegistered`."""

from __future__ import annotations

from typing import Any

import pytest

from api.accounts.models import Account
from api.core.db import unit_of_work
from api.helpers.models import Helper
from api.mall.models import Seller
from api.stats.service import rebuild_stats
from tests.factories import PASSWORD
from tests.help_requests.factories import count, gid

REGISTER_ACCOUNT = """
mutation($input: SellerAccountRegisterInput!) {
  sellerAccountRegister(input: $input) {
    account { email displayName role helper { id } }
    seller { id kind status displayName region { name } }
    errors { field code }
  }
}"""
HELPERS = "{ stats { helpersRegistered { kind count } } }"
LOGIN = """
mutation($email: String!, $password: String!) {
  tokenCreate(input: {email: $email, password: $password}) { token errors { code } }
}"""
MY_SELLERS = "{ mySellers { id status } }"
VERIFY = """
mutation($seller: ID!) {
  sellerVerify(input: {seller: $seller, approve: true}) { seller { status } errors { code } }
}"""
PRODUCT = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { product { id seller { displayName } } errors { field code } }
}"""
SELLER_REGISTER = """
mutation($input: SellerRegisterInput!) {
  sellerRegister(input: $input) { seller { id } errors { field code } }
}"""
ACCOUNT_REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { role } errors { field code } }
}"""


def helpers(api) -> dict[str, int]:
    rows = api.data(HELPERS)["stats"]["helpersRegistered"]
    return {row["kind"]: row["count"] for row in rows}


def account_input(world, **seller: Any) -> dict[str, Any]:
    return {
        "input": {
            "email": "coop@example.org",
            "password": PASSWORD,
            "displayName": "Mei, coop manager",
            "locale": "zh_Hans",
            "seller": {
                "kind": "COOPERATIVE",
                "displayName": "Hill tea cooperative",
                "region": gid("Region", world.regions["P1-A-C1-T-V"].id),
                **seller,
            },
        }
    }


def test_a_cooperative_sells_without_becoming_a_helper(api, world):
    # Given the helpers registered so far
    before = helpers(api)
    helper_rows = count(world.engine, Helper)

    # When a cooperative registers an account that sells, and its seller
    payload = api.data(REGISTER_ACCOUNT, account_input(world))["sellerAccountRegister"]

    # Then it is a SELLER account without a helper profile, managing a PENDING seller
    assert payload["errors"] == []
    assert payload["account"] == {
        "email": "coop@example.org",
        "displayName": "Mei, coop manager",
        "role": "SELLER",
        "helper": None,
    }
    seller = payload["seller"]
    assert (seller["kind"], seller["status"], seller["displayName"]) == (
        "COOPERATIVE",
        "PENDING",
        "Hill tea cooperative",
    )
    # And `helpersRegistered` did not move
    assert helpers(api) == before
    assert count(world.engine, Helper) == helper_rows

    # And the account logs in, manages its seller and lists produce once it is verified
    token = api.data(LOGIN, {"email": "coop@example.org", "password": PASSWORD})["tokenCreate"][
        "token"
    ]
    assert api.data(MY_SELLERS, token=token)["mySellers"] == [
        {"id": seller["id"], "status": "PENDING"}
    ]
    verified = api.data(VERIFY, {"seller": seller["id"]}, token=world.caseworker.token)
    assert verified["sellerVerify"]["seller"]["status"] == "VERIFIED"
    product = api.data(
        PRODUCT,
        {
            "input": {
                "seller": seller["id"],
                "name": "Green tea",
                "sourceLanguage": "en",
                "price": {"amountMinor": 3_000, "currency": "CNY"},
                "unit": "250 g",
                "originRegion": gid("Region", world.regions["P1-A-C1-T-V"].id),
                "producerVillage": gid("Region", world.regions["P1-A-C1-T-V"].id),
            }
        },
        token=token,
    )["productCreate"]
    assert product["errors"] == []
    assert product["product"]["seller"] == {"displayName": "Hill tea cooperative"}
    assert helpers(api) == before


def test_registering_a_seller_from_an_existing_account_moves_no_counter(api, world):
    before = helpers(api)
    payload = api.data(
        SELLER_REGISTER,
        {
            "input": {
                "kind": "HOUSEHOLD",
                "displayName": "Wang family",
                "household": gid("Household", world.household_code),
            }
        },
        token=world.rep.token,
    )["sellerRegister"]
    assert payload["errors"] == []
    assert helpers(api) == before
    # Registering to help is what counts a helper.
    api.data(
        ACCOUNT_REGISTER,
        {"input": {"email": "giver@example.org", "password": PASSWORD, "displayName": "Giver"}},
    )
    assert helpers(api) == {**before, "INDIVIDUAL": before["INDIVIDUAL"] + 1}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seller": {"kind": "HOUSEHOLD"}}, {("seller.kind", "INVALID")}),
        ({"seller": {"region": None}}, {("seller.region", "REQUIRED")}),
        (
            {"password": "short", "seller": {"displayName": " ", "producerShareBps": 10_001}},
            {
                ("password", "WEAK_PASSWORD"),
                ("seller.displayName", "REQUIRED"),
                ("seller.producerShareBps", "OUT_OF_RANGE"),
            },
        ),
        ({"email": "rep@example.org"}, {("email", "DUPLICATE")}),
    ],
)
def test_every_refused_field_is_reported_and_nothing_is_written(api, world, change, expected):
    variables = account_input(world)
    variables["input"]["seller"].update(change.get("seller", {}))
    variables["input"].update({k: v for k, v in change.items() if k != "seller"})
    accounts, sellers = count(world.engine, Account), count(world.engine, Seller)
    payload = api.data(REGISTER_ACCOUNT, variables)["sellerAccountRegister"]
    assert payload["account"] is None and payload["seller"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == expected
    assert (count(world.engine, Account), count(world.engine, Seller)) == (accounts, sellers)


def test_rebuilt_statistics_do_not_count_seller_accounts_either(api, world):
    before = helpers(api)
    assert api.data(REGISTER_ACCOUNT, account_input(world))["sellerAccountRegister"]["errors"] == []
    with unit_of_work(world.engine) as session:
        rebuild_stats(session)
    assert helpers(api) == before
