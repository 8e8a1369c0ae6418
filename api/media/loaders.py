"""Pictures by id: what a page shows of them, one statement per request."""

from __future__ import annotations

from api.core.loading import Loader
from api.media import service
from api.media.service import StoredImage

image: Loader[int, StoredImage] = Loader(
    "media.image", lambda scope, ids: service.stored_images(scope.session, ids)
)
