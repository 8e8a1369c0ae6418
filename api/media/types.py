"""Pictures as GraphQL shows them: addresses of stored widths, ready for `<img srcset>`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import strawberry

from api.graphql.context import Context
from api.media import loaders
from api.media.service import StoredImage

MEDIA_PATH = "/media"


def media_base(context: Context) -> str:
    """Where pictures are fetched from: the configured media address, else the address
    the API itself was reached at (the same server serves `/media`)."""
    if context.settings.media_url:
        return context.settings.media_url
    request = context.request
    if request is None:
        return MEDIA_PATH
    return f"{request.url.scheme}://{request.url.netloc}{MEDIA_PATH}"


def variant_path(key: str, width: int) -> str:
    return f"/{key}/{width}.webp"


@strawberry.type(
    description="A picture stored by the instance and served from its own address in a few "
    "widths (WebP, metadata removed), so pages show it without asking another site."
)
class Image:
    stored: strawberry.Private[StoredImage]
    base: strawberry.Private[str]

    @strawberry.field(description="Stable identifier: give it in inputs that show pictures.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.stored.key)

    @strawberry.field(description="Width in pixels of the largest stored width.")
    def width(self) -> int:
        return self.stored.width

    @strawberry.field(description="Height in pixels of the largest stored width.")
    def height(self) -> int:
        return self.stored.height

    @strawberry.field(
        description="Address of the narrowest stored width at least `width` pixels wide (the "
        "largest if none is); the largest without `width`. Cached for a year: it never changes."
    )
    def url(
        self,
        width: Annotated[
            int | None,
            strawberry.argument(description="The width in pixels the picture is shown at."),
        ] = None,
    ) -> str:
        widths = [w for w, _ in self.stored.variants]
        chosen = next((w for w in widths if width is not None and w >= width), widths[-1])
        return self.base + variant_path(self.stored.key, chosen)

    @strawberry.field(
        description='Every stored width as an `<img srcset>` value, narrowest first: "…/320.webp '
        '320w, …/640.webp 640w". Give `sizes` with it.'
    )
    def srcset(self) -> str:
        return ", ".join(
            f"{self.base}{variant_path(self.stored.key, width)} {width}w"
            for width, _ in self.stored.variants
        )


def images_of(context: Context, ids: Iterable[int], page_ids: Iterable[int]) -> list[Image]:
    """The pictures `ids`, in order, loading those of the whole page (`page_ids`) at once."""
    found = loaders.image.many(context, page_ids)
    base = media_base(context)
    return [Image(stored=found[i], base=base) for i in ids if i in found]
