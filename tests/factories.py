"""Building blocks for tests: regions, accounts with tokens, households, helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from api.accounts.service import create_staff_account, create_token, register_helper_account
from api.core.auth import Principal
from api.core.db import unit_of_work
from api.core.roles import Role
from api.core.settings import Settings
from api.households.service import HouseholdDetails, register_household, verify_household
from api.regions.models import Region
from api.regions.service import create_region

PASSWORD = "correct-horse-battery"
ADMIN = Principal(role=Role.PLATFORM_ADMIN)


@dataclass
class Actor:
    account_id: int
    email: str
    token: str
    role: Role
    helper_id: int | None = None
    household_id: int | None = None


def region_tree(engine: Engine, settings: Settings) -> dict[str, Region]:
    """Two provinces; P1 has counties C1 and C2, each with one village."""
    regions: dict[str, Region] = {}
    with unit_of_work(engine) as session:

        def add(code: str, parent: str | None) -> None:
            regions[code] = create_region(
                session,
                instance=settings.instance,
                code=code,
                name=f"Region {code}",
                parent_id=regions[parent].id if parent else None,
            )

        add("P1", None)
        add("P2", None)
        add("P1-A", "P1")
        add("P1-A-C1", "P1-A")
        add("P1-A-C2", "P1-A")
        add("P1-A-C1-T", "P1-A-C1")
        add("P1-A-C1-T-V", "P1-A-C1-T")
        add("P1-A-C2-T", "P1-A-C2")
        add("P1-A-C2-T-V", "P1-A-C2-T")
        add("P2-B", "P2")
    return regions


def login(engine: Engine, settings: Settings, email: str) -> str:
    with unit_of_work(engine) as session:
        _account, token = create_token(
            session, email=email, password=PASSWORD, secret_key=settings.secret_key
        )
    return token


def staff(
    engine: Engine,
    settings: Settings,
    role: Role,
    *,
    email: str,
    region: Region | None = None,
    household_id: int | None = None,
) -> Actor:
    with unit_of_work(engine) as session:
        account = create_staff_account(
            session,
            actor=ADMIN,
            email=email,
            password=PASSWORD,
            display_name=email.split("@")[0],
            role=role,
            region_id=region.id if region else None,
            household_id=household_id,
        )
        assert account.id is not None
        ids = (account.id, account.helper_id, account.household_id)
    return Actor(ids[0], email, login(engine, settings, email), role, ids[1], ids[2])


def helper(engine: Engine, settings: Settings, *, email: str, kind: str = "INDIVIDUAL") -> Actor:
    with unit_of_work(engine) as session:
        account = register_helper_account(
            session, email=email, password=PASSWORD, display_name=email.split("@")[0], kind=kind
        )
        assert account.id is not None
        ids = (account.id, account.helper_id)
    role = Role.HELPER if kind == "INDIVIDUAL" else Role.ORGANISATION_ADMIN
    return Actor(ids[0], email, login(engine, settings, email), role, helper_id=ids[1])


def household(
    engine: Engine,
    settings: Settings,
    region: Region,
    *,
    verified: bool = True,
    consent: bool = True,
    **details: Any,
) -> tuple[int, str]:
    """Register (and by default verify) a household; returns (id, public code)."""
    values: dict[str, Any] = {
        "head_name": "Wang Fang",
        "national_id": "520102198001011234",
        "phone": "+86 138 0000 0000",
        "address": "3 Hill Road",
        "members_count": 4,
        "causes": ["ILLNESS"],
        "income_per_member_minor": 230000,
        "income_currency": "CNY",
    }
    values.update(details)
    with unit_of_work(engine) as session:
        row = register_household(
            session,
            actor=ADMIN,
            instance=settings.instance,
            region_id=region.id,  # type: ignore[arg-type]
            details=HouseholdDetails(**values),
            consent_to_publish=consent,
        )
        if verified:
            verify_household(session, actor=ADMIN, household_id=row.id, approve=True)  # type: ignore[arg-type]
        assert row.id is not None
        return row.id, row.public_code
