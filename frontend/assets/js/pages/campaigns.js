// Crowdfunding campaigns: filters the API offers (status, target kind, area), three orders,
// and "Load more". The filters live in the query string (a plain GET form), so a filtered
// list can be bookmarked and the back button works.
import { request } from "../core/api.js";
import { campaignCard, labelsOf } from "../core/cards.js";
import { focusRegion, h } from "../core/dom.js";
import { chosenFilters, filterForm, filterInput, filterSelect } from "../core/filters.js";
import { _ } from "../core/i18n.js";
import { emptyState, loadMore, startPage } from "../core/layout.js";

// Statuses the public can see (drafts and submitted campaigns reach their organisers only).
const STATUSES = ["ACTIVE", "SUCCEEDED", "FAILED", "DISBURSED", "REFUNDED", "CANCELLED"];
const KINDS = ["PROJECT", "VILLAGE", "HOUSEHOLD"];
const ORDERS = ["NEWEST", "ENDING_SOONEST", "MOST_FUNDED"];

// The filters, as CampaignFilter takes them, and the order (see core/filters.js).
const FILTERS = {
  status: { values: STATUSES, to: "status", list: true },
  kind: { values: KINDS, to: "targetKind", list: true },
  region: { to: "region" },
  order: { values: ORDERS, fallback: "NEWEST" },
};

function chosen() {
  return chosenFilters(FILTERS);
}

function variables(choice) {
  return { filter: filterInput(FILTERS, choice), orderBy: choice.order };
}

function filters(choice, labels, regions) {
  const label = (group, value) => labels[group]?.[value] || value;
  return filterForm({ action: "/campaigns/", titleId: "filters-title", title: _("Filter campaigns"), submit: _("Show campaigns") }, [
    filterSelect("status", _("Status"), [["", _("Any status")], ...STATUSES.map((value) => [value, label("CampaignStatus", value)])], choice.status),
    filterSelect("kind", _("For"), [["", _("Anything")], ...KINDS.map((value) => [value, label("CampaignTargetKind", value)])], choice.kind),
    filterSelect("region", _("Area"), [["", _("Everywhere")], ...regions.map((region) => [region.id, region.name])], choice.region),
    filterSelect("order", _("Sort by"), ORDERS.map((value) => [value, label("CampaignOrder", value)]), choice.order),
  ]);
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  const choice = chosen();
  const list = h("div", { class: "grid", id: "campaign-list" }, data.campaigns.nodes.map((item) => campaignCard(item, labels, 2)));
  const more = loadMore({
    list,
    pageInfo: data.campaigns.pageInfo,
    label: _("Load more campaigns"),
    fetchPage: async (after) => (await request("MoreCampaigns", { ...variables(choice), after })).campaigns,
    draw: (item) => campaignCard(item, labels, 2),
    announcement: _("More campaigns were added to the list."),
    focus: (card) => card.querySelector("a"),
  });

  main.append(
    h("h1", {}, _("Crowdfunding campaigns")),
    h("p", { class: "lead" }, _("Villages, projects and families raise money for one clear goal. Choose one and back it.")),
    filters(choice, labels, data.regions.nodes),
    h(
      "section",
      { "aria-labelledby": "results-title" },
      h("h2", { id: "results-title" }, _("Campaigns")),
      data.campaigns.nodes.length ? list : emptyState(_("No campaign matches these filters. Try another status or area.")),
      more,
    ),
  );
  if (window.location.search) focusRegion(document.getElementById("results-title"));
}

startPage({
  load: () => request("PageCampaigns", variables(chosen())),
  render,
  title: () => _("Crowdfunding campaigns"),
  failureHeading: () => _("Crowdfunding campaigns"),
});
