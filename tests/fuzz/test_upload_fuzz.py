"""Property test of uploads: `imageUpload` (the `Upload` scalar, GraphQL multipart request
spec) over real HTTP, as anonymous and as every role, on both backends.

Each example is one file and one envelope. Files: random bytes; small real JPEG, PNG and
WebP pictures, whole, truncated, with bytes flipped, behind another format's magic or
followed by HTML, a script or a ZIP (polyglots); pictures whose headers declare huge
dimensions. Envelopes: the spec's (operations, map, file), and broken ones: a map or
operations that are not JSON, a map naming a missing file or a wrong path, a batch, no
operations or no map, the file first, two files, a file sent as a plain field, random
part names and content types, a wrong or missing boundary.

Whatever is sent, the answer is below 500, JSON without traceback text, every error
coded (`extensions.code`, or the payload's `errors[].code`); a picture is stored only for
those who may upload (staff, seller managers, organisation admins), exactly one per
stored answer, and nothing at all on a refusal; a real picture in the spec's envelope is
stored for each of them (so the property is not vacuous).

Bounded like the other fuzzers, and derandomized unless AIDBRIDGE_FUZZ_SEED is set: 3
examples of each kind of file in the spec's envelope and one in each broken envelope
(AIDBRIDGE_FUZZ_EXAMPLES / 50 and / 150 when more), each sent as the seven callers."""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from api.media.models import Image, ImageVariant
from tests.fuzz.rules import EXAMPLES, FUZZ, TRACEBACK_MARKS, Caller, reseeded

# Examples per kind of file in the spec's envelope, and per broken envelope (with any file).
PER_KIND = max(3, EXAMPLES // 50)
PER_ENVELOPE = max(1, EXAMPLES // 150)
# Who may upload in the fuzz world (api/media/service.py, `may_upload`): staff
# (caseworkers, platform admins), whoever may edit exhibitions (organisation admins), and
# seller managers (the representative manages the household's shop).
UPLOADERS = frozenset({"caseworker", "far_caseworker", "admin", "org_admin", "rep"})
UPLOAD = (
    "mutation($file: Upload!) { imageUpload(file: $file) "
    "{ image { id width height url } errors { field code message } } }"
)
SPEC_MAP = {"0": ["variables.file"]}


def _picture(fmt: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (48, 32), (30, 140, 90)).save(out, format=fmt)
    return out.getvalue()


PICTURES = {fmt: _picture(fmt) for fmt in ("JPEG", "PNG", "WEBP")}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` pixels, with one row of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" + b"\x80" * 3 * min(width, 64))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def huge_jpeg(width: int, height: int) -> bytes:
    """The small JPEG with its frame header (SOF0) declaring `width` x `height` (16 bits each)."""
    data = bytearray(PICTURES["JPEG"])
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", min(height, 0xFFFF), min(width, 0xFFFF))
    return bytes(data)


def huge_webp(width: int, height: int) -> bytes:
    """The small lossy WebP with its VP8 frame declaring `width` x `height` (14 bits each)."""
    data = bytearray(PICTURES["WEBP"])
    at = data.index(b"\x9d\x01\x2a") + 3
    data[at : at + 4] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
    return bytes(data)


MAGICS = [
    b"GIF89a",
    b"%PDF-1.4\n",
    b"<?php echo 1; ?>",
    b"<svg xmlns='http://www.w3.org/2000/svg'>",
]
TAILS = [
    b"<html><script>alert(1)</script></html>",
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\0" * 20 + b"evil.sh",
    b"<?php system($_GET['c']); ?>",
    b"\0" * 1024,
]
DIMENSIONS = st.sampled_from(
    [(65_535, 65_535), (100_000, 1), (1, 100_000), (7_000, 6_000), (0, 0), (16_383, 16_383)]
)


FILE_KINDS = ["picture", "random", "truncated", "flipped", "behind magic", "polyglot", "huge"]


@st.composite
def files(draw: st.DrawFn, kind: str | None = None) -> tuple[str, bytes]:
    """(what it is, its bytes): of `kind` (FILE_KINDS), or any."""
    kind = kind or draw(st.sampled_from(FILE_KINDS))
    fmt = draw(st.sampled_from(sorted(PICTURES)))
    picture = PICTURES[fmt]
    if kind == "picture":
        return f"{fmt} picture", picture
    if kind == "random":
        return kind, draw(st.binary(max_size=2048))
    if kind == "truncated":
        return f"truncated {fmt}", picture[: draw(st.integers(0, len(picture) - 1))]
    if kind == "flipped":
        data = bytearray(picture)
        for at in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[at] ^= draw(st.integers(1, 255))
        return f"{fmt} with bytes flipped", bytes(data)
    if kind == "behind magic":
        return f"{fmt} behind another magic", draw(st.sampled_from(MAGICS)) + picture
    if kind == "polyglot":
        return f"{fmt} polyglot", picture + draw(st.sampled_from(TAILS))
    width, height = draw(DIMENSIONS)
    build = {"JPEG": huge_jpeg, "PNG": huge_png, "WEBP": huge_webp}[fmt]
    return f"{fmt} declaring {width}x{height}", build(width, height)


@dataclass(frozen=True)
class Part:
    name: str
    body: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Envelope:
    label: str
    parts: list[Part]
    content_type: str
    spec: bool  # the spec's envelope: a picture in it must be stored for uploaders


BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"
FILENAMES = st.sampled_from(
    ["photo.jpg", "photo.png", "a.webp", "x.svg", "shell.php", "../../etc/passwd", "", "é.jpg"]
)
PART_TYPES = st.sampled_from(
    [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/svg+xml",
        "text/html",
        "application/octet-stream",
        "application/x-php",
        "",
    ]
)
ENVELOPES = [
    "spec",
    "map not JSON",
    "map to a wrong path",
    "map to a missing file",
    "map is a list",
    "map value not a list",
    "map empty",
    "operations not JSON",
    "batch",
    "operations without a query",
    "operations of another field",
    "no operations",
    "no map",
    "file first",
    "two files",
    "file as a plain field",
    "random operations and map",
    "no boundary",
    "wrong boundary",
]


@st.composite
def envelopes(draw: st.DrawFn, data: bytes, label: str) -> Envelope:
    operations: Any = {"query": UPLOAD, "variables": {"file": None}}
    mapping: Any = SPEC_MAP
    file = Part("0", data, draw(FILENAMES), draw(PART_TYPES))
    ops_text: bytes | None = None
    map_text: bytes | None = None
    extra: list[Part] = []
    if label == "map not JSON":
        map_text = b'{"0": ["variables.file"'
    elif label == "map to a wrong path":
        mapping = {"0": [draw(st.sampled_from(["variables.nope", "query", "variables", "x.y.z"]))]}
    elif label == "map to a missing file":
        mapping = {"1": ["variables.file"]}
    elif label == "map is a list":
        mapping = ["variables.file"]
    elif label == "map value not a list":
        mapping = {"0": "variables.file"}
    elif label == "map empty":
        mapping = {}
    elif label == "operations not JSON":
        ops_text = b'{"query": "mutation'
    elif label == "batch":
        operations = [operations, operations]
        mapping = {"0": ["0.variables.file", "1.variables.file"]}
    elif label == "operations without a query":
        operations = {"variables": {"file": None}}
    elif label == "operations of another field":
        operations = {"query": "{ __typename }", "variables": {"file": None}}
    elif label == "two files":
        extra = [Part("1", data, "second.jpg", "image/jpeg")]
        mapping = {"0": ["variables.file"], "1": ["variables.file"]}
    elif label == "file as a plain field":
        file = Part("0", data)
    elif label == "random operations and map":
        ops_text = draw(st.text(max_size=80)).encode()
        map_text = draw(st.text(max_size=40)).encode()
    ops = Part("operations", ops_text if ops_text is not None else json.dumps(operations).encode())
    map_part = Part("map", map_text if map_text is not None else json.dumps(mapping).encode())
    parts = {
        "no operations": [map_part, file],
        "no map": [ops, file],
        "file first": [file, ops, map_part],
    }.get(label, [ops, map_part, file, *extra])
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    if label == "no boundary":
        content_type = "multipart/form-data"
    elif label == "wrong boundary":
        content_type = "multipart/form-data; boundary=not-the-one"
    return Envelope(label, parts, content_type, spec=label == "spec" and bool(file.filename))


def encode(parts: list[Part]) -> bytes:
    out = io.BytesIO()
    for part in parts:
        out.write(f"--{BOUNDARY}\r\n".encode())
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if part.content_type:
            out.write(f"Content-Type: {part.content_type}\r\n".encode())
        out.write(b"\r\n" + part.body + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def stored(engine: Any) -> tuple[int, int]:
    """How many pictures and stored widths there are."""
    with engine.connect() as connection:
        images = connection.execute(sa.select(sa.func.count()).select_from(Image)).scalar_one()
        variants = connection.execute(
            sa.select(sa.func.count()).select_from(ImageVariant)
        ).scalar_one()
    return int(images), int(variants)


def payload_of(body: Any) -> dict[str, Any] | None:
    data = body.get("data") if isinstance(body, dict) else None
    found = data.get("imageUpload") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else None


def check_upload(response: Any, caller: Caller, before: tuple[int, int], after: tuple[int, int]):
    who = caller.name
    text = response.text
    assert response.status_code < 500, f"{who}: HTTP {response.status_code}: {text[:2000]}"
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{who}: traceback text {mark!r} in {text[:2000]}"
    body = response.json()
    assert isinstance(body, dict), text[:2000]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code and code != "INTERNAL_SERVER_ERROR", f"{who}: {error}"
    payload = payload_of(body)
    for error in (payload or {}).get("errors") or []:
        assert error.get("code"), f"{who}: a payload error without a code: {error}"
    image = (payload or {}).get("image")
    if image is None:
        assert after == before, f"{who}: stored {after} from {before} on a refusal: {text[:500]}"
        return None
    assert who in UPLOADERS, f"{who} may not upload, yet stored {image}"
    assert after[0] == before[0] + 1 and after[1] > before[1], (before, after)
    return image


def send_as_everyone(
    api: Any, callers: dict[str, Caller], engine: Any, what: str, envelope: Envelope
) -> None:
    body = encode(envelope.parts)
    for caller in callers.values():
        before = stored(engine)
        response = api.http.post(
            "/graphql",
            content=body,
            headers={**caller.headers, "Content-Type": envelope.content_type},
        )
        after = stored(engine)
        note = f"{what} in a {envelope.label} envelope"
        try:
            image = check_upload(response, caller, before, after)
        except AssertionError as error:
            error.add_note(note)
            raise
        if envelope.spec and what.endswith(" picture") and caller.name in UPLOADERS:
            assert image is not None, f"{caller.name}: {note} was refused: {response.text}"


def test_uploads_are_answered_safely_for_every_role(api, callers, engine):
    """Every kind of file in the spec's envelope, and any file in every broken envelope:
    one world per backend, a bounded number of examples for each."""
    cases = [(kind, "spec", PER_KIND) for kind in FILE_KINDS]
    cases += [(None, label, PER_ENVELOPE) for label in ENVELOPES if label != "spec"]
    for kind, label, examples in cases:
        probe(api, callers, engine, kind, label, examples)()


def probe(
    api: Any, callers: dict[str, Caller], engine: Any, kind: str | None, label: str, examples: int
) -> Any:
    """The property test of one kind of file (None: any) in one envelope."""

    @reseeded
    @settings(FUZZ, max_examples=examples)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        what, content = data.draw(files(kind), label="file")
        envelope = data.draw(envelopes(content, label), label="envelope")
        send_as_everyone(api, callers, engine, what, envelope)

    return run
