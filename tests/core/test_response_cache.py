"""The response cache over real HTTP: a repeated anonymous query is answered without a
data statement, every write that changes a public list invalidates it at once (on this
process and on another one), and credentials, errors and mutations are never cached."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from api.core.cache_generations import TABLE, current_generations
from api.core.db import unit_of_work
from api.help_requests.models import HelpRequest
from tests.conftest import LiveServer, StatementCounter
from tests.crowdfunding import factories as cf
from tests.help_requests import factories as f
from tests.mall import factories as m
from tests.serverproc import ServerProcess

HEADLINE = """{ helpRequests(first: 50) { nodes { id title { text } urgency status
  category { label } target { formatted } household { publicCode membersCount
  region { name } causes { label } } } } }"""
TITLES = "query($first: Int!) { helpRequests(first: $first) { nodes { title { text } } } }"
HOUSEHOLDS = "{ households(first: 50) { nodes { publicCode } } }"
WALL = "{ donationWall(first: 10) { nodes { donorName amount { amountMinor } } } }"


def post(
    http: httpx.Client,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def data_statements(counter: StatementCounter) -> list[str]:
    """What the counter saw, without the generations the cache reads (on the driver's
    connection, so those are not even seen: this only guards that)."""
    return [s for s in counter.statements if TABLE not in s]


def titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return [node["title"]["text"] for node in body["data"]["helpRequests"]["nodes"]]


@pytest.fixture
def world(backend, engine, settings) -> f.World:
    return f.make_world(engine, settings)


@pytest.fixture
def http(api) -> Iterator[httpx.Client]:
    yield api.http


# --- Hits ------------------------------------------------------------------------------------


def test_a_repeated_anonymous_read_runs_no_data_statement(world, http, sql_counter):
    f.published(world, title="roof")
    first = post(http, HEADLINE)
    assert first.status_code == 200 and "errors" not in first.json()
    assert data_statements(sql_counter), "the first read runs the query"

    sql_counter.reset()
    again = post(http, HEADLINE)

    assert data_statements(sql_counter) == []
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-language"] == first.headers["content-language"]
    assert again.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert "x-ratelimit-remaining" in again.headers


def test_a_different_locale_variables_or_media_type_is_another_entry(world, http, sql_counter):
    f.published(world, title="roof")
    post(http, TITLES, {"first": 5})
    for variables, headers in [
        ({"first": 6}, {}),
        ({"first": 5}, {"X-Aidbridge-Locale": "fr"}),
        ({"first": 5}, {"Accept-Language": "zh-CN"}),
        ({"first": 5}, {"Accept": "application/graphql-response+json"}),
    ]:
        sql_counter.reset()
        response = post(http, TITLES, variables, headers)
        assert response.status_code == 200
        assert data_statements(sql_counter), (variables, headers)
    sql_counter.reset()
    french = post(http, TITLES, {"first": 5}, {"X-Aidbridge-Locale": "fr"})
    assert data_statements(sql_counter) == []
    assert french.headers["content-language"] == "fr"
    # Another spelling of the same choice is the same entry: the key is the locale chosen.
    sql_counter.reset()
    post(http, TITLES, {"first": 5}, {"Accept-Language": "fr-CA,en;q=0.5"})
    assert data_statements(sql_counter) == []


def test_get_answers_304_to_a_matching_if_none_match(world, http):
    f.published(world, title="roof")
    params = {"query": HEADLINE}
    first = http.get("/graphql", params=params)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")

    unchanged = http.get("/graphql", params=params, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert "x-ratelimit-remaining" in unchanged.headers

    f.published(world, title="wall")
    changed = http.get("/graphql", params=params, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_a_gzipped_answer_has_its_own_etag(world, http):
    for number in range(20):
        f.published(world, title=f"request number {number}")
    plain = post(http, HEADLINE, None, {"Accept-Encoding": "identity"})
    zipped = post(http, HEADLINE, None, {"Accept-Encoding": "gzip"})
    zipped_again = post(http, HEADLINE, None, {"Accept-Encoding": "gzip"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert zipped_again.headers["etag"] == zipped.headers["etag"]
    assert "Accept-Encoding" in zipped.headers["vary"]


# --- Never cached ----------------------------------------------------------------------------


def test_authenticated_requests_are_never_cached(world, http, sql_counter):
    f.published(world, title="roof")
    bearer = {"Authorization": f"Bearer {world.helper.token}"}
    post(http, HEADLINE, None, bearer)
    sql_counter.reset()

    response = post(http, HEADLINE, None, bearer)

    assert data_statements(sql_counter)
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers
    # Nor does an anonymous entry answer a request with credentials.
    post(http, HEADLINE)
    sql_counter.reset()
    post(http, HEADLINE, None, bearer)
    assert data_statements(sql_counter)


def test_errors_and_mutations_are_never_cached(world, http, sql_counter):
    for _ in range(2):
        sql_counter.reset()
        failed = post(http, "{ helpRequests(first: 500) { nodes { id } } }")
        assert failed.json()["errors"]
        assert failed.headers["cache-control"] == "no-store"
        assert "etag" not in failed.headers
    reset = (
        'mutation { passwordResetRequest(input: {email: "nobody@example.org"}) {'
        " accepted errors { code } } }"
    )
    for _ in range(2):
        sql_counter.reset()
        answer = post(http, reset)
        assert answer.status_code == 200 and "errors" not in answer.json()
        assert answer.headers["cache-control"] == "no-store"
        assert data_statements(sql_counter), "every reset request runs"


def test_an_anonymous_read_that_is_audited_is_not_cached(world, engine, http):
    """Personal fields are for staff; an anonymous attempt at one is refused and
    audited every time, so it is never answered from the cache."""
    query = "{ households(first: 5) { nodes { publicCode headName } } }"

    def audited() -> int:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one())

    counts = [audited()]
    for _ in range(2):
        response = post(http, query)
        assert response.json()["errors"]
        assert response.headers["cache-control"] == "no-store"
        counts.append(audited())
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0


# --- Invalidation by writes ------------------------------------------------------------------


def test_a_request_published_appears_at_once(world, http):
    f.published(world, title="roof")
    assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
    assert titles(post(http, TITLES, {"first": 10})) == ["roof"]

    f.published(world, title="wall")

    assert titles(post(http, TITLES, {"first": 10})) == ["wall", "roof"]


def test_a_household_that_withdraws_consent_disappears_at_once(world, http, api):
    f.published(world, title="roof")
    f.published(world, household=world.other_household, title="clinic")
    assert sorted(titles(post(http, TITLES, {"first": 10}))) == ["clinic", "roof"]
    codes = {n["publicCode"] for n in post(http, HOUSEHOLDS).json()["data"]["households"]["nodes"]}
    assert world.other_household_code in codes

    withdrawn = api.data(
        "mutation($input: HouseholdConsentSetInput!) { householdConsentSet(input: $input) {"
        " errors { code } } }",
        {
            "input": {
                "id": f.gid("Household", world.other_household_code),
                "consentToPublish": False,
            }
        },
        token=world.admin.token,
    )
    assert withdrawn["householdConsentSet"]["errors"] == []

    assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
    codes = {n["publicCode"] for n in post(http, HOUSEHOLDS).json()["data"]["households"]["nodes"]}
    assert world.other_household_code not in codes


def test_a_received_donation_reaches_the_wall_at_once(world, http, api):
    from tests.donation.test_donation_api import give, reconcile

    assert post(http, WALL).json()["data"]["donationWall"]["nodes"] == []
    given = give(api, donorName="Ada Donor")
    assert post(http, WALL).json()["data"]["donationWall"]["nodes"] == []

    reconcile(api, world.admin.token, given["donation"]["id"])

    wall = post(http, WALL).json()["data"]["donationWall"]["nodes"]
    assert [entry["donorName"] for entry in wall] == ["Ada Donor"]


def test_a_product_s_stock_is_read_again_after_an_order(world, http):
    query = "{ products(first: 10) { nodes { stock } } }"
    product_id = m.product(world, m.seller(world), stock=10)
    assert post(http, query).json()["data"]["products"]["nodes"] == [{"stock": 10}]
    assert post(http, query).json()["data"]["products"]["nodes"] == [{"stock": 10}]

    m.place(world, {product_id: 2})

    assert post(http, query).json()["data"]["products"]["nodes"] == [{"stock": 8}]


def test_a_campaign_backing_is_counted_at_once(world, http):
    query = "{ campaigns(first: 10) { nodes { backersCount raised { amountMinor } } } }"
    campaign_id = cf.active(world)
    nothing = [{"backersCount": 0, "raised": {"amountMinor": 0}}]
    assert post(http, query).json()["data"]["campaigns"]["nodes"] == nothing
    assert post(http, query).json()["data"]["campaigns"]["nodes"] == nothing

    cf.received(world, campaign_id, amount=1_000)

    backed = [{"backersCount": 1, "raised": {"amountMinor": 1_000}}]
    assert post(http, query).json()["data"]["campaigns"]["nodes"] == backed


def test_a_write_outside_graphql_invalidates_too(world, engine, http):
    """The CLI, the payment webhook and lazy writes share the engine's tracking: a plain
    UPDATE through any engine of create_db_engine bumps the table."""
    request_id = f.published(world, title="roof")
    assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
    before = current_generations(engine, ["help_request"])["help_request"]

    with unit_of_work(engine) as session:
        session.execute(
            sa.update(HelpRequest)
            .where(HelpRequest.id == request_id)  # type: ignore[arg-type]
            .values(status="EXPIRED")
        )

    assert current_generations(engine, ["help_request"])["help_request"] > before
    assert titles(post(http, TITLES, {"first": 10})) == []


def test_an_answer_is_not_served_past_its_max_age(world, backend, engine):
    settings = replace(
        backend.settings, response_cache=replace(backend.settings.response_cache, max_age=0.5)
    )
    server = LiveServer(create_app(settings, engine))
    try:
        with httpx.Client(base_url=server.url) as http:
            request_id = f.published(world, title="roof")
            assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
            untracked_title_change(engine, request_id, "changed behind the cache's back")
            assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
            time.sleep(0.6)
            assert titles(post(http, TITLES, {"first": 10})) == ["changed behind the cache's back"]
    finally:
        server.stop()


def test_the_cache_can_be_turned_off(world, backend, engine):
    settings = replace(
        backend.settings, response_cache=replace(backend.settings.response_cache, enabled=False)
    )
    server = LiveServer(create_app(settings, engine))
    try:
        with httpx.Client(base_url=server.url) as http:
            request_id = f.published(world, title="roof")
            assert titles(post(http, TITLES, {"first": 10})) == ["roof"]
            untracked_title_change(engine, request_id, "changed")
            response = post(http, TITLES, {"first": 10})
            assert titles(response) == ["changed"]
            assert response.headers["cache-control"] == "no-store"
    finally:
        server.stop()


def untracked_title_change(engine: sa.Engine, request_id: int, title: str) -> None:
    """Change a row on the driver's connection, where no event fires and nothing is
    bumped: only a cached answer still shows the old title afterwards."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
        cursor.execute(
            f"UPDATE help_request SET title = {placeholder} WHERE id = {placeholder}",  # noqa: S608
            (title, request_id),
        )
        connection.commit()
        cursor.close()
    finally:
        connection.close()


# --- Two processes ---------------------------------------------------------------------------


def test_a_write_on_one_process_invalidates_the_other_s_answer(
    world, backend, tmp_path: Path, redis_or_memory: dict[str, str]
):
    env = {
        "DATABASE_URL": backend.url,
        "SECRET_KEY": backend.settings.secret_key,
        "AIDBRIDGE_RATE_LIMIT_POINTS": str(10**9),
        **redis_or_memory,
    }
    reader, writer = (ServerProcess(env, tmp_path / f"{n}.log") for n in ("reader", "writer"))
    reader.start(timeout=180)  # a cold start on a loaded 2-core machine takes 15 s or more
    writer.start(timeout=180)
    try:
        with httpx.Client(base_url=reader.url) as one, httpx.Client(base_url=writer.url) as two:
            request_id = f.published(world, title="roof")
            assert titles(post(one, TITLES, {"first": 10})) == ["roof"]
            untracked_title_change(world.engine, request_id, "stale")
            assert titles(post(one, TITLES, {"first": 10})) == ["roof"], "served from the cache"

            withdrawn = two.post(
                "/graphql",
                json={
                    "query": "mutation($input: HouseholdConsentSetInput!) { householdConsentSet("
                    "input: $input) { errors { code } } }",
                    "variables": {
                        "input": {
                            "id": f.gid("Household", world.household_code),
                            "consentToPublish": False,
                        }
                    },
                },
                headers={"Authorization": f"Bearer {world.admin.token}"},
            )
            assert withdrawn.json()["data"]["householdConsentSet"]["errors"] == [], withdrawn.text

            assert titles(post(one, TITLES, {"first": 10})) == []
    finally:
        reader.stop()
        writer.stop()


@pytest.fixture(params=["memory", "redis"])
def redis_or_memory(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "memory":
        return {"AIDBRIDGE_REDIS_URL": ""}
    url = "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:
        pytest.skip(f"no Redis at {url}: {error}")
    return {"AIDBRIDGE_REDIS_URL": url}


def test_generations_only_grow_even_when_the_table_is_emptied(world, backend, engine):
    f.published(world, title="roof")
    before = current_generations(engine, ["help_request"])["help_request"]
    backend.truncate()
    after = current_generations(engine, ["help_request"])
    assert after.get("help_request", 0) != before
    f.published(make_world_again(backend), title="again")
    assert current_generations(engine, ["help_request"])["help_request"] > before


def make_world_again(backend):
    return f.make_world(backend.engine, backend.settings)


# --- Units: statements and settings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "reads", "writes"),
    [
        (
            "SELECT help_request.id FROM help_request JOIN household ON household.id = "
            "help_request.household_id WHERE help_request.status IN (?, ?)",
            {"help_request", "household"},
            set(),
        ),
        (
            "WITH RECURSIVE up(id) AS (SELECT region.id FROM region) SELECT * FROM up",
            {"region"},
            set(),
        ),
        ("SELECT mall_product.stock FROM mall_product FOR UPDATE", {"mall_product"}, set()),
        (
            "INSERT INTO donation (amount_minor) SELECT 1 FROM help_request",
            {"donation", "help_request"},
            {"donation"},
        ),
        (
            'UPDATE "household" SET consent_to_publish = ? WHERE id = ?',
            {"household"},
            {"household"},
        ),
        (
            "DELETE FROM help_request_translation WHERE help_request_id = ?",
            None,
            {"help_request_translation"},
        ),
        (
            'TRUNCATE "donation", "campaign" RESTART IDENTITY CASCADE',
            None,
            {"donation", "campaign"},
        ),
        (
            "INSERT INTO rate_limit_counter (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET "
            "amount = 1",
            set(),
            set(),
        ),
    ],
)
def test_statements_name_the_tables_they_read_and_write(statement, reads, writes):
    import api.tables  # noqa: F401  (every table known)
    from api.core.cache_generations import touched_tables

    touched = touched_tables(statement)

    if reads is not None:
        assert touched.reads == reads
    assert touched.writes == writes


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("AIDBRIDGE_RESPONSE_CACHE", "maybe"),
        ("AIDBRIDGE_RESPONSE_CACHE_MAX_ENTRIES", "0"),
        ("AIDBRIDGE_RESPONSE_CACHE_MAX_BYTES", "lots"),
        ("AIDBRIDGE_RESPONSE_CACHE_MAX_AGE", "0"),
        ("AIDBRIDGE_HTTP_CACHE_MAX_AGE", "-1"),
    ],
)
def test_an_invalid_cache_setting_is_named(tmp_path, setting, value):
    from api.core.settings import ConfigError, load_settings

    with pytest.raises(ConfigError) as raised:
        load_settings({"SECRET_KEY": "k" * 40, setting: value}, workdir=tmp_path)

    assert raised.value.setting == setting


def test_the_cache_is_on_by_default_and_can_be_turned_off(tmp_path):
    from api.core.settings import load_settings

    default = load_settings({"SECRET_KEY": "k" * 40}, workdir=tmp_path).response_cache
    off = load_settings(
        {"SECRET_KEY": "k" * 40, "AIDBRIDGE_RESPONSE_CACHE": "0"}, workdir=tmp_path
    ).response_cache

    assert (default.enabled, default.max_age, default.max_entries) == (True, 60.0, 1000)
    assert not off.enabled
