"""Logins and other writes at once, on the embedded default (two server processes on one
SQLite file) and on PostgreSQL.

Argon2 is slow on purpose, and SQLite has one write lock per database: a mutation that
hashed inside its write transaction made every writer of every process wait for it, so
logins serialized, and a burst of them ended in TIMEOUT and "database is locked" errors.
Three things are checked here: no mutation with a password (or a picture) holds the
write lock while it hashes (or encodes); a password verified before the write
transaction is never honoured after it stopped being the account's (compare-and-set);
and 150 concurrent logins with donations among them all succeed across two processes."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from argon2 import PasswordHasher
from PIL import Image as PILImage
from sqlalchemy.engine import Engine, make_url

from api.accounts import service
from api.accounts.models import AccessToken, Account
from api.core import security
from api.core.auth import ANONYMOUS, Principal
from api.core.db import create_db_engine, read_session, unit_of_work, utcnow
from api.core.errors import ErrorCode, ServiceError
from api.core.roles import Role
from api.donation.models import Donation
from api.media import service as media
from api.migrations import alembic_config
from tests import conftest
from tests.factories import PASSWORD
from tests.help_requests.factories import gid
from tests.mall import factories as mall
from tests.serverproc import ROOT, ServerProcess

NEW_PASSWORD = "a-new-correct-horse-staple"
LOGINS = 150
DONATIONS = 60
# What one Argon2 hash costs the server processes of the load test: production's takes
# about 0.2 s of a core, and 150 of them would take the shared test machine's two cores
# for 30 s. The servers hash for real (Argon2id, the tests' cheap parameters), then wait
# this long without using a core: 150 logins hashing one after another under the write
# lock take 37 s, so the whole load finishing well before that shows they did not.
HASH_SECONDS = 0.25
# The servers of the load test: the app with the hasher above, under uvicorn.
SERVER = f"""
import sys, threading, time
import uvicorn
from argon2 import PasswordHasher
from api.core import security

class SlowHasher(PasswordHasher):
    def hash(self, *args, **kwargs):
        hashed = super().hash(*args, **kwargs)
        time.sleep({HASH_SECONDS})
        return hashed

    def verify(self, *args, **kwargs):
        verified = super().verify(*args, **kwargs)
        time.sleep({HASH_SECONDS})
        return verified

security._hasher = SlowHasher(time_cost=1, memory_cost=1024, parallelism=1)
security.HASHING_SLOTS = threading.BoundedSemaphore(security.hashing_slots(security._hasher))
uvicorn.run("api.asgi:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
# The load comes from one test process: the budgets are out of its reach; each login has
# its own client address (X-Forwarded-For, believed from the loopback) and account.
UNLIMITED_ENV = {
    "AIDBRIDGE_RATE_LIMIT_POINTS": str(10**12),
    "AIDBRIDGE_LOGIN_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_IP_FREE_ATTEMPTS": str(10**9),
    "AIDBRIDGE_LOGIN_IP_MAX_FAILURES": str(10**12),
    "AIDBRIDGE_LOGIN_BACKOFF_MAX_SECONDS": "0",
    # Shared by the two processes, as several workers on one SQLite file must.
    "AIDBRIDGE_RATE_LIMIT_STORE": "database",
    # A login waits for a hashing slot (api/core/security.py): two per process here, so
    # the last ones wait about LOGINS * HASH_SECONDS / 4. The default 10 s would answer
    # them TIMEOUT on a loaded test machine; what is measured is locking, not the CPU.
    "AIDBRIDGE_OPERATION_TIMEOUT": "60",
}

REGISTER = """mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { account { id } errors { field code } } }"""
LOGIN = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { token account { email } errors { field code } } }"""
CHANGE = """mutation($input: PasswordChangeInput!) {
  passwordChange(input: $input) { changed errors { field code } } }"""
RESET = """mutation($input: PasswordResetConfirmInput!) {
  passwordResetConfirm(input: $input) { reset errors { field code } } }"""
DELETE = """mutation($input: AccountDeleteInput!) {
  accountDelete(input: $input) { deleted errors { field code } } }"""
STAFF = """mutation($input: StaffAccountCreateInput!) {
  staffAccountCreate(input: $input) { account { id } errors { field code } } }"""
SELLER_ACCOUNT = """mutation($input: SellerAccountRegisterInput!) {
  sellerAccountRegister(input: $input) { account { id } errors { field code } } }"""
UPLOAD = """mutation($file: Upload!) {
  imageUpload(file: $file) { image { id } errors { field code } } }"""
DONATE = """mutation($input: DonationCreateInput!) {
  donationCreate(input: $input) { donation { id } errors { field code } } }"""
ME = "{ me { email } }"


# --- No slow work under the write lock (SQLite) ---------------------------------------------


def write_lock_free(database: str) -> bool:
    """Whether another connection could begin writing to the SQLite file right now."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@dataclass
class LockProbe:
    """For every Argon2 call and picture encoding of the live server: was the write lock
    free while it ran? The server answers one request at a time here, so a held lock is
    the request's own."""

    database: str
    seen: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, what: str) -> None:
        self.seen.append((what, write_lock_free(self.database)))

    def held(self) -> list[str]:
        return [what for what, free in self.seen if not free]


@pytest.fixture
def lock_probe(backend: conftest.Backend, monkeypatch: pytest.MonkeyPatch) -> LockProbe:
    probe = LockProbe(make_url(backend.url).database or "")

    class ProbingHasher(PasswordHasher):
        def hash(self, *args: Any, **kwargs: Any) -> str:
            probe.check("hash")
            return super().hash(*args, **kwargs)

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            probe.check("verify")
            return super().verify(hash, password)

    def probed_encoding(picture: Any) -> Any:
        probe.check("encode picture")
        return encode(picture)

    encode = media.encode_variants
    monkeypatch.setattr(security, "_hasher", ProbingHasher(time_cost=1, memory_cost=1024))
    monkeypatch.setattr(media, "encode_variants", probed_encoding)
    return probe


def payload(
    api: conftest.GraphQLClient, name: str, query: str, token: str | None = None, **variables: Any
) -> Any:
    return api.data(query, variables, token=token)[name]


def photo() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (700, 400), (40, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_mutation_hashes_or_encodes_under_the_write_lock(api, world, lock_probe):
    """Every mutation that hashes or verifies a password, and the picture upload, does
    it with SQLite's write lock free, failing attempts included."""
    email = "newcomer@example.org"
    registered = payload(
        api,
        "accountRegister",
        REGISTER,
        input={"email": email, "password": PASSWORD, "displayName": "Newcomer"},
    )
    assert registered["errors"] == []
    wrong = payload(api, "tokenCreate", LOGIN, input={"email": email, "password": "wrong-" * 3})
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_CREDENTIALS"]
    login = payload(api, "tokenCreate", LOGIN, input={"email": email, "password": PASSWORD})
    token = login["token"]
    assert token
    change = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    assert payload(api, "passwordChange", CHANGE, input=change, token=token)["changed"]

    with unit_of_work(world.engine) as session:
        issued = service.request_password_reset(
            session, actor=ANONYMOUS, email=email, secret_key=world.settings.secret_key
        )
    assert issued is not None
    reset = {"token": issued.token, "newPassword": PASSWORD}
    assert payload(api, "passwordResetConfirm", RESET, input=reset)["reset"]
    token = payload(api, "tokenCreate", LOGIN, input={"email": email, "password": PASSWORD})[
        "token"
    ]
    assert payload(api, "accountDelete", DELETE, input={"password": PASSWORD}, token=token)[
        "deleted"
    ]

    staff = {
        "email": "cw2@example.org",
        "password": PASSWORD,
        "displayName": "Second caseworker",
        "role": "CASEWORKER",
        "region": gid("Region", world.regions["P1-A-C2"].id),
    }
    created = payload(api, "staffAccountCreate", STAFF, input=staff, token=world.admin.token)
    assert created["errors"] == []
    seller = {
        "email": "coop@example.org",
        "password": PASSWORD,
        "displayName": "Coop manager",
        "seller": {
            "kind": "COOPERATIVE",
            "displayName": "Hill tea cooperative",
            "region": gid("Region", world.regions["P1-A-C1-T-V"].id),
        },
    }
    assert payload(api, "sellerAccountRegister", SELLER_ACCOUNT, input=seller)["errors"] == []

    mall.seller(world)  # the representative now manages a seller: may upload pictures
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    response = api.http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", photo(), "application/octet-stream")},
        headers={"Authorization": f"Bearer {world.rep.token}"},
    )
    assert response.json()["data"]["imageUpload"]["errors"] == []

    kinds = [what for what, _ in lock_probe.seen]
    # register, 2 logins + 1 wrong, change (verify + hash), reset, login, delete, staff, seller
    assert kinds.count("verify") == 5 and kinds.count("hash") == 5, kinds
    assert kinds.count("encode picture") == 1
    assert lock_probe.held() == []


# --- A password verified before the write is re-checked in it --------------------------------


def _account(engine: Engine, email: str) -> tuple[int, str]:
    with unit_of_work(engine) as session:
        account = service.register_helper_account(
            session, email=email, password=PASSWORD, display_name="Ada"
        )
        _, token = service.create_token(
            session, email=email, password=PASSWORD, secret_key="k" * 40
        )
    assert account.id is not None
    return account.id, token


def _change_password_elsewhere(engine: Engine, account_id: int) -> None:
    """What another session does meanwhile: a password reset to NEW_PASSWORD."""
    with unit_of_work(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.password_hash = security.hash_password(NEW_PASSWORD)
        session.add(account)


def _refused(action: Callable[[], object]) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        action()
    return refused.value


def test_a_login_verified_before_a_password_change_gets_no_token(engine):
    account_id, _ = _account(engine, "ada@example.org")
    with read_session(engine) as reader:
        candidate = service.login_candidate(reader, email="ada@example.org")
    verified = service.verify_login(candidate, PASSWORD)
    _change_password_elsewhere(engine, account_id)

    with unit_of_work(engine) as session:
        refused = _refused(
            lambda: service.issue_token(session, login=verified, secret_key="k" * 40)
        )
    assert refused.code == ErrorCode.INVALID_CREDENTIALS
    with read_session(engine) as reader:
        tokens = reader.execute(sa.select(sa.func.count()).select_from(AccessToken)).scalar_one()
    assert tokens == 1  # the one _account made; none for the stale login


def test_a_password_change_or_deletion_checked_against_a_replaced_password_is_refused(engine):
    account_id, _ = _account(engine, "ada@example.org")
    actor = Principal(account_id=account_id, role=Role.HELPER)
    with read_session(engine) as reader:
        stored = service.stored_password(reader, account_id=account_id)
    new = service.prepare_password_change(
        stored, current_password=PASSWORD, new_password="yet-another-horse-battery"
    )
    verified = service.verify_current(stored, PASSWORD, field="password")
    _change_password_elsewhere(engine, account_id)

    with unit_of_work(engine) as session:
        change = _refused(lambda: service.change_password(session, actor=actor, new=new))
        deletion = _refused(lambda: service.delete_account(session, actor=actor, verified=verified))
    assert (change.code, change.field) == (ErrorCode.INVALID_CREDENTIALS, "currentPassword")
    assert (deletion.code, deletion.field) == (ErrorCode.INVALID_CREDENTIALS, "password")
    with read_session(engine) as reader:
        account = reader.get(Account, account_id)
        assert account is not None and account.deleted_at is None
        assert security.verify_password(account.password_hash, NEW_PASSWORD)


def test_a_reset_token_used_while_the_new_password_was_hashed_works_once(engine):
    account_id, _ = _account(engine, "ada@example.org")
    with unit_of_work(engine) as session:
        issued = service.request_password_reset(
            session, actor=ANONYMOUS, email="ada@example.org", secret_key="k" * 40
        )
    assert issued is not None
    prepared = []
    for password in ("first-new-horse-battery", "second-new-horse-battery"):
        with read_session(engine) as reader:
            found = service.find_reset_token(reader, token=issued.token, secret_key="k" * 40)
        prepared.append(service.prepare_password_reset(found, new_password=password))

    with unit_of_work(engine) as session:
        service.confirm_password_reset(session, actor=ANONYMOUS, reset=prepared[0])
    with unit_of_work(engine) as session:
        second = _refused(
            lambda: service.confirm_password_reset(session, actor=ANONYMOUS, reset=prepared[1])
        )
    assert (second.code, second.field) == (ErrorCode.INVALID, "token")
    with read_session(engine) as reader:
        account = reader.get(Account, account_id)
        assert account is not None
        assert security.verify_password(account.password_hash, "first-new-horse-battery")


def test_a_read_session_refuses_to_write(engine):
    with read_session(engine) as reader, pytest.raises(RuntimeError, match="does not write"):
        reader.add(
            Account(email="x@example.org", password_hash="!", display_name="", role="HELPER")
        )
        reader.flush()


# --- 150 logins and donations at once, two processes -----------------------------------------


@dataclass
class Answers:
    """Every answer of the load, by mutation: (HTTP status, body or transport error)."""

    logins: list[tuple[int, Any]] = field(default_factory=list)
    donations: list[tuple[int, Any]] = field(default_factory=list)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own, with LOGINS helper accounts."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'shared.db'}", (lambda: None)
    else:
        url, drop = conftest._postgres_database()
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    try:
        password_hash = security.hash_password(PASSWORD)  # the tests' cheap Argon2id
        with engine.begin() as connection:
            connection.execute(
                sa.insert(Account),
                [
                    {
                        "email": f"helper-{n}@example.org",
                        "password_hash": password_hash,
                        "display_name": f"Helper {n}",
                        "role": Role.HELPER.value,
                        "is_active": True,
                        "created_at": utcnow(),
                    }
                    for n in range(LOGINS)
                ],
            )
        yield url
    finally:
        engine.dispose()
        drop()


class SlowHashServer(ServerProcess):
    """A real server process whose Argon2 costs HASH_SECONDS (see SERVER), started
    without waiting so that two start side by side."""

    def launch(self) -> None:
        command = [sys.executable, "-c", SERVER, str(self.port)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not ready after {timeout} s: {self.output()}")


@pytest.fixture
def two_servers(shared_database: str, tmp_path: Path) -> Iterator[list[SlowHashServer]]:
    env = {"DATABASE_URL": shared_database, "SECRET_KEY": "s" * 40, "AIDBRIDGE_ENV": "development"}
    servers = [SlowHashServer(env | UNLIMITED_ENV, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


async def _post(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, Any]:
    try:
        response = await http.post(f"{url}/graphql", json=body, headers=headers)
    except httpx.HTTPError as error:
        return 0, repr(error)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


async def _load(urls: list[str]) -> Answers:
    answers = Answers()
    limits = httpx.Limits(max_connections=LOGINS + DONATIONS)

    async def login(n: int) -> None:
        data = {"email": f"helper-{n}@example.org", "password": PASSWORD}
        headers = {"X-Forwarded-For": f"10.0.{n // 256}.{n % 256}"}
        body = {"query": LOGIN, "variables": {"input": data}}
        answers.logins.append(await _post(http, urls[n % 2], body, headers))

    async def donate(n: int) -> None:
        data = {
            "target": {"generalFund": True},
            "amount": {"amountMinor": 1_000 + n, "currency": "USD"},
            "provider": "offline",
            "donorName": "Ada Donor",
            "idempotencyKey": str(uuid.uuid4()),
        }
        body = {"query": DONATE, "variables": {"input": data}}
        answers.donations.append(await _post(http, urls[n % 2], body, {}))

    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        calls = [login(n) for n in range(LOGINS)]
        # Donations among the logins, not after them.
        for n in range(DONATIONS):
            calls.insert(n * LOGINS // DONATIONS, donate(n))
        await asyncio.gather(*calls)
    return answers


def _succeeded(answer: tuple[int, Any], name: str, field_name: str) -> bool:
    status, body = answer
    if status != 200 or not isinstance(body, dict) or body.get("errors"):
        return False
    result = (body.get("data") or {}).get(name) or {}
    return result.get("errors") == [] and bool(result.get(field_name))


def test_150_concurrent_logins_and_donations_on_two_processes_all_succeed(
    two_servers, shared_database
):
    urls = [server.url for server in two_servers]
    started = time.monotonic()
    answers = asyncio.run(_load(urls))
    elapsed = time.monotonic() - started

    failed_logins = [a for a in answers.logins if not _succeeded(a, "tokenCreate", "token")]
    failed_donations = [
        a for a in answers.donations if not _succeeded(a, "donationCreate", "donation")
    ]
    assert (len(answers.logins), len(answers.donations)) == (LOGINS, DONATIONS)
    assert failed_logins == [], failed_logins[:3]
    assert failed_donations == [], failed_donations[:3]
    logs = "".join(server.output() for server in two_servers)
    assert "database is locked" not in logs and "Traceback" not in logs, logs[-2000:]
    # One after another (under the write lock) they would take LOGINS * HASH_SECONDS.
    assert elapsed < 0.6 * LOGINS * HASH_SECONDS, elapsed

    # Every token works, on either process; the database holds what was acknowledged.
    tokens = [body["data"]["tokenCreate"]["token"] for _, body in answers.logins]
    for n, token in enumerate(tokens[:10]):
        me = httpx.post(
            f"{urls[(n + 1) % 2]}/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert me["data"]["me"]["email"].startswith("helper-")
    engine = create_db_engine(shared_database)
    try:
        with engine.connect() as connection:
            counted = connection.execute(
                sa.select(
                    sa.select(sa.func.count()).select_from(AccessToken).scalar_subquery(),
                    sa.select(sa.func.count()).select_from(Donation).scalar_subquery(),
                )
            ).one()
    finally:
        engine.dispose()
    assert tuple(counted) == (LOGINS, DONATIONS)
