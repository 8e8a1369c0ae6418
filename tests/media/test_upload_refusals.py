"""Uploads of the wrong shape, found by tests/fuzz/test_upload_fuzz.py: each was an
unexpected error (HTTP 500 or INTERNAL_SERVER_ERROR) and is now a coded refusal that
stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from api.media.models import Image
from tests.mall import factories as m
from tests.media.test_media_api import UPLOAD, photo


def _nothing_stored(engine: Any) -> None:
    with Session(engine) as session:
        assert session.exec(select(Image)).all() == []


@pytest.mark.parametrize("value", ["not a file", 7, {"file": "x"}])
def test_an_upload_variable_that_is_not_a_file_is_not_a_picture(api, world, engine, value):
    """The Upload scalar takes any variable value; JSON text is not a file part."""
    m.seller(world)
    body = api.post(UPLOAD, {"file": value}, token=world.rep.token)
    payload = body["data"]["imageUpload"]
    assert payload["image"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "INVALID")]
    _nothing_stored(engine)


def test_a_file_sent_as_a_plain_form_field_is_not_a_picture(api, world, engine):
    m.seller(world)
    response = api.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": "no filename, so a plain field",
        },
        files={"unused": ("x.jpg", photo(40, 30), "image/jpeg")},
        headers={"Authorization": f"Bearer {world.rep.token}"},
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["imageUpload"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "INVALID")]
    _nothing_stored(engine)


@pytest.mark.parametrize(
    ("operations", "mapping"),
    [
        ({"query": UPLOAD, "variables": {"file": None}}, ["variables.file"]),
        ({"query": UPLOAD, "variables": {"file": None}}, {"0": [7]}),
        ({"query": UPLOAD, "variables": {"file": None}}, {"0": ["variables.file.deeper"]}),
        ([{"query": UPLOAD, "variables": {"file": None}}], {"0": ["first.variables.file"]}),
        ([{"query": UPLOAD, "variables": {"file": None}}], {"0": ["5.variables.file"]}),
        ("just a string", {"0": ["variables.file"]}),
    ],
    ids=[
        "map-list",
        "path-not-string",
        "path-through-null",
        "index-not-int",
        "index-out",
        "ops-str",
    ],
)
def test_a_multipart_map_of_the_wrong_shape_is_a_bad_request(
    api, world, engine, operations, mapping
):
    m.seller(world)
    response = api.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={"0": ("photo.jpg", photo(40, 30), "image/jpeg")},
        headers={"Authorization": f"Bearer {world.rep.token}", "X-Aidbridge-Locale": "fr"},
    )
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert response.headers["content-language"] == "fr"
    _nothing_stored(engine)
