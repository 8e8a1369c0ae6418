"""Storing pictures: only real JPEG, PNG or WebP pictures of bounded size are kept, without
their metadata (a phone photo's EXIF holds where and when it was taken, which would point
at a household's home), turned upright and re-encoded as WebP in a few widths for
`srcset`."""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from api.audit.service import record_audit
from api.core.auth import Principal
from api.core.errors import ErrorCode, ServiceError
from api.core.i18n import N_
from api.core.roles import STAFF
from api.exhibitions.editors import is_editor
from api.mall.models import SellerManager
from api.media.models import Image, ImageVariant

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; decoding more is a decompression bomb
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Widths stored for `srcset`: a phone's list, a phone at 2x or a laptop, a product page
# on a wide screen. A picture narrower than one of them is kept at its own width instead.
VARIANT_WIDTHS = (320, 640, 1024, 1600)
WEBP_QUALITY = 80
CONTENT_TYPE = "image/webp"
AUDIT_SUBJECT = "Image"

NOT_A_PICTURE = N_("The file is not a JPEG, PNG or WebP picture.")
TOO_BIG = N_("The picture is too big: at most {megabytes} MB and {megapixels} megapixels.")


@dataclass(frozen=True)
class StoredImage:
    """A picture's public facts: what `srcset` and `<img width height>` need."""

    key: str
    # (width, height) of every stored variant, narrowest first.
    variants: tuple[tuple[int, int], ...]

    @property
    def width(self) -> int:
        return self.variants[-1][0]

    @property
    def height(self) -> int:
        return self.variants[-1][1]


def may_upload(session: Session, actor: Principal) -> bool:
    """Staff, managers of a seller (who picture their products), and whoever may edit
    exhibitions (organisation admins, who picture MEDIA exhibits)."""
    if actor.account_id is None:
        return False
    if actor.role in STAFF or is_editor(actor):
        return True
    manages = select(SellerManager.seller_id).where(SellerManager.account_id == actor.account_id)
    return session.exec(manages.limit(1)).first() is not None


def _too_big() -> ServiceError:
    return ServiceError(
        ErrorCode.OUT_OF_RANGE,
        field="file",
        message=TOO_BIG,
        megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        megapixels=MAX_PIXELS // 1_000_000,
    )


def decode_picture(data: bytes) -> PILImage.Image:
    """The picture in `data`, upright and fully decoded, or a coded error."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_big()
    not_a_picture = ServiceError(ErrorCode.INVALID, field="file", message=NOT_A_PICTURE)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse at once.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise _too_big()
            picture.load()  # first frame of an animation
            upright = ImageOps.exif_transpose(picture)
    except ServiceError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise _too_big() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_a_picture from None
    keep_alpha = "A" in upright.getbands() or "transparency" in upright.info
    return upright.convert("RGBA" if keep_alpha else "RGB")


def variant_widths(width: int) -> list[int]:
    """The widths stored for a picture `width` pixels wide."""
    largest = min(width, VARIANT_WIDTHS[-1])
    return [w for w in VARIANT_WIDTHS if w < largest] + [largest]


def encode_variants(picture: PILImage.Image) -> list[tuple[int, int, bytes]]:
    """(width, height, WebP bytes) for every stored width, metadata left out."""
    variants = []
    for width in variant_widths(picture.width):
        height = max(1, round(picture.height * width / picture.width))
        resized = (
            picture
            if width == picture.width
            else picture.resize((width, height), PILImage.Resampling.LANCZOS)
        )
        out = io.BytesIO()
        resized.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
        variants.append((width, height, out.getvalue()))
    return variants


@dataclass(frozen=True)
class EncodedUpload:
    """An upload decoded and re-encoded before the write transaction (`encode_upload`):
    decoding and WebP encoding take a second for a large photo, too long to hold
    SQLite's write lock."""

    variants: list[tuple[int, int, bytes]]
    size: int


def encode_upload(allowed: bool, data: bytes) -> EncodedUpload:
    """Check and clean an upload outside any transaction; `allowed` is `may_upload`'s
    answer (nothing is decoded for a caller who may not upload)."""
    if not allowed:
        raise ServiceError(ErrorCode.FORBIDDEN, field="file")
    return EncodedUpload(variants=encode_variants(decode_picture(data)), size=len(data))


def store_encoded(session: Session, *, actor: Principal, upload: EncodedUpload) -> Image:
    """Store an upload encoded by `encode_upload`; whether the caller may upload is asked
    again, in the write transaction."""
    if not may_upload(session, actor):
        raise ServiceError(ErrorCode.FORBIDDEN, field="file")
    return save_variants(session, actor=actor, variants=upload.variants, size=upload.size)


def save_variants(
    session: Session, *, actor: Principal, variants: Sequence[tuple[int, int, bytes]], size: int
) -> Image:
    """Store encoded widths (from `encode_variants`) as a new picture, and audit it."""
    largest_width, largest_height, _ = variants[-1]
    image = Image(
        key=secrets.token_urlsafe(16),
        width=largest_width,
        height=largest_height,
        uploaded_by_id=actor.account_id,
    )
    session.add(image)
    session.flush()
    assert image.id is not None
    session.add_all(
        ImageVariant(image_id=image.id, width=width, height=height, data=body)
        for width, height, body in variants
    )
    record_audit(
        session,
        actor=actor,
        action="image.uploaded",
        subject_type=AUDIT_SUBJECT,
        subject_id=image.id,
        detail={"bytes": size, "width": largest_width, "height": largest_height},
    )
    session.flush()
    return image


def check_attachable(
    session: Session,
    *,
    actor: Principal,
    keys: Sequence[str],
    already: Iterable[int] = (),
    field: str,
    limit: int,
) -> list[int]:
    """Row ids of the pictures `keys` names, in order, for showing them on an object: the
    uploader's own pictures, any picture for staff, and pictures the object already has."""
    cleaned = [key.strip() for key in keys]
    if len(cleaned) > limit:
        raise ServiceError(ErrorCode.OUT_OF_RANGE, field=field)
    if len(set(cleaned)) != len(cleaned):
        raise ServiceError(ErrorCode.DUPLICATE, field=field)
    if not cleaned:
        return []
    rows = session.exec(
        select(Image.id, Image.key, Image.uploaded_by_id).where(col(Image.key).in_(cleaned))
    ).all()
    found = {key: (image_id, owner) for image_id, key, owner in rows}
    kept = set(already)
    staff = actor.role in STAFF
    ids = []
    for key in cleaned:
        if key not in found:
            raise ServiceError(ErrorCode.NOT_FOUND, field=field)
        image_id, owner = found[key]
        if not (staff or owner == actor.account_id or image_id in kept):
            raise ServiceError(ErrorCode.NOT_FOUND, field=field)
        assert image_id is not None
        ids.append(image_id)
    return ids


def stored_images(session: Session, ids: set[int]) -> dict[int, StoredImage]:
    """The public facts of pictures, in one statement (the bytes stay in the database)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Image.id, Image.key, ImageVariant.width, ImageVariant.height)
        .join(ImageVariant, sa.and_(col(ImageVariant.image_id) == col(Image.id)))
        .where(col(Image.id).in_(ids))
        .order_by(col(Image.id), col(ImageVariant.width))
    ).all()
    grouped: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    for image_id, key, width, height in rows:
        assert image_id is not None
        grouped.setdefault(image_id, (key, []))[1].append((width, height))
    return {
        image_id: StoredImage(key, tuple(variants)) for image_id, (key, variants) in grouped.items()
    }


def variant_bytes(session: Session, key: str, width: int) -> bytes | None:
    """One stored width of a picture, for serving it."""
    found = session.exec(
        select(ImageVariant.data)
        .join(Image, sa.and_(col(Image.id) == col(ImageVariant.image_id)))
        .where(Image.key == key, ImageVariant.width == width)
    ).first()
    return None if found is None else bytes(found)
