"""Two people registering the same email at the same moment."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from api.accounts.models import Account
from tests.conftest import GraphQLClient

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { email } errors { field code } }
}
"""


def test_concurrent_registrations_with_one_email_make_one_account(api, backend, engine):
    values = {"email": "ada@example.org", "password": "correct-horse-battery", "displayName": "Ada"}
    variables = {"input": values}

    def register(_: int) -> dict:
        client = GraphQLClient(api.base_url)
        try:
            return client.post(REGISTER, variables)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(register, range(8)))

    assert [b.get("errors") for b in bodies] == [None] * 8
    payloads = [b["data"]["accountRegister"] for b in bodies]
    assert sum(p["account"] is not None for p in payloads) == 1
    refused = [p["errors"] for p in payloads if p["account"] is None]
    assert refused == [[{"field": "email", "code": "DUPLICATE"}]] * 7
    with Session(engine) as session:
        assert len(session.exec(select(Account)).all()) == 1
