"""Building blocks for request and pledge tests: a small world of people, and requests
taken through the real services (so statistics stay consistent)."""

from __future__ import annotations

import base64
import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.accounts.models import AccessToken, Account
from api.accounts.tokens import principal_for_token
from api.core.auth import Principal
from api.core.db import unit_of_work, utcnow
from api.core.roles import Role
from api.core.security import hash_password, new_token, token_digest
from api.core.settings import Settings
from api.help_requests import service as requests
from api.help_requests.models import HelpRequest
from api.helpers.models import HelperKind
from api.helpers.service import create_helper
from api.pledges import service as pledges
from api.pledges.models import Pledge
from api.regions.models import Region
from tests import factories
from tests.factories import Actor


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def tomorrow() -> date:
    return utcnow().date() + timedelta(days=1)


@dataclass
class World:
    """Province P1 (county C1 with a village, county C2 with a village) and P2.

    `household` lives in C1's village (verified, consenting) and has a representative;
    `other_household` lives in C2's village. `caseworker` covers C1, `far_caseworker` P2."""

    engine: Engine
    settings: Settings
    regions: dict[str, Region]
    household: int
    household_code: str
    other_household: int
    other_household_code: str
    rep: Actor
    caseworker: Actor
    far_caseworker: Actor
    admin: Actor
    helper: Actor
    other_helper: Actor

    def principal(self, actor: Actor) -> Principal:
        with Session(self.engine) as session:
            return principal_for_token(session, actor.token, self.settings.secret_key)

    def people(self) -> dict[str, Actor | None]:
        return {
            "anonymous": None,
            "helper": self.helper,
            "rep": self.rep,
            "caseworker": self.caseworker,
            "far_caseworker": self.far_caseworker,
            "admin": self.admin,
        }


@functools.cache
def _password_hash() -> str:
    return hash_password(factories.PASSWORD)


def account(
    engine: Engine,
    settings: Settings,
    role: Role,
    *,
    email: str,
    region: Region | None = None,
    household_id: int | None = None,
) -> Actor:
    """An account with a bearer token, like tests.factories.staff/helper but without two
    argon2 rounds per account (half a second each): one shared hash, a token minted here."""
    token = new_token()
    with unit_of_work(engine) as session:
        helper_id = None
        if role in (Role.HELPER, Role.ORGANISATION_ADMIN):
            kind = HelperKind.INDIVIDUAL if role == Role.HELPER else HelperKind.ORGANISATION
            helper_id = create_helper(session, kind=kind, display_name=email.split("@")[0]).id
        row = Account(
            email=email,
            password_hash=_password_hash(),
            display_name=email.split("@")[0],
            role=role,
            region_id=region.id if region else None,
            household_id=household_id,
            helper_id=helper_id,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(
            AccessToken(
                account_id=row.id,
                token_hash=token_digest(token, settings.secret_key),
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        return Actor(row.id, email, token, role, helper_id, household_id)


def make_world(engine: Engine, settings: Settings) -> World:
    regions = factories.region_tree(engine, settings)
    household, code = factories.household(engine, settings, regions["P1-A-C1-T-V"])
    other, other_code = factories.household(
        engine, settings, regions["P1-A-C2-T-V"], head_name="Li Na", causes=["DISABILITY"]
    )
    staff = account
    return World(
        engine=engine,
        settings=settings,
        regions=regions,
        household=household,
        household_code=code,
        other_household=other,
        other_household_code=other_code,
        rep=staff(
            engine,
            settings,
            Role.HOUSEHOLD_REPRESENTATIVE,
            email="rep@example.org",
            household_id=household,
        ),
        caseworker=staff(
            engine, settings, Role.CASEWORKER, email="cw@example.org", region=regions["P1-A-C1"]
        ),
        far_caseworker=staff(
            engine, settings, Role.CASEWORKER, email="far@example.org", region=regions["P2"]
        ),
        admin=staff(engine, settings, Role.PLATFORM_ADMIN, email="admin@example.org"),
        helper=account(engine, settings, Role.HELPER, email="helper@example.org"),
        other_helper=account(engine, settings, Role.HELPER, email="other@example.org"),
    )


def details(**overrides: Any) -> requests.RequestDetails:
    values: dict[str, Any] = {
        "category": "EDUCATION",
        "title": "School fees for two children",
        "description": "Fees for the coming school year.",
        "target_minor": 100_000,
        "currency": "USD",
        "urgency": "MEDIUM",
    }
    values.update(overrides)
    if values.get("items") is not None:
        values["target_minor"] = values["currency"] = None
    return requests.RequestDetails(**values)


def draft(world: World, *, household: int | None = None, **overrides: Any) -> int:
    with unit_of_work(world.engine) as session:
        row = requests.create_request(
            session,
            actor=world.principal(world.admin),
            instance=world.settings.instance,
            household_id=household or world.household,
            details=details(**overrides),
        )
        assert row.id is not None
        return row.id


def submitted(world: World, **overrides: Any) -> int:
    request_id = draft(world, **overrides)
    with unit_of_work(world.engine) as session:
        requests.submit_request(session, actor=world.principal(world.admin), request_id=request_id)
    return request_id


def published(world: World, *, published_at: datetime | None = None, **overrides: Any) -> int:
    """An OPEN request; `published_at` back-dates its publication (statistics are left as
    of the real publication, so only use it where they do not matter)."""
    request_id = submitted(world, **overrides)
    with unit_of_work(world.engine) as session:
        requests.verify_request(
            session, actor=world.principal(world.admin), request_id=request_id, approve=True
        )
        if published_at is not None:
            session.execute(
                sa.update(HelpRequest)
                .where(HelpRequest.id == request_id)  # type: ignore[arg-type]
                .values(published_at=published_at)
            )
    return request_id


def pledge(
    world: World,
    request_id: int,
    *,
    helper: Actor | None = None,
    amount: int | None = 10_000,
    kind: str = "MONEY",
    description: str | None = None,
    due_on: date | None = None,
) -> int:
    with unit_of_work(world.engine) as session:
        row = pledges.create_pledge(
            session,
            actor=world.principal(helper or world.helper),
            instance=world.settings.instance,
            details=pledges.PledgeDetails(
                request_id=request_id,
                kind=kind,
                amount_minor=amount if kind == "MONEY" else None,
                currency="USD" if kind == "MONEY" else None,
                description=description or (None if kind == "MONEY" else "Two bags of rice"),
                due_on=due_on or tomorrow(),
            ),
            idempotency_key=uuid.uuid4().hex,
        )
        assert row.id is not None
        return row.id


def request_row(engine: Engine, request_id: int) -> HelpRequest:
    with Session(engine) as session:
        row = session.get(HelpRequest, request_id)
        assert row is not None
        return row


def pledge_row(engine: Engine, pledge_id: int) -> Pledge:
    with Session(engine) as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None
        return row


def count(engine: Engine, table: type, *conditions: Any) -> int:
    with Session(engine) as session:
        return int(
            session.execute(
                sa.select(sa.func.count()).select_from(table).where(*conditions)
            ).scalar_one()
        )


def stat(engine: Engine, metric: str, *, scope_id: int = 0, bucket: int | None = None) -> int:
    """A counter of `region_stat`, summed over buckets unless one is given."""
    from api.stats.models import RegionStat

    conditions = [RegionStat.scope_id == scope_id, RegionStat.metric == metric]
    if bucket is not None:
        conditions.append(RegionStat.bucket == bucket)
    with Session(engine) as session:
        total = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(RegionStat.value), 0)).where(*conditions)
        ).scalar_one()
    return int(total)


def audit_actions(engine: Engine, subject_type: str, subject_id: int) -> list[str]:
    from api.audit.models import AuditEvent

    with Session(engine) as session:
        rows = session.execute(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    return [action for (action,) in rows]


def translate(world: World, request_id: int, locale: str, **texts: str | None) -> None:
    """The request's title and description in `locale`, written by an admin."""
    admin = world.principal(world.admin)
    with unit_of_work(world.engine) as session:
        requests.set_request_translation(
            session,
            actor=admin,
            locales=world.settings.instance.locales,
            request_id=request_id,
            locale=locale,
            title=texts.get("title"),
            description=texts.get("description"),
        )
