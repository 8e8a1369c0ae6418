"""Batch loaders of pledges, progress updates and thanks, each one statement per request."""

from __future__ import annotations

from api.core.loading import Loader
from api.help_requests.queries import HOUSEHOLD_LIST_LIMIT
from api.pledges import service
from api.pledges.models import Pledge, ProgressUpdate

# Visible pledges by id.
pledge: Loader[int, Pledge] = Loader(
    "pledge", lambda scope, ids: service.pledges_by_id(scope.session, scope.principal, ids)
)

# The pledges the caller may see on each request, oldest first.
of_request: Loader[int, list[Pledge]] = Loader(
    "request_pledges",
    lambda scope, ids: service.pledges_of_requests(scope.session, scope.principal, ids),
)

# The number of live pledges of each request (public).
live_count: Loader[int, int] = Loader(
    "request_pledge_count", lambda scope, ids: service.live_pledge_counts(scope.session, ids)
)

# Progress updates on requests the caller may see, by id.
progress_update: Loader[int, ProgressUpdate] = Loader(
    "progress_update",
    lambda scope, ids: service.progress_updates_by_id(scope.session, scope.principal, ids),
)

# The newest progress updates of each request (seen with the request).
progress_updates_of_request: Loader[int, list[ProgressUpdate]] = Loader(
    "request_progress_updates",
    lambda scope, ids: service.progress_updates_of_requests(
        scope.session, ids, limit=HOUSEHOLD_LIST_LIMIT
    ),
)

# The newest thank-you notes of each household, and of each request.
thanks_of_household: Loader[int, list[service.Thanks]] = Loader(
    "household_thanks",
    lambda scope, ids: service.thanks_by_household(scope.session, ids, limit=HOUSEHOLD_LIST_LIMIT),
)
thanks_of_request: Loader[int, list[service.Thanks]] = Loader(
    "request_thanks",
    lambda scope, ids: service.thanks_by_request(scope.session, ids, limit=HOUSEHOLD_LIST_LIMIT),
)
