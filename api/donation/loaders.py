"""Donation relations loaded for a whole page at once: one statement per kind and request."""

from __future__ import annotations

from api.core.loading import Loader
from api.donation import queries
from api.donation.models import Donation
from api.donation.targets import titles
from api.payments import loaders as payment_loaders

# Donations the caller may see, by id (others are absent).
donation: Loader[int, Donation] = Loader(
    "donation",
    lambda scope, ids: queries.visible_donations_by_id(scope.session, scope.principal, ids),
)

# Payment references (PAY-...) by payment id.
# One loader for every section: a payment id names one payment whatever it paid for.
payment_reference = payment_loaders.payment_reference

# Public titles of donation targets by (target kind, target id); a target no longer
# public is absent (it shows a generic title).
target_title: Loader[tuple[str, int], str] = Loader(
    "donation_target_title", lambda scope, keys: titles(scope.session, keys)
)
