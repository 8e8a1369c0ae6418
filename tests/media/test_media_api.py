"""Pictures over real HTTP: a seller uploads one as a GraphQL multipart request, it comes
back upright, without its metadata, in WebP widths for `srcset`; products show it; every
refusal is coded and localized; `/media` serves it with a year of caching."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from PIL import Image as PILImage
from sqlmodel import Session, select

from api.app import create_app
from api.audit.models import AuditEvent
from api.core.settings import ConfigError, load_settings
from api.media.models import Image, ImageVariant
from api.media.service import MAX_UPLOAD_BYTES
from tests.conftest import GraphQLClient, LiveServer
from tests.help_requests.factories import gid
from tests.mall import factories as m

UPLOAD = """
mutation($file: Upload!) {
  imageUpload(file: $file) {
    image { id width height url srcset small: url(width: 300) }
    errors { field code message }
  }
}"""
PRODUCT = """
query($id: ID!) { node(id: $id) { ... on Product { images { id width height url srcset } } } }"""
UPDATE = """
mutation($input: ProductUpdateInput!) {
  productUpdate(input: $input) { product { images { id } } errors { field code } }
}"""
NOT_A_PICTURE_FR = "n\u2019est pas une image JPEG, PNG ou WebP"
PRODUCTS = "{ products(first: 20) { nodes { images { id url srcset } } } }"


def photo(width: int = 1800, height: int = 1200, *, fmt: str = "JPEG", exif: bool = False) -> bytes:
    """A photo as a phone would send it: sideways (EXIF orientation 6) and with GPS when `exif`."""
    picture = PILImage.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    if exif:
        tags = PILImage.Exif()
        tags[0x0112] = 6  # orientation: rotate 90° clockwise to view
        tags[0x010F] = "PhoneMaker"
        gps = tags.get_ifd(0x8825)
        gps[1], gps[2] = "N", (26.0, 35.0, 0.0)  # latitude of a village
        picture.save(out, format=fmt, exif=tags)
    else:
        picture.save(out, format=fmt)
    return out.getvalue()


def upload(
    api: Any,
    data: bytes,
    *,
    token: str | None,
    filename: str = "photo.jpg",
    locale: str | None = None,
) -> httpx.Response:
    """A GraphQL multipart request (operations, map, then the file)."""
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if locale:
        headers["X-Aidbridge-Locale"] = locale
    return api.http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, data, "application/octet-stream")},
        headers=headers,
    )


def uploaded(api: Any, data: bytes, token: str) -> dict[str, Any]:
    response = upload(api, data, token=token)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["imageUpload"]
    assert payload["errors"] == [], payload["errors"]
    return payload["image"]


def test_a_seller_uploads_a_photo_and_the_product_shows_it_in_every_width(api, world):
    seller = m.seller(world)
    product = m.product(world, seller)
    image = uploaded(api, photo(), world.rep.token)
    # 1800 wide: the widths for srcset, the largest capped at 1600, the height in proportion.
    assert (image["width"], image["height"]) == (1600, 1067)
    widths = [int(part.rsplit(" ", 1)[1].rstrip("w")) for part in image["srcset"].split(", ")]
    assert widths == [320, 640, 1024, 1600]
    assert image["url"].endswith(f"/media/{image['id']}/1600.webp")
    assert image["small"].endswith("/320.webp")
    assert image["url"].startswith(api.base_url)  # served by the instance itself

    changed = api.data(
        UPDATE,
        {"input": {"product": gid("Product", product), "images": [image["id"]]}},
        token=world.rep.token,
    )["productUpdate"]
    assert changed == {"product": {"images": [{"id": image["id"]}]}, "errors": []}
    shown = api.data(PRODUCT, {"id": gid("Product", product)})["node"]["images"]
    assert shown == [{k: image[k] for k in ("id", "width", "height", "url", "srcset")}]

    for part in image["srcset"].split(", "):
        url, width = part.rsplit(" ", 1)
        served = httpx.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
        decoded = PILImage.open(io.BytesIO(served.content))
        assert decoded.format == "WEBP" and decoded.width == int(width.rstrip("w"))
        again = httpx.get(url, headers={"if-none-match": served.headers["etag"]})
        assert again.status_code == 304


def test_the_photo_is_turned_upright_and_loses_its_location(api, world, engine):
    m.seller(world)
    image = uploaded(api, photo(1200, 800, exif=True), world.rep.token)
    # EXIF orientation 6 is applied: the landscape sensor image is a portrait picture.
    assert (image["width"], image["height"]) == (800, 1200)
    with Session(engine) as session:
        variants = session.exec(select(ImageVariant)).all()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "image.uploaded")).all()
    assert variants
    for variant in variants:
        stored = PILImage.open(io.BytesIO(variant.data))
        assert not stored.getexif(), "metadata (GPS, camera) must not be kept"
        assert b"PhoneMaker" not in variant.data and b"Exif" not in variant.data
        assert stored.info.get("icc_profile") is None
    assert len(audit) == 1 and audit[0].actor_account_id == world.rep.account_id


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_small_pictures_keep_their_width(api, world, fmt):
    m.seller(world)
    image = uploaded(api, photo(500, 400, fmt=fmt), world.rep.token)
    assert (image["width"], image["height"]) == (500, 400)
    assert [p.rsplit(" ", 1)[1] for p in image["srcset"].split(", ")] == ["320w", "500w"]


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"not a picture at all", "INVALID", NOT_A_PICTURE_FR),
        (b"GIF89a" + b"\0" * 64, "INVALID", NOT_A_PICTURE_FR),
        (photo(fmt="JPEG")[:300], "INVALID", NOT_A_PICTURE_FR),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "INVALID", NOT_A_PICTURE_FR),
        (photo(8000, 6000, fmt="PNG"), "OUT_OF_RANGE", "10 Mo et 40 mégapixels au plus"),
    ],
    ids=["text", "gif", "truncated", "svg", "48-megapixels"],
)
def test_what_is_not_a_picture_is_refused_with_a_localized_code(api, world, data, code, message):
    m.seller(world)
    response = upload(api, data, token=world.rep.token, locale="fr")
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["imageUpload"]
    assert payload["image"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("file", code)
    assert message in error["message"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(api, world, engine):
    m.seller(world)
    too_big = b"\xff\xd8" + b"\0" * (MAX_UPLOAD_BYTES + 100 * 1024)
    response = upload(api, too_big, token=world.rep.token)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    # Just under the request limit but over the file limit: the payload says so.
    response = upload(api, b"\xff\xd8" + b"\0" * (MAX_UPLOAD_BYTES + 10), token=world.rep.token)
    assert response.json()["data"]["imageUpload"]["errors"][0]["code"] == "OUT_OF_RANGE"
    with Session(engine) as session:
        assert session.exec(select(Image)).all() == []


def test_who_may_upload(api, world):
    anonymous = upload(api, photo(400, 300), token=None)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A helper who sells nothing has nothing to picture.
    refused = upload(api, photo(400, 300), token=world.helper.token).json()
    assert refused["data"]["imageUpload"]["errors"][0]["code"] == "FORBIDDEN"
    caseworker = upload(api, photo(400, 300), token=world.caseworker.token).json()
    assert caseworker["data"]["imageUpload"]["errors"] == []


def test_only_your_own_pictures_can_be_put_on_a_product(api, world):
    seller = m.seller(world)
    product = m.product(world, seller)
    other_seller = m.seller(
        world,
        manager=world.helper,
        kind="ENTERPRISE",
        household_id=None,
        region_id=world.regions["P1-A-C1-T-V"].id,
        display_name="Shop",
    )
    assert other_seller
    theirs = uploaded(api, photo(400, 300), world.helper.token)["id"]
    mine = uploaded(api, photo(400, 300), world.rep.token)["id"]

    def put(images: list[str]) -> dict[str, Any]:
        payload: dict[str, Any] = api.data(
            UPDATE,
            {"input": {"product": gid("Product", product), "images": images}},
            token=world.rep.token,
        )["productUpdate"]
        return payload

    assert put([theirs])["errors"] == [{"field": "images", "code": "NOT_FOUND"}]
    assert put(["no-such-picture"])["errors"] == [{"field": "images", "code": "NOT_FOUND"}]
    assert put([mine, mine])["errors"] == [{"field": "images", "code": "DUPLICATE"}]
    assert put([mine] * 11)["errors"] == [{"field": "images", "code": "OUT_OF_RANGE"}]
    assert put([mine])["errors"] == []
    # An admin may picture any product with any picture; the seller may keep it after.
    admin_put = api.data(
        UPDATE,
        {"input": {"product": gid("Product", product), "images": [theirs, mine]}},
        token=world.admin.token,
    )["productUpdate"]
    assert admin_put["errors"] == []
    assert put([mine, theirs])["product"]["images"] == [{"id": mine}, {"id": theirs}]


def test_a_page_of_products_loads_its_pictures_in_one_statement(api, world, sql_counter):
    seller = m.seller(world)
    image = uploaded(api, photo(700, 500), world.rep.token)["id"]
    for index in range(8):
        product = m.product(world, seller, name=f"Honey {index}")
        api.data(
            UPDATE,
            {"input": {"product": gid("Product", product), "images": [image]}},
            token=world.rep.token,
        )
    sql_counter.reset()
    api.data(PRODUCTS.replace("20", "2"))
    few = sql_counter.count
    sql_counter.reset()
    nodes = api.data(PRODUCTS)["products"]["nodes"]
    assert len(nodes) == 8 and all(n["images"][0]["id"] == image for n in nodes)
    assert sql_counter.count == few


@pytest.mark.parametrize(
    "path",
    ["/media/nothing/320.webp", "/media/x/320.png", "/media/x/0.webp", "/media/a%2Fb/1.webp"],
)
def test_unknown_pictures_are_coded_404s(api, path):
    response = httpx.get(api.base_url + path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert response.headers["x-content-type-options"] == "nosniff"
    posted = httpx.post(api.base_url + path)
    assert posted.status_code == 405
    assert posted.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_a_media_address_setting_puts_pictures_behind_a_cdn(world, engine, settings, tmp_path):
    m.seller(world)
    cdn = replace(settings, media_url="https://cdn.example.org/media")
    server = LiveServer(create_app(cdn, engine))
    client = GraphQLClient(server.url)
    try:
        image = uploaded(client, photo(400, 300), world.rep.token)
        assert image["url"] == f"https://cdn.example.org/media/{image['id']}/400.webp"
        page = httpx.get(server.url + "/mall/")
        assert (
            "img-src 'self' data: https://cdn.example.org;"
            in page.headers["content-security-policy"]
        )
    finally:
        client.close()
        server.stop()
    loaded = load_settings({"AIDBRIDGE_MEDIA_URL": "https://cdn.example.org/m/"}, workdir=tmp_path)
    assert loaded.media_url == "https://cdn.example.org/m"
    with pytest.raises(ConfigError, match="AIDBRIDGE_MEDIA_URL"):
        load_settings({"AIDBRIDGE_MEDIA_URL": "cdn.example.org"}, workdir=tmp_path)
