"""Batch loaders of pairings and their parts, one statement per request each."""

from __future__ import annotations

from api.core.loading import Loader
from api.pairing import service
from api.pairing.models import Pairing, PairingDelivery, PairingMilestone, PairingReport
from api.pairing.service import CommitmentProgress

# Pairings visible to the caller, by id.
pairing: Loader[int, Pairing] = Loader(
    "pairing",
    lambda scope, ids: service.pairings_by_id(scope.session, scope.principal, ids),
)

# The parts of each pairing (by pairing id), in their display order.
commitments: Loader[int, list[CommitmentProgress]] = Loader(
    "pairing_commitments", lambda scope, ids: service.commitments_of(scope.session, ids)
)
milestones: Loader[int, list[PairingMilestone]] = Loader(
    "pairing_milestones", lambda scope, ids: service.milestones_of(scope.session, ids)
)
reports: Loader[int, list[PairingReport]] = Loader(
    "pairing_reports", lambda scope, ids: service.reports_of(scope.session, ids)
)

# What each report delivered (by report id).
deliveries: Loader[int, list[PairingDelivery]] = Loader(
    "pairing_deliveries", lambda scope, ids: service.deliveries_of(scope.session, ids)
)
