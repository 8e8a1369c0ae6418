"""Batch loaders of what a page of disbursements shows, one statement per request each."""

from __future__ import annotations

from datetime import datetime

from api.core.loading import Loader
from api.disbursements import queries, service

# When each disbursement was confirmed (absent: not confirmed).
confirmed_at: Loader[int, datetime] = Loader(
    "disbursement_confirmed_at", lambda scope, ids: service.confirmed_at(scope.session, ids)
)

# The public code of each household a disbursement paid: whoever sees a disbursement may
# know which household it paid.
household_code: Loader[int, str] = Loader(
    "disbursement_household_code",
    lambda scope, ids: queries.household_codes(scope.session, ids),
)
