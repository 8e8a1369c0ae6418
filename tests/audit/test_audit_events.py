"""Reading the audit trail (auditEvents, node): who may, what each reader sees, filters,
refused reads of personal fields, and that the list costs the same at any size."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from api.audit import service
from api.audit.models import AuditEvent
from api.core.db import utcnow
from tests.help_requests.factories import published

EVENTS = """
query($filter: AuditEventFilter, $first: Int! = 50, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    nodes {
      id at action outcome subjectType subject fields
      actor { account role displayName }
      household { publicCode }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PERSONAL = "query($id: ID!) { node(id: $id) { ... on Household { publicCode headName phone } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on AuditEvent { action } } }"


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def events(api, actor, **variables):
    body = api.data(EVENTS, variables, token=actor.token if actor else None)
    return body["auditEvents"]["nodes"]


def read_personal_fields(api, world, actor, code=None):
    return api.post(
        PERSONAL, {"id": gid("Household", code or world.household_code)}, token=actor.token
    )


@pytest.fixture
def trail(api, world):
    """Reads and changes on both households, a refused read, and an account event."""
    read_personal_fields(api, world, world.admin)
    read_personal_fields(api, world, world.admin, world.other_household_code)
    read_personal_fields(api, world, world.helper)  # refused
    published(world)  # a request of the world's household, verified by an admin
    api.data(
        'mutation { accountUpdate(input: {displayName: "Helper Two"}) { errors { code } } }',
        token=world.other_helper.token,
    )
    return world


@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", "UNAUTHENTICATED"), ("helper", "FORBIDDEN"), ("rep", "FORBIDDEN")],
)
def test_only_admins_and_caseworkers_read_the_trail(api, trail, who, code):
    actor = trail.people()[who]
    body = api.post(EVENTS, token=actor.token if actor else None)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_an_admin_reads_every_event_newest_first(api, trail):
    nodes = events(api, trail.admin)

    moments = [datetime.fromisoformat(n["at"]) for n in nodes]
    assert moments == sorted(moments, reverse=True)
    actions = [n["action"] for n in nodes]
    assert actions[0] == "account.update"
    assert {
        "household.register",
        "household.verify",
        "household.read_sensitive",
        "household.read_sensitive_refused",
        "help_request.verify",
    } <= set(actions)
    [update] = [n for n in nodes if n["action"] == "account.update"]
    assert update == {
        "id": update["id"],
        "at": update["at"],
        "action": "account.update",
        "outcome": "ALLOWED",
        "subjectType": "Account",
        "subject": gid("Viewer", trail.other_helper.account_id),
        "fields": ["displayName"],
        "actor": {
            "account": gid("Viewer", trail.other_helper.account_id),
            "role": "HELPER",
            "displayName": "Helper Two",
        },
        "household": None,
    }


def test_a_refused_read_of_personal_fields_is_recorded(api, world):
    # Given a helper, and a caseworker of another area, who try to read personal fields
    helper_try = read_personal_fields(api, world, world.helper)
    far_try = read_personal_fields(api, world, world.far_caseworker)
    anonymous_try = api.post(PERSONAL, {"id": gid("Household", world.household_code)})

    # Then each was refused
    for body in (helper_try, far_try, anonymous_try):
        assert body["data"]["node"] == {
            "publicCode": world.household_code,
            "headName": None,
            "phone": None,
        }
        assert {e["extensions"]["code"] for e in body["errors"]} <= {
            "FORBIDDEN",
            "UNAUTHENTICATED",
        }
    # And each attempt is in the trail, with the field names and who tried
    refused = events(api, world.admin, filter={"outcome": "REFUSED"})
    assert [(n["actor"]["account"], n["actor"]["role"]) for n in refused] == [
        (None, None),
        (gid("Viewer", world.far_caseworker.account_id), "CASEWORKER"),
        (gid("Viewer", world.helper.account_id), "HELPER"),
    ]
    for node in refused:
        assert node["action"] == "household.read_sensitive_refused"
        assert node["fields"] == ["headName", "phone"]
        assert node["subject"] == gid("Household", world.household_code)
        assert node["household"] == {"publicCode": world.household_code}
    # The household's own caseworker sees the probing too
    assert len(events(api, world.caseworker, filter={"outcome": "REFUSED"})) == 3


def test_a_caseworker_reads_only_events_located_in_their_area(api, trail):
    mine = events(api, trail.caseworker)
    far = events(api, trail.far_caseworker)

    assert far == []
    assert mine and {n["household"]["publicCode"] for n in mine} == {trail.household_code}
    assert "account.update" not in {n["action"] for n in mine}
    # A request of the household is located by the household
    [verified] = [n for n in mine if n["action"] == "help_request.verify"]
    assert verified["subjectType"] == "HelpRequest"
    # A filter on a household outside the area gives an empty page
    outside = events(
        api, trail.caseworker, filter={"household": gid("Household", trail.other_household_code)}
    )
    assert outside == []


def test_node_follows_the_same_rule_as_the_list(api, trail):
    [other_read] = events(
        api,
        trail.admin,
        filter={
            "household": gid("Household", trail.other_household_code),
            "action": "household.read_sensitive",
        },
    )
    seen = {
        who: api.data(NODE, {"id": other_read["id"]}, token=actor.token if actor else None)["node"]
        for who, actor in trail.people().items()
    }
    assert seen == {
        "anonymous": None,
        "helper": None,
        "rep": None,
        "caseworker": None,  # C1; the household lives in C2
        "far_caseworker": None,
        "admin": {"action": "household.read_sensitive"},
    }


def test_filters_by_household_actor_action_and_time(api, trail):
    household = gid("Household", trail.household_code)
    about_household = events(api, trail.admin, filter={"household": household})
    by_admin = events(api, trail.admin, filter={"actor": gid("Viewer", trail.admin.account_id)})
    reads = events(api, trail.admin, filter={"action": "household.read_sensitive"})
    now = utcnow()
    future = events(api, trail.admin, filter={"from": (now + timedelta(hours=1)).isoformat()})
    past = events(api, trail.admin, filter={"to": (now - timedelta(days=1)).isoformat()})
    everything = events(
        api,
        trail.admin,
        filter={
            "from": (now - timedelta(days=1)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
        },
    )

    assert {n["household"]["publicCode"] for n in about_household} == {trail.household_code}
    assert {"household.register", "help_request.verify", "household.read_sensitive"} <= {
        n["action"] for n in about_household
    }
    assert by_admin and {n["actor"]["role"] for n in by_admin} == {"PLATFORM_ADMIN"}
    assert {n["actor"]["account"] for n in by_admin} == {gid("Viewer", trail.admin.account_id)}
    assert len(reads) == 2 and {n["outcome"] for n in reads} == {"ALLOWED"}
    assert future == past == []
    assert len(everything) == len(events(api, trail.admin))


@pytest.mark.parametrize(
    ("filter_", "code"),
    [
        ({"household": gid("Region", 1)}, "BAD_USER_INPUT"),
        ({"actor": "not-an-id"}, "BAD_USER_INPUT"),
        ({"from": "2026-05-01T00:00:00"}, "BAD_USER_INPUT"),
    ],
)
def test_a_malformed_filter_is_refused_with_a_code(api, trail, filter_, code):
    body = api.post(EVENTS, {"filter": filter_}, token=trail.admin.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_a_naive_moment_is_refused_in_the_callers_language(api, trail):
    body = api.post(
        EVENTS, {"filter": {"to": "2026-05-01T00:00:00"}}, token=trail.admin.token, locale="fr"
    )
    assert body["errors"][0]["message"] == (
        "`filter.to` doit indiquer un décalage horaire, par exemple 2026-05-01T00:00:00Z."
    )


def test_events_show_field_names_never_values(api, trail, engine):
    with Session(engine) as session:
        stored = session.exec(
            select(AuditEvent).where(AuditEvent.action == "household.register")
        ).all()
    assert stored and all("region" in e.detail["fields"] for e in stored)
    nodes = events(api, trail.admin)
    text = str(nodes)
    for value in ("Wang Fang", "520102198001011234", "+86 138", "3 Hill Road"):
        assert value not in text


def test_pages_follow_the_cursor_without_gaps(api, trail):
    everything = [n["id"] for n in events(api, trail.admin)]
    seen: list[str] = []
    after = None
    while True:
        page = api.data(EVENTS, {"first": 2, "after": after}, token=trail.admin.token)
        connection = page["auditEvents"]
        seen += [n["id"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == everything


def test_the_list_costs_a_constant_number_of_statements(api, world, sql_counter):
    def read_all_and_count() -> tuple[int, int]:
        sql_counter.reset()
        nodes = events(api, world.admin)
        return len(nodes), sql_counter.count

    for actor in (world.admin, world.caseworker):
        read_personal_fields(api, world, actor)
    few, statements = read_all_and_count()
    for actor in (world.admin, world.caseworker, world.helper, world.far_caseworker):
        read_personal_fields(api, world, actor)
        read_personal_fields(api, world, actor, world.other_household_code)
    many, more_statements = read_all_and_count()

    assert many > few + 6
    assert more_statements == statements


def test_the_household_filter_reads_the_index_not_the_table(trail, backend, engine):
    # The statement auditEvents runs for a caseworker's household filter, page included.
    statement = (
        service.audit_events_statement(
            trail.principal(trail.caseworker), service.AuditFilter(household_id=trail.household)
        )
        .order_by(*(key.column.desc() for key in service.NEWEST_FIRST))
        .limit(21)
    )
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))

    with engine.connect() as connection:
        if backend.name == "sqlite":
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            assert not any(step.startswith("SCAN audit_event") for step in plan), plan
        else:
            # A tiny table is cheaper to scan; forbid that to see whether the index serves.
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql)]
            assert not any("Seq Scan on audit_event" in step for step in plan), plan
    assert any("ix_audit_event_household_id_at_id" in step for step in plan), plan


def test_moments_are_in_utc(api, trail):
    [first] = events(api, trail.admin, first=1)
    assert datetime.fromisoformat(first["at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(first["at"]) <= datetime.now(UTC)
