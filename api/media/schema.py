"""Uploading a picture: a GraphQL multipart request (the graphql-multipart-request spec,
which Apollo, urql and Relay clients speak), answered with the stored picture's id to give
in inputs such as `ProductCreateInput.images`."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from api.core.errors import ErrorCode, ServiceError
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.mutations import prepare, run_service
from api.graphql.permissions import requires
from api.media import service
from api.media.service import MAX_UPLOAD_BYTES
from api.media.types import Image, images_of


@strawberry.type(description="The result of imageUpload.")
class ImageUploadPayload:
    image: Image | None = strawberry.field(description="The stored picture, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the file was refused.")


def read_upload(file: Any) -> bytes:
    """The uploaded bytes, reading at most one byte past the limit. The Upload scalar takes
    any variable value: one that is not a file part (a string, a number) is not a picture."""
    stream = getattr(file, "file", file)
    if not callable(getattr(stream, "read", None)):
        raise ServiceError(ErrorCode.INVALID, field="file", message=service.NOT_A_PICTURE)
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if not isinstance(data, bytes):
        raise ServiceError(ErrorCode.INVALID, field="file", message=service.NOT_A_PICTURE)
    return data


@strawberry.type
class MediaMutations:
    @strawberry.mutation(
        description="Store a picture (JPEG, PNG or WebP, at most 10 MB and 40 megapixels) "
        "to show on something you edit: staff, managers of a seller, and organisation admins "
        "(who edit exhibitions). Send it as a "
        "GraphQL multipart request. The picture is turned upright, stripped of its metadata "
        "(a photo's EXIF can say where it was taken) and stored as WebP in a few widths.",
        extensions=requires(),
    )
    def image_upload(
        self,
        info: strawberry.Info[Context, Any],
        file: Annotated[Upload, strawberry.argument(description="The picture file.")],
    ) -> ImageUploadPayload:
        context = info.context
        upload, errors = prepare(
            info,
            lambda reader: service.may_upload(reader, context.principal),
            lambda allowed: service.encode_upload(allowed, read_upload(file) if allowed else b""),
        )
        if upload is None:
            return ImageUploadPayload(image=None, errors=errors)
        row, errors = run_service(
            info,
            lambda: service.store_encoded(context.session, actor=context.principal, upload=upload),
        )
        if row is None or row.id is None:
            return ImageUploadPayload(image=None, errors=errors)
        return ImageUploadPayload(image=images_of(context, [row.id], [row.id])[0], errors=[])
