"""A synthetic, deterministic demo instance, written in bulk.

The same seed and `today` give the same rows, so screenshots, benchmarks and tests are
reproducible. Rows go in with SQLAlchemy Core `insert(table)` executemany in chunks, with
ids assigned here (no ORM object per row, no round trip per id): 40,000 households with
100,000 helpers and 50,000 requests load in well under a minute on SQLite. Counters in
`region_stat` are then rebuilt from the tables with `rebuild_stats`.

The shape follows what the first year of China's social-participation platform reported:
about 2.5 helpers and 1.25 requests per household, a fifth of requests met, and a fifth
answered within three months of publication.

Demo accounts, all with the password ``demo-password-2026``:

- ``admin@demo.aidbridge.org``: PLATFORM_ADMIN.
- ``caseworker@demo.aidbridge.org``: CASEWORKER for the first county (level 3, or the
  deepest level when the instance has fewer).
- ``helper@demo.aidbridge.org``: HELPER acting as helper profile 1 (an individual).
- ``household@demo.aidbridge.org``: HOUSEHOLD_REPRESENTATIVE of the first household, in
  that county; its first requests show every request and pledge status.

An email that already exists is left alone. Ids continue after the largest id present, so
a database holding only an administrator can still be loaded; `demo_data_present` tells
whether households exist, so `serve --demo` loads only once.
"""

from __future__ import annotations

import bisect
import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from time import perf_counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.accounts.models import Account
from api.core.db import unit_of_work, utcnow
from api.core.roles import Role
from api.core.security import hash_password
from api.core.settings import Instance, load_settings
from api.core.validation import minor_unit_digits
from api.help_requests.models import URGENCY_RANK, HelpRequest, RequestStatus, Urgency
from api.helpers.models import Helper, HelperKind
from api.households.models import (
    Household,
    HouseholdCause,
    HouseholdStatusChange,
    HouseholdSubsidy,
    PovertyStatus,
    VerificationStatus,
)
from api.pledges.models import Pledge, PledgeKind, PledgeStatus
from api.regions.models import Region
from api.stats.service import rebuild_stats

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (documented demo credential)
ADMIN_EMAIL = "admin@demo.aidbridge.org"
CASEWORKER_EMAIL = "caseworker@demo.aidbridge.org"
HELPER_EMAIL = "helper@demo.aidbridge.org"
HOUSEHOLD_EMAIL = "household@demo.aidbridge.org"

HELPERS_PER_HOUSEHOLD = 2.5
REQUESTS_PER_HOUSEHOLD = 1.25
HOUSEHOLDS_PER_VILLAGE = 16
PUBLICATION_WINDOW_DAYS = 400
CHUNK_ROWS = 5_000
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

_T: dict[str, sa.Table] = {
    "region": Region.__table__,  # type: ignore[attr-defined]
    "account": Account.__table__,  # type: ignore[attr-defined]
    "helper": Helper.__table__,  # type: ignore[attr-defined]
    "household": Household.__table__,  # type: ignore[attr-defined]
    "household_cause": HouseholdCause.__table__,  # type: ignore[attr-defined]
    "household_status_change": HouseholdStatusChange.__table__,  # type: ignore[attr-defined]
    "household_subsidy": HouseholdSubsidy.__table__,  # type: ignore[attr-defined]
    "help_request": HelpRequest.__table__,  # type: ignore[attr-defined]
    "pledge": Pledge.__table__,  # type: ignore[attr-defined]
}
_TABLES_WITH_IDS = [name for name in _T if name != "household_cause"]


@dataclass(frozen=True)
class DemoSummary:
    """What was written, and how long it took."""

    regions: int
    households: int
    helpers: int
    requests: int
    pledges: int
    accounts: tuple[str, ...]
    seconds: float
    requests_by_status: dict[str, int] = field(default_factory=dict)


def demo_data_present(session: Session) -> bool:
    """True when any household exists: the demo set is then not loaded again."""
    household = _T["household"]
    return session.execute(sa.select(household.c.id).limit(1)).first() is not None


def generate_demo_data(
    session_or_engine: Session | Engine,
    *,
    households: int,
    seed: int,
    helpers: int | None = None,
    requests: int | None = None,
    today: date | None = None,
    instance: Instance | None = None,
) -> DemoSummary:
    """Write a demo instance and rebuild the statistics.

    Given an engine, it runs in its own transaction and commits; given a session, it writes
    in the session's transaction and the caller commits. `instance` defaults to the
    configured one (`load_settings().instance`)."""
    if households < 1:
        raise ValueError("households must be at least 1")
    started = perf_counter()
    instance = instance or load_settings().instance
    with _session_for(session_or_engine) as session:
        generator = _Generator(
            session,
            instance=instance,
            rng=random.Random(seed),
            today=today or utcnow().date(),
            households=households,
            helpers=(helpers if helpers is not None else round(households * HELPERS_PER_HOUSEHOLD)),
            requests=(
                requests if requests is not None else round(households * REQUESTS_PER_HOUSEHOLD)
            ),
        )
        generator.run()
        generate_sections(
            session, rng=random.Random(f"sections-{seed}"), instance=instance, today=generator.today
        )
        rebuild_stats(session)
        session.flush()
    return DemoSummary(
        regions=generator.written["region"],
        households=generator.written["household"],
        helpers=generator.written["helper"],
        requests=generator.written["help_request"],
        pledges=generator.written["pledge"],
        accounts=tuple(generator.account_emails),
        seconds=perf_counter() - started,
        requests_by_status=dict(sorted(generator.requests_by_status.items())),
    )


# Section demo generators, in order: later ones link to what earlier ones wrote
# (case studies to projects; exhibitions to projects, case studies, products, campaigns).
SECTION_GENERATORS = (
    "api.projects.demo",
    "api.mall.demo",
    "api.crowdfunding.demo",
    "api.pairing.demo",
    "api.case_studies.demo",
    "api.exhibitions.demo",
    "api.donation.demo",
    "api.help_requests.demo",  # translations of published requests; draws no random numbers
)


def generate_sections(
    session: Session, *, rng: random.Random, instance: Instance, today: date
) -> None:
    """Fill every participation section so each public list has content on first start."""
    for module_name in SECTION_GENERATORS:
        module = importlib.import_module(module_name)
        module.generate(session, rng=rng, instance=instance, today=today)


@contextmanager
def _session_for(session_or_engine: Session | Engine) -> Iterator[Session]:
    if isinstance(session_or_engine, Session):
        yield session_or_engine
    else:
        with unit_of_work(session_or_engine) as session:
            yield session


# --- Vocabulary -----------------------------------------------------------------------------

_SYLLABLES = [
    "an",
    "bai",
    "bei",
    "chang",
    "chun",
    "da",
    "dong",
    "feng",
    "fu",
    "gao",
    "guang",
    "he",
    "hong",
    "hua",
    "jia",
    "jin",
    "kang",
    "lan",
    "le",
    "li",
    "lian",
    "long",
    "lu",
    "ma",
    "mei",
    "ming",
    "nan",
    "ning",
    "ping",
    "qing",
    "quan",
    "rong",
    "shan",
    "shi",
    "shui",
    "song",
    "tai",
    "tian",
    "wan",
    "xi",
    "xia",
    "xin",
    "xing",
    "yang",
    "yong",
    "yu",
    "yuan",
    "yun",
    "ze",
    "zhang",
    "zhen",
    "zhou",
]
_LATIN_FAMILY = [
    "Achieng",
    "Adeyemi",
    "Ahmed",
    "Alvarez",
    "Banda",
    "Bui",
    "Chen",
    "Costa",
    "Diallo",
    "Dlamini",
    "Fernandes",
    "Haddad",
    "Hassan",
    "Huang",
    "Ivanova",
    "Kamau",
    "Khan",
    "Kim",
    "Liu",
    "Mensah",
    "Mwangi",
    "Nguyen",
    "Okafor",
    "Otieno",
    "Pereira",
    "Petrov",
    "Rahman",
    "Santos",
    "Silva",
    "Tembo",
    "Wang",
    "Yadav",
    "Zhang",
]
_LATIN_GIVEN = [
    "Abdul",
    "Adaeze",
    "Aisha",
    "Amina",
    "Ana",
    "Bao",
    "Carlos",
    "Chidi",
    "Fatima",
    "Grace",
    "Hana",
    "Ibrahim",
    "Imani",
    "Jia",
    "Joao",
    "Joseph",
    "Juma",
    "Kwame",
    "Lan",
    "Lucia",
    "Maria",
    "Mei",
    "Mohamed",
    "Nadia",
    "Neema",
    "Olga",
    "Pedro",
    "Ravi",
    "Rosa",
    "Samuel",
    "Sofia",
    "Thanh",
    "Wanjiru",
    "Wei",
    "Yusuf",
    "Zainab",
]
_HAN_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾田"
_HAN_GIVEN = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "建华",
    "建国",
    "志强",
    "志明",
    "明",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "超",
    "秀珍",
    "春梅",
    "海燕",
    "国庆",
    "红梅",
    "小红",
    "德华",
    "永福",
    "金花",
]
_INDUSTRIES = (
    "Agricultural",
    "Tea",
    "Logistics",
    "Textile",
    "Construction",
    "Food",
    "Pharmaceutical",
    "Energy",
    "Technology",
    "Trading",
    "Dairy",
    "Fruit",
    "Machinery",
    "Tourism",
)
_ORGANISATION_TYPES = (
    "Charity Foundation",
    "Volunteer Association",
    "Rural Development Fund",
    "Red Cross Branch",
    "Women's Federation",
    "Youth League Volunteers",
    "Mutual Aid Society",
)
_SUBSIDY_PROGRAMMES = (
    "Minimum living allowance",
    "Education assistance",
    "Medical assistance",
    "Housing renovation grant",
    "Ecological compensation",
    "Industry development support",
    "Disability allowance",
    "Elderly care allowance",
)
_STATUS_NOTES = {
    PovertyStatus.IN_POVERTY: "Assessed below the poverty line by the village committee.",
    PovertyStatus.LIFTED_OUT: "Income above the line for twelve months; checked on a visit.",
    PovertyStatus.RELAPSED: "Income fell after illness in the family.",
}
_THANK_YOUS = (
    "Thank you so much, the children can go back to school.",
    "We received everything. Thank you for your kindness.",
    "Thank you! It arrived just before winter.",
    "Our whole family thanks you for your help.",
    "Received in good order. Thank you for trusting us.",
    "Thank you, the treatment could start this week.",
    "With your help we bought the seedlings. Thank you!",
)
# Category code -> (money title templates, in-kind items (name, unit, max quantity)).
_NEEDS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, int], ...]]] = {
    "EDUCATION": (
        (
            "School fees for the second child",
            "Boarding costs for a middle-school pupil",
            "University tuition for the eldest daughter",
        ),
        (
            ("School bag and stationery set", "sets", 3),
            ("Desk lamp", "pieces", 2),
            ("Winter school uniform", "sets", 3),
        ),
    ),
    "MEDICAL": (
        (
            "Surgery costs after a hip fracture",
            "Dialysis for the head of household",
            "Medicine for a chronic illness",
        ),
        (
            ("Wheelchair", "pieces", 1),
            ("Walking frame", "pieces", 1),
            ("Blood-pressure monitor", "pieces", 1),
        ),
    ),
    "HOUSING": (
        (
            "Repairing a leaking roof",
            "Rebuilding a wall damaged by floods",
            "Safe wiring for an old house",
        ),
        (("Roof tiles", "pieces", 400), ("Cement", "bags", 40), ("Winter quilt", "pieces", 4)),
    ),
    "LIVELIHOOD": (
        (
            "Piglets to restart a small farm",
            "Fruit-tree seedlings for the hillside plot",
            "A greenhouse for vegetables",
        ),
        (("Chicks", "pieces", 100), ("Fertiliser", "bags", 20), ("Seed potatoes", "kg", 200)),
    ),
    "EMPLOYMENT": (
        (
            "Tools to work as a carpenter",
            "Travel to a job in the city",
            "A tricycle for deliveries",
        ),
        (
            ("Job placement in a local factory", "placements", 1),
            ("Help writing a CV and applying", "sessions", 3),
        ),
    ),
    "TRAINING": (
        ("Driving-licence course", "Sewing-machine training course", "Course fees for elder care"),
        (
            ("E-commerce training for selling produce", "sessions", 6),
            ("Livestock-care training", "sessions", 4),
        ),
    ),
    "DAILY_GOODS": (
        ("Heating for the winter", "Food for the coming month", "Clothes for three children"),
        (("Rice", "kg", 100), ("Cooking oil", "litres", 20), ("Winter coat", "pieces", 4)),
    ),
}
_SERVICE_CATEGORIES = frozenset({"EMPLOYMENT", "TRAINING"})
# Money targets in major units by category: (low, high).
_TARGET_RANGES = {"MEDICAL": (800, 30_000), "HOUSING": (1_000, 20_000), "EDUCATION": (300, 6_000)}


# --- The generator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Village:
    id: int
    path: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _HouseholdRef:
    id: int
    path: str
    created_at: datetime
    public: bool
    head_name: str


@dataclass
class _Plan:
    """What happens to one request; amounts and times are drawn when it is written."""

    status: RequestStatus
    published_at: datetime | None = None
    first_pledge_at: datetime | None = None
    deadline: date | None = None
    money: bool = True
    pledge_statuses: list[PledgeStatus] = field(default_factory=list)
    household: _HouseholdRef | None = None


class _Writer:
    """Buffers rows per table and writes them with executemany, parents before children
    (tables flush in the order they were first used)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.written: dict[str, int] = dict.fromkeys(_T, 0)

    def add(self, table: str, row: dict[str, Any]) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.buffers.items():
            if rows:
                self.connection.execute(sa.insert(_T[table]), rows)
                self.written[table] += len(rows)
                rows.clear()


class _Generator:
    def __init__(
        self,
        session: Session,
        *,
        instance: Instance,
        rng: random.Random,
        today: date,
        households: int,
        helpers: int,
        requests: int,
    ) -> None:
        self.session = session
        self.instance = instance
        self.rng = rng
        self.today = today
        # Every timestamp is at or before the start of `today` (UTC), so nothing is future.
        self.now = datetime.combine(today, time(0, 0), tzinfo=UTC)
        self.household_count = households
        self.helper_count = max(helpers, 1)
        self.request_count = requests
        self.currency = instance.default_currency
        self.unit = 10 ** minor_unit_digits(self.currency)
        self.han_names = instance.default_locale.startswith("zh")
        self.writer = _Writer(session.connection())
        self.next_id = self._next_ids()
        self.account_emails: list[str] = []
        self.account_ids: dict[str, int | None] = {}
        self.requests_by_status: dict[str, int] = {}
        self.villages: list[_Village] = []
        self.region_ids_by_level: list[list[int]] = []
        self.household_refs: list[_HouseholdRef] = []
        self.public_households: list[_HouseholdRef] = []
        self.helper_created: list[float] = []
        self.demo_helper_pledges = 0

    @property
    def written(self) -> dict[str, int]:
        return self.writer.written

    def run(self) -> None:
        self.password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: hash once
        self._regions()
        self._helpers()
        self._accounts()
        self._households()
        self._requests()
        self.writer.flush()
        self._link_representative()
        self._reset_sequences()

    # -- ids and time --

    def _next_ids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        for name in _TABLES_WITH_IDS:
            table = _T[name]
            largest = self.session.execute(sa.select(sa.func.max(table.c.id))).scalar()
            ids[name] = int(largest or 0) + 1
        return ids

    def _take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _reset_sequences(self) -> None:
        """PostgreSQL sequences do not see explicit ids: move them past the largest."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in _TABLES_WITH_IDS:
            if self.written[name]:
                self.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT MAX(id) FROM {name}))"
                    )
                )

    def _days_ago(self, low: float, high: float) -> datetime:
        """A moment between `high` and `low` days before now, to the microsecond."""
        return self.now - timedelta(seconds=round(self.rng.uniform(low, high) * 86_400, 6))

    def _later(self, moment: datetime, low_days: float, high_days: float) -> datetime:
        later = moment + timedelta(seconds=round(self.rng.uniform(low_days, high_days) * 86_400))
        return min(later, self.now)

    # -- people and names --

    def _person_name(self) -> str:
        rng = self.rng
        if self.han_names:
            return rng.choice(_HAN_FAMILY) + rng.choice(_HAN_GIVEN)
        return f"{rng.choice(_LATIN_GIVEN)} {rng.choice(_LATIN_FAMILY)}"

    def _place_name(self) -> str:
        first, second = self.rng.sample(_SYLLABLES, 2)
        return (first + second).capitalize()

    def _phone(self) -> str:
        # +999 is reserved by the ITU and routes nowhere: safe for fake numbers.
        digits = self.rng.randrange(10**8, 10**9)
        return f"+999 {digits // 10**6} {digits // 1000 % 1000:03d} {digits % 1000:03d}"

    def _national_id(self, born: date) -> str:
        """18 characters shaped like a resident identity number (area, birth date, sequence,
        ISO 7064 check digit); area codes starting with 9 are assigned to nobody."""
        body = f"9{self.rng.randrange(10**5):05d}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
        return body + "10X98765432"[total % 11]

    # -- regions --

    def _regions(self) -> None:
        levels = self.instance.admin_levels
        depth = len(levels)
        needed = max(1, -(-self.household_count // HOUSEHOLDS_PER_VILLAGE))
        top = 2 if depth > 1 else needed
        branching = 1
        if depth > 1:
            branching = 2
            while top * branching ** (depth - 1) < needed:
                branching += 1
        rng = self.rng
        # (id, code, path, latitude, longitude) of the previous level.
        parents: list[tuple[int | None, str, str, float, float]] = [(None, "DEMO", "/", 0.0, 0.0)]
        for level in range(1, depth + 1):
            current: list[tuple[int | None, str, str, float, float]] = []
            per_parent = top if level == 1 else branching
            spread = 6.0 / level
            for parent_id, parent_code, parent_path, lat, lon in parents:
                for index in range(1, per_parent + 1):
                    region_id = self._take_id("region")
                    if level == 1:
                        lat, lon = rng.uniform(22.0, 42.0), rng.uniform(98.0, 120.0)
                        code = f"{parent_code}-{index}"
                    else:
                        code = f"{parent_code}.{index}"
                    here = (
                        round(lat + rng.uniform(-spread, spread), 5),
                        round(lon + rng.uniform(-spread, spread), 5),
                    )
                    name = f"{self._place_name()} {levels[level - 1]}"
                    path = f"{parent_path}{region_id}/"
                    self.writer.add(
                        "region",
                        {
                            "id": region_id,
                            "code": code,
                            "name": name,
                            "source_language": self.instance.default_locale,
                            "level": level,
                            "parent_id": parent_id,
                            "path": path,
                        },
                    )
                    current.append((region_id, code, path, *here))
                    if level == depth:
                        self.villages.append(_Village(region_id, path, name, *here))
            self.writer.flush()  # children reference their parents
            self.region_ids_by_level.append([row[0] for row in current if row[0] is not None])
            parents = current

    # -- helpers --

    def _helpers(self) -> None:
        rng = self.rng
        causes = [entry.code for entry in self.instance.poverty_causes]
        categories = [entry.code for entry in self.instance.need_categories]
        preferable = [rid for level in self.region_ids_by_level[:3] for rid in level]
        # Creation times ascending with the id, so "helpers registered before t" is a prefix.
        ages = sorted((rng.uniform(0.0, 1200.0) for _ in range(self.helper_count)), reverse=True)
        ages[0] = 1300.0  # the demo helper, and someone who can make any early pledge
        for number, age in enumerate(ages):
            helper_id = self._take_id("helper")
            created = self.now - timedelta(seconds=round(age * 86_400))
            self.helper_created.append(created.timestamp())
            draw = rng.random()
            kind = (
                HelperKind.INDIVIDUAL
                if number == 0 or draw < 0.75
                else HelperKind.ENTERPRISE
                if draw < 0.95
                else HelperKind.ORGANISATION
            )
            if number == 0:
                name = "Demo Helper"
            elif kind == HelperKind.INDIVIDUAL:
                name = self._person_name()
            elif kind == HelperKind.ENTERPRISE:
                name = f"{self._place_name()} {rng.choice(_INDUSTRIES)} Co., Ltd."
            else:
                name = f"{self._place_name()} {rng.choice(_ORGANISATION_TYPES)}"
            verified = rng.random() < (0.3 if kind == HelperKind.INDIVIDUAL else 0.85)
            budget = None
            if rng.random() < 0.3:
                low, high = (100, 5_000) if kind == HelperKind.INDIVIDUAL else (10_000, 500_000)
                budget = rng.randint(low, high) * 10 * self.unit
            self.writer.add(
                "helper",
                {
                    "id": helper_id,
                    "kind": kind.value,
                    "display_name": name,
                    "about": (
                        None
                        if kind == HelperKind.INDIVIDUAL
                        else "We support families in rural areas near our sites."
                    ),
                    "verification_status": "VERIFIED" if verified else "UNVERIFIED",
                    "verified_at": self._later(created, 1, 20) if verified else None,
                    "preferred_region_ids": (
                        [rng.choice(preferable)] if preferable and rng.random() < 0.4 else []
                    ),
                    "preferred_causes": sorted(rng.sample(causes, rng.randint(0, 2))),
                    "preferred_categories": sorted(rng.sample(categories, rng.randint(0, 2))),
                    "budget_minor": budget,
                    "budget_currency": self.currency if budget is not None else None,
                    "created_at": created,
                },
            )
        self.demo_helper_id = self.next_id["helper"] - self.helper_count
        self.writer.flush()

    # -- accounts --

    def _accounts(self) -> None:
        account = _T["account"]
        existing = set(
            self.session.execute(
                sa.select(account.c.email).where(
                    account.c.email.in_(
                        [ADMIN_EMAIL, CASEWORKER_EMAIL, HELPER_EMAIL, HOUSEHOLD_EMAIL]
                    )
                )
            ).scalars()
        )
        depth = len(self.instance.admin_levels)
        first_county = self.region_ids_by_level[min(3, depth) - 1][0]
        specs = [
            (ADMIN_EMAIL, "Demo Administrator", Role.PLATFORM_ADMIN, None, None),
            (CASEWORKER_EMAIL, "Demo Caseworker", Role.CASEWORKER, first_county, None),
            (HELPER_EMAIL, "Demo Helper", Role.HELPER, None, self.demo_helper_id),
            (HOUSEHOLD_EMAIL, "Demo Household", Role.HOUSEHOLD_REPRESENTATIVE, None, None),
        ]
        for email, name, role, region_id, helper_id in specs:
            if email in existing:
                self.account_ids[email] = None
                continue
            account_id = self._take_id("account")
            self.account_ids[email] = account_id
            self.account_emails.append(email)
            self.writer.add(
                "account",
                {
                    "id": account_id,
                    "email": email,
                    "password_hash": self.password_hash,
                    "display_name": name,
                    "role": role.value,
                    "region_id": region_id,
                    "household_id": None,  # linked once the household exists
                    "helper_id": helper_id,
                    "locale": None,
                    "is_active": True,
                    "created_at": self.now - timedelta(days=1300),
                },
            )
        self.writer.flush()
        self.caseworker_id = self.account_ids[CASEWORKER_EMAIL]

    def _link_representative(self) -> None:
        account_id = self.account_ids.get(HOUSEHOLD_EMAIL)
        if account_id is None:
            return
        account = _T["account"]
        self.session.execute(
            sa.update(account)
            .where(account.c.id == account_id)
            .values(household_id=self.household_refs[0].id)
        )

    # -- households --

    def _households(self) -> None:
        rng = self.rng
        causes = [entry.code for entry in self.instance.poverty_causes]
        cause_weights = [len(causes) - index for index in range(len(causes))]
        codes: set[str] = set()
        for number in range(self.household_count):
            household_id = self._take_id("household")
            code = ""
            while not code or code in codes:
                code = "HH-" + "".join(rng.choices(CODE_ALPHABET, k=8))
            codes.add(code)
            village = self.villages[0] if number == 0 else rng.choice(self.villages)
            if number == 0 or rng.random() < 0.85:
                created = self._days_ago(PUBLICATION_WINDOW_DAYS + 20, 1200)
            else:
                created = self._days_ago(1, PUBLICATION_WINDOW_DAYS)
            draw = rng.random()
            verification = (
                VerificationStatus.VERIFIED
                if number == 0 or draw < 0.88
                else VerificationStatus.UNVERIFIED
                if draw < 0.96
                else VerificationStatus.REJECTED
            )
            consent = number == 0 or rng.random() < 0.92
            verified_at = (
                self._later(created, 1, 20)
                if verification != VerificationStatus.UNVERIFIED
                else None
            )
            head = self._person_name()
            history = self._status_history(created)
            updated = max([created, *(moment for _, moment in history)])
            if verified_at:
                updated = max(updated, verified_at)
            self.writer.add(
                "household",
                {
                    "id": household_id,
                    "public_code": code,
                    "region_id": village.id,
                    "members_count": rng.choices(range(1, 9), (8, 14, 20, 22, 16, 10, 6, 4))[0],
                    "head_name": head,
                    "national_id": self._national_id(
                        date(
                            self.today.year - rng.randint(22, 80),
                            rng.randint(1, 12),
                            rng.randint(1, 28),
                        )
                    ),
                    "phone": self._phone() if rng.random() < 0.9 else None,
                    "address": f"No. {rng.randint(1, 120)}, Group {rng.randint(1, 12)}, "
                    f"{village.name}",
                    "latitude": round(village.latitude + rng.uniform(-0.02, 0.02), 5),
                    "longitude": round(village.longitude + rng.uniform(-0.02, 0.02), 5),
                    "annual_income_per_member_minor": rng.randint(30, 400) * 10 * self.unit,
                    "income_currency": self.currency,
                    "poverty_status": history[-1][0].value,
                    "verification_status": verification.value,
                    "verified_by_id": self.caseworker_id if verified_at else None,
                    "verified_at": verified_at,
                    "consent_to_publish": consent,
                    "consent_recorded_at": created,
                    "registered_by_id": self.caseworker_id,
                    "created_at": created,
                    "updated_at": updated,
                },
            )
            chosen: set[str] = set()
            wanted = rng.choices((1, 2, 3), (50, 35, 15))[0]
            while len(chosen) < min(wanted, len(causes)):
                chosen.add(rng.choices(causes, cause_weights)[0])
            for cause in sorted(chosen):
                self.writer.add(
                    "household_cause", {"household_id": household_id, "cause_code": cause}
                )
            for status, moment in history:
                self.writer.add(
                    "household_status_change",
                    {
                        "id": self._take_id("household_status_change"),
                        "household_id": household_id,
                        "status": status.value,
                        "effective_on": moment.date(),
                        "note": _STATUS_NOTES.get(status),
                        "recorded_by_id": self.caseworker_id,
                        "created_at": moment,
                    },
                )
            for _ in range(rng.choices((0, 1, 2, 3), (30, 40, 20, 10))[0]):
                received = self._later(created, 0, 1200)
                self.writer.add(
                    "household_subsidy",
                    {
                        "id": self._take_id("household_subsidy"),
                        "household_id": household_id,
                        "programme": rng.choice(_SUBSIDY_PROGRAMMES),
                        "amount_minor": rng.randint(5, 200) * 10 * self.unit,
                        "currency": self.currency,
                        "received_on": received.date(),
                        "recorded_by_id": self.caseworker_id,
                        "created_at": received,
                    },
                )
            ref = _HouseholdRef(
                household_id,
                village.path,
                created,
                verification == VerificationStatus.VERIFIED and consent,
                head,
            )
            self.household_refs.append(ref)
            if ref.public:
                self.public_households.append(ref)
        self.writer.flush()

    def _status_history(self, created: datetime) -> list[tuple[PovertyStatus, datetime]]:
        """A path the household service allows: registered, assessed, lifted out, and for
        some a relapse (and a second lift)."""
        draw = self.rng.random()
        if draw < 0.10:
            path = [PovertyStatus.REGISTERED]
        elif draw < 0.55:
            path = [PovertyStatus.REGISTERED, PovertyStatus.IN_POVERTY]
        elif draw < 0.83:
            path = [PovertyStatus.REGISTERED, PovertyStatus.IN_POVERTY, PovertyStatus.LIFTED_OUT]
        elif draw < 0.88:
            path = [PovertyStatus.REGISTERED, PovertyStatus.LIFTED_OUT]
        elif draw < 0.96:
            path = [
                PovertyStatus.REGISTERED,
                PovertyStatus.IN_POVERTY,
                PovertyStatus.LIFTED_OUT,
                PovertyStatus.RELAPSED,
            ]
        else:
            path = [
                PovertyStatus.REGISTERED,
                PovertyStatus.IN_POVERTY,
                PovertyStatus.LIFTED_OUT,
                PovertyStatus.RELAPSED,
                PovertyStatus.LIFTED_OUT,
            ]
        history = [(path[0], created)]
        for status in path[1:]:
            history.append((status, self._later(history[-1][1], 20, 300)))
        return history

    # -- requests and pledges --

    def _requests(self) -> None:
        scripted = self._scripted_plans()
        public = self.public_households or self.household_refs
        for number in range(self.request_count):
            plan = scripted[number] if number < len(scripted) else self._random_plan()
            if plan.household is None:
                pool = public if plan.published_at is not None else self.household_refs
                plan.household = self.rng.choice(pool)
            self._write_request(plan)

    def _scripted_plans(self) -> list[_Plan]:
        """The demo household's requests: one of every request and pledge status."""
        home = self.household_refs[0]
        ago = self._days_ago
        active, delivered = PledgeStatus.ACTIVE, PledgeStatus.DELIVERED
        confirmed, cancelled, lapsed = (
            PledgeStatus.CONFIRMED,
            PledgeStatus.CANCELLED,
            PledgeStatus.LAPSED,
        )

        def published(status: RequestStatus, low: float, high: float, **kwargs: Any) -> _Plan:
            moment = ago(low, high)
            return _Plan(status, published_at=moment, household=home, **kwargs)

        plans = [
            _Plan(RequestStatus.DRAFT, household=home),
            _Plan(RequestStatus.PENDING_VERIFICATION, household=home),
            published(RequestStatus.OPEN, 5, 15),
            published(RequestStatus.OPEN, 15, 25, pledge_statuses=[active, confirmed]),
            published(
                RequestStatus.PLEDGED, 25, 35, pledge_statuses=[confirmed, delivered, active]
            ),
            published(
                RequestStatus.FULFILLED, 150, 250, pledge_statuses=[confirmed, cancelled, confirmed]
            ),
            published(RequestStatus.EXPIRED, 300, 350, pledge_statuses=[lapsed]),
            published(RequestStatus.WITHDRAWN, 90, 120, pledge_statuses=[cancelled]),
            _Plan(RequestStatus.REJECTED, household=home),
            published(RequestStatus.FULFILLED, 100, 140, money=False, pledge_statuses=[confirmed]),
        ]
        for plan in plans:
            if plan.published_at is None:
                continue
            if plan.pledge_statuses:
                plan.first_pledge_at = self._later(plan.published_at, 0.5, 3)
            if plan.status == RequestStatus.EXPIRED:
                plan.deadline = plan.published_at.date() + timedelta(days=60)
        return plans

    def _random_plan(self) -> _Plan:
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:
            return _Plan(RequestStatus.DRAFT)
        if draw < 0.06:
            return _Plan(RequestStatus.PENDING_VERIFICATION)
        if draw < 0.07:
            return _Plan(RequestStatus.REJECTED)
        if draw < 0.075:
            return _Plan(RequestStatus.WITHDRAWN)  # withdrawn while awaiting verification
        household = rng.choice(self.public_households or self.household_refs)
        published_at = max(
            self._days_ago(0.2, PUBLICATION_WINDOW_DAYS),
            min(household.created_at + timedelta(days=1), self.now),
        )
        deadline = (
            None if rng.random() < 0.3 else published_at.date() + timedelta(rng.randint(30, 365))
        )
        plan = _Plan(
            RequestStatus.OPEN,
            published_at=published_at,
            deadline=deadline,
            money=rng.random() < 0.65,
            household=household,
        )
        expired = deadline is not None and deadline < self.today
        first_pledge = None
        if rng.random() < 0.30:
            draw = rng.random()
            delay = (
                rng.uniform(0.01, 7)
                if draw < 0.5
                else rng.uniform(7, 90)
                if draw < 0.75
                else rng.uniform(90, 300)
            )
            first_pledge = published_at + timedelta(seconds=round(delay * 86_400))
            if first_pledge > self.now or (deadline is not None and first_pledge.date() > deadline):
                first_pledge = None
        if first_pledge is None:
            plan.status = (
                RequestStatus.EXPIRED
                if expired
                else RequestStatus.WITHDRAWN
                if rng.random() < 0.06
                else RequestStatus.OPEN
            )
            return plan
        plan.first_pledge_at = first_pledge
        recent = self.now - first_pledge < timedelta(days=45)
        weights = (35, 35, 20, 5, 5) if recent else (91, 2, 3, 2, 2)
        outcome = rng.choices(
            (
                RequestStatus.FULFILLED,
                RequestStatus.PLEDGED,
                RequestStatus.OPEN,
                RequestStatus.EXPIRED,
                RequestStatus.WITHDRAWN,
            ),
            weights,
        )[0]
        if outcome == RequestStatus.OPEN and expired:
            outcome = RequestStatus.EXPIRED
        if outcome == RequestStatus.EXPIRED and not expired:
            outcome = RequestStatus.OPEN
        plan.status = outcome
        live = rng.choices((1, 2, 3, 4), (60, 25, 10, 5))[0] if plan.money else 1
        dead = (PledgeStatus.CANCELLED, PledgeStatus.LAPSED)
        if outcome == RequestStatus.FULFILLED:
            plan.pledge_statuses = [PledgeStatus.CONFIRMED] * live
            if rng.random() < 0.15:
                plan.pledge_statuses.append(rng.choice(dead))
        elif outcome == RequestStatus.PLEDGED or (outcome == RequestStatus.OPEN and plan.money):
            plan.pledge_statuses = rng.choices(
                (PledgeStatus.ACTIVE, PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED),
                (40, 35, 25),
                k=live,
            )
            if outcome == RequestStatus.PLEDGED and set(plan.pledge_statuses) == {
                PledgeStatus.CONFIRMED
            }:
                plan.pledge_statuses[-1] = PledgeStatus.DELIVERED
        elif outcome == RequestStatus.WITHDRAWN:
            plan.pledge_statuses = [PledgeStatus.CANCELLED] * live
        else:  # expired, or an in-kind request whose only offer fell through
            plan.pledge_statuses = rng.choices(dead, k=live)
        return plan

    def _write_request(self, plan: _Plan) -> None:
        rng = self.rng
        household = plan.household
        assert household is not None
        request_id = self._take_id("help_request")
        categories = self.instance.need_categories
        category = rng.choice(categories)
        titles, items = _NEEDS.get(category.code, ((), ()))
        status = plan.status
        self.requests_by_status[status.value] = self.requests_by_status.get(status.value, 0) + 1

        if plan.published_at is not None:
            drafted = plan.published_at - timedelta(days=rng.uniform(1, 14))
            created = min(max(drafted, household.created_at), plan.published_at)
        else:
            created = max(self._days_ago(0.1, 60), household.created_at)
        events = [created]

        target: int | None = None
        item_list: list[dict[str, Any]] = []
        if plan.money:
            low, high = _TARGET_RANGES.get(category.code, (200, 8_000))
            target = rng.randint(low // 10, high // 10) * 10 * self.unit
            title = rng.choice(titles) if titles else f"Support with {category.labels['en']}"
        else:
            name, unit, most = rng.choice(items) if items else ("Support in kind", "items", 3)
            item_list = [{"name": name, "quantity": rng.randint(1, most), "unit": unit}]
            title = f"{name} ({item_list[0]['quantity']} {unit})"
        urgency = rng.choices(list(Urgency), (20, 45, 25, 10))[0]

        pledged = received = 0
        fulfilled_at: datetime | None = None
        ended_at: datetime | None = None  # a withdrawal
        live_statuses = {PledgeStatus.ACTIVE, PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED}
        if plan.pledge_statuses:
            assert plan.first_pledge_at is not None
            amounts = self._pledge_amounts(plan, target)
            latest = self.now
            if plan.deadline is not None:
                latest = min(latest, datetime.combine(plan.deadline, time(23, 59), tzinfo=UTC))
            moment = plan.first_pledge_at
            confirmations: list[datetime] = []
            if status == RequestStatus.WITHDRAWN:
                last = plan.first_pledge_at + timedelta(days=10 * len(plan.pledge_statuses))
                ended_at = self._later(last, 0, 20)
            for index, pledge_status in enumerate(plan.pledge_statuses):
                if index:
                    moment = max(moment, min(self._later(moment, 0, 10), latest))
                row, confirmed = self._pledge(
                    request_id,
                    plan,
                    household,
                    category.code,
                    pledge_status,
                    moment,
                    amounts[index],
                    ended_at,
                )
                events.extend(v for k, v in row.items() if k.endswith("_at") and v is not None)
                if row["status"] in live_statuses:
                    pledged += row["amount_minor"] or 0
                if confirmed is not None:
                    received += row["amount_minor"] or 0
                    confirmations.append(confirmed)
                self.writer.add("pledge", row)
            if status == RequestStatus.FULFILLED:
                fulfilled_at = max(confirmations)
        elif status == RequestStatus.WITHDRAWN:
            ended_at = self._later(plan.published_at or created, 1, 30)
        if plan.published_at is not None:
            events.append(plan.published_at)
        if ended_at is not None:
            events.append(ended_at)
        caseworker = self.caseworker_id
        self.writer.add(
            "help_request",
            {
                "id": request_id,
                "household_id": household.id,
                "region_path": household.path,
                "category": category.code,
                "title": title,
                "description": (
                    f"{household.head_name} asks for help: {title.lower()}. The household "
                    "has been visited by the village committee, which confirmed the need."
                ),
                "target_amount_minor": target,
                "currency": self.currency if plan.money else None,
                "items": item_list,
                "deadline": plan.deadline,
                "urgency": urgency.value,
                "urgency_rank": URGENCY_RANK[urgency],
                "status": status.value,
                "pledged_amount_minor": pledged,
                "received_amount_minor": received,
                "created_by_id": caseworker,
                "verified_by_id": (
                    caseworker
                    if plan.published_at is not None or status == RequestStatus.REJECTED
                    else None
                ),
                "submitted_at": created if status != RequestStatus.DRAFT else None,
                "published_at": plan.published_at,
                "first_pledge_at": plan.first_pledge_at if plan.pledge_statuses else None,
                "fulfilled_at": fulfilled_at,
                "created_at": created,
                "updated_at": max(events),
            },
        )

    def _pledge_amounts(self, plan: _Plan, target: int | None) -> list[int | None]:
        """Live money pledges add up to the target when fully pledged or met, to less when
        the request is still open; ended pledges get amounts of their own."""
        count = len(plan.pledge_statuses)
        if target is None:
            return [None] * count
        live = [
            i
            for i, s in enumerate(plan.pledge_statuses)
            if s not in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED)
        ]
        full = plan.status in (RequestStatus.PLEDGED, RequestStatus.FULFILLED)
        parts = _split(self.rng, target // self.unit, len(live) + (0 if full else 1))
        amounts: list[int | None] = [
            self.rng.randint(1, max(1, target // self.unit)) * self.unit for _ in range(count)
        ]
        for index, part in zip(live, parts, strict=False):
            amounts[index] = part * self.unit
        if full and live:
            amounts[live[-1]] = (amounts[live[-1]] or 0) + target % self.unit
        return amounts

    def _pledge(
        self,
        request_id: int,
        plan: _Plan,
        household: _HouseholdRef,
        category_code: str,
        status: PledgeStatus,
        created: datetime,
        amount: int | None,
        withdrawn_at: datetime | None,
    ) -> tuple[dict[str, Any], datetime | None]:
        rng = self.rng
        grace = timedelta(days=self.instance.pledge_grace_days)
        due = created.date() + timedelta(days=rng.randint(7, 30))
        delivered = confirmed = ended = None
        if status == PledgeStatus.ACTIVE:
            # Still open: due recently enough that the grace period has not run out.
            due = max(due, self.today - grace + timedelta(days=rng.randint(1, 10)))
        elif status == PledgeStatus.LAPSED:
            lapsed = datetime.combine(due + grace + timedelta(days=1), time(3, 0), tzinfo=UTC)
            if lapsed <= self.now:
                ended = lapsed
            else:
                status = PledgeStatus.CANCELLED
        if status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED):
            delivered = self._later(created, 0.5, 12)
            if status == PledgeStatus.CONFIRMED:
                confirmed = self._later(delivered, 0, 6)
        if status == PledgeStatus.CANCELLED:
            ended = withdrawn_at or self._later(created, 0, 10)
        helper_id = self._helper_for(created)
        if plan.money:
            kind = PledgeKind.MONEY
            description = None
        else:
            kind = PledgeKind.SERVICE if category_code in _SERVICE_CATEGORIES else PledgeKind.GOODS
            description = "Will bring it to the village committee office."
        is_home = household.id == self.household_refs[0].id
        thanks = rng.choice(_THANK_YOUS) if confirmed and rng.random() < 0.85 else None
        row = {
            "id": self._take_id("pledge"),
            "request_id": request_id,
            "helper_id": helper_id,
            "kind": kind.value,
            "amount_minor": amount,
            "currency": self.currency if amount is not None else None,
            "description": description,
            "status": status.value,
            "due_on": due,
            "created_by_id": (
                self.account_ids.get(HELPER_EMAIL) if helper_id == self.demo_helper_id else None
            ),
            "created_at": created,
            "delivered_at": delivered,
            "confirmed_at": confirmed,
            "confirmed_by_id": (
                self.account_ids.get(HOUSEHOLD_EMAIL) if confirmed and is_home else None
            ),
            "thank_you_message": thanks,
            "thanked_at": confirmed if thanks else None,
            "ended_at": ended,
        }
        return row, confirmed

    def _helper_for(self, moment: datetime) -> int:
        """A helper registered before the pledge; the demo helper makes the first dozen."""
        if self.demo_helper_pledges < 12:
            self.demo_helper_pledges += 1
            return self.demo_helper_id
        registered = bisect.bisect_right(self.helper_created, moment.timestamp())
        return self.demo_helper_id + self.rng.randrange(max(registered, 1))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` as `parts` positive whole numbers (fewer when the total is too small)."""
    parts = max(1, min(parts, total))
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    bounds = [0, *cuts, total]
    return [high - low for low, high in pairwise(bounds)]


__all__ = [
    "DEMO_PASSWORD",
    "DemoSummary",
    "demo_data_present",
    "generate_demo_data",
]
