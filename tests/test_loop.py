"""The whole loop over real HTTP: an admin sets up areas and a caseworker; the caseworker
registers and verifies a household and gives it a representative; the representative asks
for help; the caseworker publishes the request; a helper registers, finds it, pledges and
delivers; the household confirms with thanks; the public sees the thanks and the figures."""

from __future__ import annotations

from datetime import timedelta

from api.core.db import utcnow
from api.core.roles import Role
from tests import factories

PASSWORD = "a-long-enough-password"

REGION_CREATE = """
mutation($input: RegionCreateInput!) {
  regionCreate(input: $input) { region { id } errors { field code } }
}"""
STAFF_CREATE = """
mutation($input: StaffAccountCreateInput!) {
  staffAccountCreate(input: $input) { account { role } errors { field code } }
}"""
ACCOUNT_REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { role } errors { field code } }
}"""
TOKEN_CREATE = """
mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { token errors { field code } }
}"""
HOUSEHOLD_REGISTER = """
mutation($input: HouseholdRegisterInput!) {
  householdRegister(input: $input) { household { id publicCode } errors { field code } }
}"""
HOUSEHOLD_VERIFY = """
mutation($input: HouseholdVerifyInput!) {
  householdVerify(input: $input) { household { id } errors { field code } }
}"""
REQUEST_CREATE = """
mutation($input: HelpRequestCreateInput!) {
  helpRequestCreate(input: $input) { helpRequest { id status } errors { field code } }
}"""
REQUEST_SUBMIT = """
mutation($input: HelpRequestSubmitInput!) {
  helpRequestSubmit(input: $input) { helpRequest { status } errors { field code } }
}"""
REQUEST_VERIFY = """
mutation($input: HelpRequestVerifyInput!) {
  helpRequestVerify(input: $input) { helpRequest { status publishedAt } errors { field code } }
}"""
FIND = """
query($filter: HelpRequestFilter, $orderBy: HelpRequestOrder) {
  helpRequests(filter: $filter, orderBy: $orderBy, first: 10) {
    nodes {
      id title { text } urgency status
      category { label }
      target { amountMinor currency formatted }
      remaining { amountMinor }
      household { publicCode region { name } causes { code } }
    }
  }
}"""
PLEDGE_CREATE = """
mutation($input: PledgeCreateInput!) {
  pledgeCreate(input: $input) { pledge { id status } errors { field code } }
}"""
PLEDGE_DELIVER = """
mutation($input: PledgeMarkDeliveredInput!) {
  pledgeMarkDelivered(input: $input) { pledge { status } errors { field code } }
}"""
PLEDGE_CONFIRM = """
mutation($input: PledgeConfirmReceiptInput!) {
  pledgeConfirmReceipt(input: $input) {
    pledge { status request { status received { amountMinor } } }
    errors { field code }
  }
}"""
HOUSEHOLD_PUBLIC = """
query($id: ID!) {
  node(id: $id) {
    ... on Household {
      publicCode headName
      openRequests { title { text } }
      thanks { message helperName confirmedOn }
    }
  }
}"""
STATS = """
query($region: ID) {
  stats(region: $region) {
    householdsRegistered requestsMade requestsMet pledgesDelivered medianDaysToFirstPledge
  }
}"""


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload


def login(api, email: str) -> str:
    token = ok(
        api.data(TOKEN_CREATE, {"input": {"email": email, "password": PASSWORD}})["tokenCreate"]
    )["token"]
    assert token
    return token


def test_the_whole_loop(api, backend, engine, settings):
    admin = factories.staff(engine, settings, Role.PLATFORM_ADMIN, email="admin@example.org")

    # The admin sets up the areas down to a village, and a caseworker for the county.
    parent = None
    regions = {}
    for level, (code, name) in enumerate(
        [
            ("GZ", "Guizhou"),
            ("GZ-QN", "Qiannan"),
            ("GZ-QN-LD", "Luodian"),
            ("GZ-QN-LD-T", "Bianyang"),
            ("GZ-QN-LD-T-V", "Dongjia"),
        ],
        start=1,
    ):
        region = api.data(
            REGION_CREATE,
            {"input": {"code": code, "name": name, "level": level, "parent": parent}},
            token=admin.token,
        )["regionCreate"]
        parent = regions[code] = ok(region)["region"]["id"]
    ok(
        api.data(
            STAFF_CREATE,
            {
                "input": {
                    "email": "caseworker@example.org",
                    "password": PASSWORD,
                    "displayName": "Caseworker Liu",
                    "role": "CASEWORKER",
                    "region": regions["GZ-QN-LD"],
                }
            },
            token=admin.token,
        )["staffAccountCreate"]
    )
    caseworker = login(api, "caseworker@example.org")

    # The caseworker registers and verifies a household, and gives it a representative.
    household = ok(
        api.data(
            HOUSEHOLD_REGISTER,
            {
                "input": {
                    "region": regions["GZ-QN-LD-T-V"],
                    "headName": "Wang Fang",
                    "membersCount": 4,
                    "causes": ["ILLNESS"],
                    "consentToPublish": True,
                }
            },
            token=caseworker,
        )["householdRegister"]
    )["household"]
    ok(
        api.data(HOUSEHOLD_VERIFY, {"input": {"id": household["id"]}}, token=caseworker)[
            "householdVerify"
        ]
    )
    ok(
        api.data(
            STAFF_CREATE,
            {
                "input": {
                    "email": "rep@example.org",
                    "password": PASSWORD,
                    "displayName": "Wang Fang",
                    "role": "HOUSEHOLD_REPRESENTATIVE",
                    "household": household["id"],
                }
            },
            token=caseworker,
        )["staffAccountCreate"]
    )
    rep = login(api, "rep@example.org")

    # The representative asks for help; the caseworker checks and publishes the request.
    deadline = (utcnow().date() + timedelta(days=30)).isoformat()
    request = ok(
        api.data(
            REQUEST_CREATE,
            {
                "input": {
                    "category": "MEDICAL",
                    "title": "Medicine for the winter",
                    "description": "Three months of medicine for a chronic illness.",
                    "target": {"amountMinor": 60_000, "currency": "USD"},
                    "deadline": deadline,
                    "urgency": "HIGH",
                }
            },
            token=rep,
        )["helpRequestCreate"]
    )["helpRequest"]
    assert request["status"] == "DRAFT"
    submitted = api.data(REQUEST_SUBMIT, {"input": {"id": request["id"]}}, token=rep)
    assert ok(submitted["helpRequestSubmit"])["helpRequest"]["status"] == "PENDING_VERIFICATION"
    assert api.data(FIND)["helpRequests"]["nodes"] == []  # not public yet
    verified = api.data(REQUEST_VERIFY, {"input": {"id": request["id"]}}, token=caseworker)
    assert ok(verified["helpRequestVerify"])["helpRequest"]["status"] == "OPEN"

    # A helper registers, logs in and finds the request with filters.
    ok(
        api.data(
            ACCOUNT_REGISTER,
            {
                "input": {
                    "email": "helper@example.org",
                    "password": PASSWORD,
                    "displayName": "Chen Jing",
                }
            },
        )["accountRegister"]
    )
    helper = login(api, "helper@example.org")
    found = api.data(
        FIND,
        {
            "filter": {
                "region": regions["GZ-QN"],
                "cause": "ILLNESS",
                "category": "MEDICAL",
                "status": ["OPEN"],
                "amount": {"currency": "USD", "max": 100_000},
                "text": "medicine",
            },
            "orderBy": {"field": "MOST_URGENT"},
        },
        token=helper,
    )["helpRequests"]["nodes"]
    assert [n["id"] for n in found] == [request["id"]]
    shown = found[0]
    assert shown["target"] == {"amountMinor": 60_000, "currency": "USD", "formatted": "$600.00"}
    assert shown["household"]["publicCode"] == household["publicCode"]
    assert shown["household"]["region"]["name"] == "Luodian"  # the public level: county
    assert shown["category"]["label"] == "Medical care"

    # The helper pledges the whole amount and delivers it.
    pledge = ok(
        api.data(
            PLEDGE_CREATE,
            {
                "input": {
                    "request": request["id"],
                    "kind": "MONEY",
                    "amount": {"amountMinor": 60_000, "currency": "USD"},
                    "dueOn": (utcnow().date() + timedelta(days=7)).isoformat(),
                    "idempotencyKey": "loop-pledge-1",
                }
            },
            token=helper,
        )["pledgeCreate"]
    )["pledge"]
    delivered = api.data(PLEDGE_DELIVER, {"input": {"id": pledge["id"]}}, token=helper)
    assert ok(delivered["pledgeMarkDelivered"])["pledge"]["status"] == "DELIVERED"

    # The household confirms receipt with thanks.
    confirmed = ok(
        api.data(
            PLEDGE_CONFIRM,
            {"input": {"id": pledge["id"], "thankYouMessage": "Thank you, the winter is safe."}},
            token=rep,
        )["pledgeConfirmReceipt"]
    )["pledge"]
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["request"] == {"status": "FULFILLED", "received": {"amountMinor": 60_000}}

    # Anyone sees the thanks on the household's public view, and none of its personal data.
    public = api.post(HOUSEHOLD_PUBLIC, {"id": household["id"]})
    view = public["data"]["node"]
    assert view["headName"] is None
    assert [e["extensions"]["code"] for e in public["errors"]] == ["UNAUTHENTICATED"]
    assert view["openRequests"] == []  # met
    assert [(t["message"], t["helperName"]) for t in view["thanks"]] == [
        ("Thank you, the winter is safe.", "Chen Jing")
    ]
    assert view["thanks"][0]["confirmedOn"] == utcnow().date().isoformat()

    # The figures reflect it, for the instance and for the county, exactly for the staff
    # covering the area; the public sees such small figures withheld, not as numbers.
    expected = {
        "householdsRegistered": 1,
        "requestsMade": 1,
        "requestsMet": 1,
        "pledgesDelivered": 1,
        "medianDaysToFirstPledge": 0.0,
    }
    assert api.data(STATS, token=admin.token)["stats"] == expected
    county = {"region": regions["GZ-QN-LD"]}
    assert api.data(STATS, county, token=caseworker)["stats"] == expected
    assert api.data(STATS, county)["stats"] == dict.fromkeys(expected)
