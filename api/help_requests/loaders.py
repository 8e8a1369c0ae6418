"""Batch loaders of help requests and their relations, each one statement per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.core.loading import Loader, RequestScope
from api.core.translations import prime_translations
from api.help_requests import queries, service
from api.help_requests.models import HelpRequest

if TYPE_CHECKING:
    from api.disbursements.service import TargetMoney

# Visible requests by id.
request: Loader[int, HelpRequest] = Loader(
    "help_request",
    lambda scope, ids: service.requests_by_id(scope.session, scope.principal, ids),
)


def _money(scope: RequestScope, ids: set[int]) -> dict[int, TargetMoney]:
    from api.disbursements.models import DisbursementTargetKind
    from api.disbursements.service import target_money

    return target_money(scope.session, DisbursementTargetKind.HELP_REQUEST, ids)


# Fund balances and disbursements of money requests.
money: Loader[int, TargetMoney] = Loader("request_money", _money)


def _open_requests(scope: RequestScope, household_ids: set[int]) -> dict[int, list[HelpRequest]]:
    found = queries.open_requests_by_household(scope.session, scope.principal, household_ids)
    rows = [row for group in found.values() for row in group]
    request.prime(scope, {row.id: row for row in rows if row.id is not None})
    # Their titles are what a household's open requests show.
    prime_translations(scope, service.REQUEST_TEXT, rows)
    return found


# The OPEN and PLEDGED requests of each household that the caller may see, newest first.
open_requests_of_household: Loader[int, list[HelpRequest]] = Loader(
    "household_open_requests", _open_requests
)
