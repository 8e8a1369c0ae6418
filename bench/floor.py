"""The floor: a raw Starlette app with hand-written SQL on the same database, answering the
headline read and the filtered first page (bench/operations.py) with the same bytes as our
/graphql, as an anonymous reader in the instance's default locale.

It is what the same answer costs without GraphQL: one POST route that looks the document
up in a table of the two it knows, three statements (the page joined to its households and
their regions, the causes of those households, the names of their public regions) and
orjson. Anything else is refused. `bench/run.py` checks its bodies equal our server's
before timing anything.

Run under uvicorn: `DATABASE_URL=... uvicorn bench.floor:app` (bench/run.py does this,
pinned to one core). Only the instance file is read from the project (labels of the
taxonomies, the public region level, the default locale); nothing from the API code runs
per request."""

from __future__ import annotations

import base64
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.core.settings import Instance, load_settings
from bench.operations import FILTERED, HEADLINE

PUBLIC_STATUSES = ("OPEN", "PLEDGED", "FULFILLED")
PAGE_SIZE = 50

# The page: published requests of verified, consenting households, newest first, then
# their households and regions. The page is chosen in a subquery that checks the household
# per row (EXISTS): SQLite then walks the (published_at, id) index backwards and stops after
# the page, where a join lets it build a Bloom filter over every household first (80 ms at
# 100k requests instead of 1 ms). Public requests are all published; saying so lets
# PostgreSQL start its backward walk after the unpublished rows (NULLs sort first there),
# instead of filtering out all of them first. `{extra}` adds a filter's terms.
PAGE_SQL = """
SELECT r.id, r.title, r.source_language, t.title, r.urgency, r.status, r.category,
       r.target_amount_minor, r.currency, h.id, h.public_code, h.members_count, g.path
FROM (
  SELECT p.* FROM help_request AS p
  WHERE p.status IN ({statuses}) {extra} AND p.published_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM household AS v WHERE v.id = p.household_id
                AND v.verification_status = 'VERIFIED' AND v.consent_to_publish = {p})
  ORDER BY p.published_at DESC, p.id DESC
  LIMIT {limit}
) AS r
JOIN household AS h ON h.id = r.household_id
JOIN region AS g ON g.id = h.region_id
LEFT JOIN help_request_translation AS t
       ON t.help_request_id = r.id AND t.locale = {p} AND r.source_language <> {p}
ORDER BY r.published_at DESC, r.id DESC
"""
CAUSES_SQL = (
    "SELECT household_id, cause_code FROM household_cause "
    "WHERE household_id IN ({ids}) ORDER BY cause_code"
)
REGIONS_SQL = """
SELECT g.id, g.name, g.source_language, t.name
FROM region AS g
LEFT JOIN region_translation AS t
       ON t.region_id = g.id AND t.locale = {p} AND g.source_language <> {p}
WHERE g.id IN ({ids})
"""


@dataclass(frozen=True)
class Page:
    """One of the documents the floor answers: its extra WHERE terms and their values."""

    statuses: tuple[str, ...]
    extra_sql: str = ""
    extra_params: tuple[Any, ...] = ()


PAGES = {
    HEADLINE: Page(PUBLIC_STATUSES),
    FILTERED: Page(("OPEN",), "AND p.category = {p}", ("MEDICAL",)),
}


class Database:
    """One connection per thread (Starlette runs sync endpoints in a thread pool), SQLite
    through sqlite3 or PostgreSQL through psycopg, with the driver's placeholder."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()
        self.lock = threading.Lock()
        self.opened: list[Any] = []
        if url.startswith("sqlite"):
            self.placeholder = "?"
            self.connect: Callable[[], Any] = self._sqlite
        else:
            self.placeholder = "%s"
            self.connect = self._postgres

    def _sqlite(self) -> Any:
        path = self.url.split("///", 1)[1]
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=30000")
        return connection

    def _postgres(self) -> Any:
        import psycopg

        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(conninfo, autocommit=True, prepare_threshold=0)

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.connect()
            with self.lock:
                self.opened.append(connection)
        cursor = connection.execute(sql, params)
        return list(cursor.fetchall())

    def close(self) -> None:
        with self.lock:
            for connection in self.opened:
                connection.close()
            self.opened.clear()


class Floor:
    """Answers PAGES for one instance and database."""

    def __init__(self, database: Database, instance: Instance) -> None:
        self.db = database
        self.locale = instance.default_locale
        self.babel_locale = Locale.parse(self.locale)
        self.public_level = instance.public_region_level
        self.category_labels = {
            e.code: _label(e.labels, self.locale) for e in instance.need_categories
        }
        self.cause_labels = {e.code: _label(e.labels, self.locale) for e in instance.poverty_causes}
        p = database.placeholder
        self.sql = {
            page: PAGE_SQL.format(
                p=p,
                statuses=", ".join(p for _ in spec.statuses),
                extra=spec.extra_sql.format(p=p),
                limit=PAGE_SIZE,
            )
            for page, spec in PAGES.items()
        }

    def answer(self, query: str) -> bytes | None:
        spec = PAGES.get(query)
        if spec is None:
            return None
        locale = self.locale
        params = (*spec.statuses, *spec.extra_params, True, locale, locale)
        page = self.db.rows(self.sql[query], params)
        household_ids = sorted({row[9] for row in page})
        causes: dict[int, list[str]] = {i: [] for i in household_ids}
        if household_ids:
            marks = ", ".join(self.db.placeholder for _ in household_ids)
            for household_id, code in self.db.rows(CAUSES_SQL.format(ids=marks), household_ids):
                causes[household_id].append(code)
        public_ids = {row[12]: self._public_region_id(row[12]) for row in page}
        names = self._region_names(sorted(set(public_ids.values())))
        nodes = [
            {
                "id": _global_id("HelpRequest", row[0]),
                "title": {"text": row[3] or row[1]},
                "urgency": row[4],
                "status": row[5],
                "category": {"label": self.category_labels.get(row[6], row[6])},
                "target": (
                    None
                    if row[7] is None or row[8] is None
                    else {"formatted": self._money(row[7], row[8])}
                ),
                "household": {
                    "publicCode": row[10],
                    "membersCount": row[11],
                    "region": {"name": names[public_ids[row[12]]]},
                    "causes": [
                        {"label": self.cause_labels.get(code, code)} for code in causes[row[9]]
                    ],
                },
            }
            for row in page
        ]
        return orjson.dumps({"data": {"helpRequests": {"nodes": nodes}}})

    def _public_region_id(self, path: str) -> int:
        ids = [int(part) for part in path.strip("/").split("/") if part]
        return ids[min(len(ids), self.public_level) - 1]

    def _region_names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        p = self.db.placeholder
        sql = REGIONS_SQL.format(p=p, ids=", ".join(p for _ in ids))
        rows = self.db.rows(sql, (self.locale, self.locale, *ids))
        return {region_id: translated or name for region_id, name, _lang, translated in rows}

    def _money(self, amount_minor: int, currency: str) -> str:
        digits = get_currency_precision(currency)
        amount = Decimal(amount_minor).scaleb(-digits)
        return str(format_currency(amount, currency, locale=self.babel_locale))


def _label(labels: Mapping[str, str], locale: str) -> str:
    return labels.get(locale) or labels["en"]


def _global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


JSON = "application/json; charset=utf-8"
REFUSED = orjson.dumps({"errors": [{"message": "the floor answers two documents only"}]})


def create_floor(database_url: str | None = None, instance: Instance | None = None) -> Starlette:
    """The floor on `database_url` for `instance` (both from the environment if omitted,
    as our server reads them)."""
    if database_url is None or instance is None:
        settings = load_settings()
        database_url = database_url or settings.database_url
        instance = instance or settings.instance
    database = Database(database_url)
    floor = Floor(database, instance)

    async def endpoint(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        query = payload.get("query") if isinstance(payload, dict) else None
        # In the thread pool, as our server runs operations: a PostgreSQL round trip then
        # does not stall the event loop.
        body = await run_in_threadpool(floor.answer, query) if isinstance(query, str) else None
        if body is None:
            return Response(REFUSED, status_code=400, media_type=JSON)
        return Response(body, media_type=JSON)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        database.close()

    return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])], lifespan=lifespan)


def __getattr__(name: str) -> Any:
    # `uvicorn bench.floor:app` builds the app on first access, from the environment.
    if name == "app":
        return create_floor()
    raise AttributeError(name)
