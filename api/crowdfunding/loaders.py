"""Crowdfunding rows by key, each kind fetched in one statement per request
(api/crowdfunding/queries.py holds the statements)."""

from __future__ import annotations

from api.core.loading import Loader
from api.crowdfunding import queries
from api.crowdfunding.models import Backing, Campaign, CampaignPost
from api.payments import loaders as payment_loaders

# Campaigns the caller may see, by id: `node`/`nodes` and the campaign of a backing.
campaign: Loader[int, Campaign] = Loader(
    "crowdfunding_campaign",
    lambda scope, ids: queries.campaigns_by_id(scope.session, scope.principal, ids),
)
# Campaigns whatever their status now, for the title on a receipt.
receipt_campaign: Loader[int, Campaign] = Loader(
    "backing_receipt_campaign",
    lambda scope, ids: queries.any_campaigns_by_id(scope.session, ids),
)
# The organiser's display name by account id.
organiser_name: Loader[int, str] = Loader(
    "campaign_organiser", lambda scope, ids: queries.organiser_names(scope.session, ids)
)
# The latest n updates of a campaign, by (campaign id, n).
updates: Loader[tuple[int, int], list[CampaignPost]] = Loader(
    "campaign_updates", lambda scope, keys: queries.latest_updates(scope.session, keys)
)
# Updates the caller may see, by id (`node`/`nodes`).
update: Loader[int, CampaignPost] = Loader(
    "crowdfunding_update",
    lambda scope, ids: queries.visible_updates_by_id(scope.session, scope.principal, ids),
)
# Backings the caller may see, by id (`node`/`nodes`).
backing: Loader[int, Backing] = Loader(
    "crowdfunding_backing",
    lambda scope, ids: queries.visible_backings_by_id(scope.session, scope.principal, ids),
)
# The reference to quote when paying, by payment id.
# One loader for every section: a payment id names one payment whatever it paid for.
payment_reference = payment_loaders.payment_reference
