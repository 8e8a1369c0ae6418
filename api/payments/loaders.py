"""Payment references by payment id, shared by every section that takes payments."""

from __future__ import annotations

from api.core.loading import Loader
from api.payments import service

payment_reference: Loader[int, str] = Loader(
    "payment_reference",
    lambda scope, ids: service.references_by_payment_id(scope.session, ids),
)
