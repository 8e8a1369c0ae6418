"""MEDIA exhibits showing a picture stored by the instance, over real HTTP: uploaded by an
exhibition's editor as a GraphQL multipart request, checked like a product's pictures
(your own, any for staff, those the exhibition already shows), served from the instance in
several widths, and loaded for a whole page of exhibitions at once."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import func, select

from api.exhibitions import service
from api.exhibitions.models import ExhibitionItem
from tests.exhibitions.test_exhibition_api import create_input, make
from tests.media.test_media_api import photo, upload, uploaded
from tests.projects.conftest import gid

ITEMS = "items { kind mediaUrl image { id url srcset width height } }"
CREATE = (
    "mutation($input: ExhibitionCreateInput!) { exhibitionCreate(input: $input) { "
    "exhibition { id " + ITEMS + " } errors { field code } } }"
)
UPDATE = (
    "mutation($input: ExhibitionUpdateInput!) { exhibitionUpdate(input: $input) { "
    "exhibition { " + ITEMS + " } errors { field code } } }"
)
PUBLISH = (
    "mutation($input: ExhibitionPublicationInput!) { exhibitionPublish(input: $input) { "
    "errors { field code } } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on Exhibition { " + ITEMS + " } } }"
LIST = "query($first: Int!) { exhibitions(first: $first) { nodes { " + ITEMS + " } } }"


def create(api: Any, world: Any, items: list[dict[str, Any]], who: str) -> dict[str, Any]:
    payload: dict[str, Any] = api.data(
        CREATE, {"input": create_input(world, items=items)}, token=world.token(who)
    )["exhibitionCreate"]
    return payload


def update(api: Any, exhibition: str, items: list[dict[str, Any]], token: str | None) -> Any:
    return api.data(UPDATE, {"input": {"id": exhibition, "items": items}}, token=token)[
        "exhibitionUpdate"
    ]


def test_an_organisation_shows_its_own_picture_served_by_the_instance(api, world):
    org = world.token("organisation")
    image = uploaded(api, photo(1800, 1200), org)
    created = create(
        api,
        world,
        [{"kind": "MEDIA", "image": image["id"], "caption": "The tea terraces"}],
        "organisation",
    )
    assert created["errors"] == []
    [item] = created["exhibition"]["items"]
    assert item["mediaUrl"] is None
    assert item["image"] == {k: image[k] for k in ("id", "url", "srcset", "width", "height")}
    assert api.data(PUBLISH, {"input": {"id": created["exhibition"]["id"]}}, token=org)[
        "exhibitionPublish"
    ] == {"errors": []}

    public = api.data(NODE, {"id": created["exhibition"]["id"]})["node"]["items"][0]["image"]
    assert public == item["image"]
    widths = [part.rsplit(" ", 1)[1] for part in public["srcset"].split(", ")]
    assert widths == ["320w", "640w", "1024w", "1600w"]
    for part in public["srcset"].split(", "):
        url = part.rsplit(" ", 1)[0]
        assert url.startswith(api.base_url + "/media/")  # the instance's own address
        served = httpx.get(url)
        assert served.status_code == 200 and served.headers["content-type"] == "image/webp"

    # A picture and a link elsewhere together; then the link alone: the picture goes.
    both = update(
        api,
        created["exhibition"]["id"],
        [{"kind": "MEDIA", "image": image["id"], "mediaUrl": "https://e.org/tea.jpg"}],
        org,
    )
    assert both["errors"] == []
    assert both["exhibition"]["items"][0]["image"]["id"] == image["id"]
    assert both["exhibition"]["items"][0]["mediaUrl"] == "https://e.org/tea.jpg"
    link = update(
        api,
        created["exhibition"]["id"],
        [{"kind": "MEDIA", "mediaUrl": "https://e.org/t.jpg"}],
        org,
    )
    assert link["exhibition"]["items"] == [
        {"kind": "MEDIA", "mediaUrl": "https://e.org/t.jpg", "image": None}
    ]


def test_exhibition_editors_may_upload_and_other_helpers_may_not(api, world):
    org = upload(api, photo(400, 300), token=world.token("organisation")).json()
    assert org["data"]["imageUpload"]["errors"] == []
    helper = upload(api, photo(400, 300), token=world.token("helper")).json()
    assert helper["data"]["imageUpload"]["errors"][0]["code"] == "FORBIDDEN"


def test_only_your_own_pictures_or_those_already_shown(api, world, session):
    staff_picture = uploaded(api, photo(400, 300), world.token("caseworker_c1"))["id"]
    mine = uploaded(api, photo(400, 300), world.token("organisation"))["id"]
    refused = create(api, world, [{"kind": "MEDIA", "image": staff_picture}], "organisation")
    assert refused == {
        "exhibition": None,
        "errors": [{"field": "items.0.image", "code": "NOT_FOUND"}],
    }
    created = create(api, world, [{"kind": "MEDIA", "image": mine}], "organisation")
    exhibition = created["exhibition"]["id"]
    # Staff may show any picture; the organisation may then keep it, and add its own.
    admin = update(
        api, exhibition, [{"kind": "MEDIA", "image": staff_picture}], world.token("admin")
    )
    assert admin["errors"] == []
    kept = update(
        api,
        exhibition,
        [{"kind": "MEDIA", "image": mine}, {"kind": "MEDIA", "image": staff_picture}],
        world.token("organisation"),
    )
    assert kept["errors"] == []
    assert [i["image"]["id"] for i in kept["exhibition"]["items"]] == [mine, staff_picture]
    # Once no longer shown, it cannot come back through the organisation.
    update(api, exhibition, [{"kind": "MEDIA", "image": mine}], world.token("organisation"))
    again = update(
        api, exhibition, [{"kind": "MEDIA", "image": staff_picture}], world.token("organisation")
    )
    assert again["errors"] == [{"field": "items.0.image", "code": "NOT_FOUND"}]
    assert session.exec(select(func.count()).select_from(ExhibitionItem)).one() == 1


def test_bad_pictures_are_refused_by_position(api, world):
    project = world.project("P1-A-C1")
    mine = uploaded(api, photo(400, 300), world.token("admin"))["id"]
    body = create(
        api,
        world,
        [
            {"kind": "MEDIA"},
            {"kind": "MEDIA", "image": "no-such-picture"},
            {"kind": "PROJECT", "target": gid("Project", project), "image": mine},
            {"kind": "MEDIA", "image": mine, "mediaUrl": "javascript:alert(1)"},
            {"kind": "MEDIA", "image": mine, "caption": "Fine"},
        ],
        "admin",
    )
    assert body["exhibition"] is None
    assert sorted((e["field"], e["code"]) for e in body["errors"]) == [
        ("items.0.mediaUrl", "REQUIRED"),
        ("items.1.image", "NOT_FOUND"),
        ("items.2.image", "INVALID"),
        ("items.3.mediaUrl", "INVALID"),
    ]


def test_a_page_of_exhibitions_loads_its_pictures_in_one_statement(api, world, sql_counter):
    keys = [uploaded(api, photo(400, 300), world.token("admin"))["id"] for _ in range(3)]

    def exhibit(key: str) -> list[service.ItemSpec]:
        return [
            service.ItemSpec(kind="MEDIA", image=key),
            service.ItemSpec(kind="MEDIA", media_url="https://e.org/a.jpg"),
        ]

    def cost(first: int) -> tuple[int, list[str]]:
        sql_counter.reset()
        nodes = api.data(LIST, {"first": first})["exhibitions"]["nodes"]
        return sql_counter.count, [n["items"][0]["image"]["id"] for n in nodes]

    for index in range(8):
        make(world, f"Show {index}", items=exhibit(keys[index % len(keys)]))
    few, shown_few = cost(2)
    many, shown_many = cost(20)
    assert len(shown_few) == 2 and len(shown_many) == 8
    assert set(shown_many) == set(keys)
    assert few == many
