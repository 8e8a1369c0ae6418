// Crowdfunding campaigns: filters the API offers (status, target kind, area), three orders,
// and "Load more". The filters live in the query string (a plain GET form), so a filtered
// list can be bookmarked and the back button works.
import { request } from "../core/api.js";
import { campaignCard, labelsOf } from "../core/cards.js";
import { focusRegion, h, param } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { emptyState, errorState, startPage } from "../core/layout.js";

// Statuses the public can see (drafts and submitted campaigns reach their organisers only).
const STATUSES = ["ACTIVE", "SUCCEEDED", "FAILED", "DISBURSED", "REFUNDED", "CANCELLED"];
const KINDS = ["PROJECT", "VILLAGE", "HOUSEHOLD"];
const ORDERS = ["NEWEST", "ENDING_SOONEST", "MOST_FUNDED"];

function chosen() {
  const status = param("status");
  const kind = param("kind");
  const region = param("region");
  const order = param("order");
  return {
    status: STATUSES.includes(status) ? status : "",
    kind: KINDS.includes(kind) ? kind : "",
    region: region || "",
    order: ORDERS.includes(order) ? order : "NEWEST",
  };
}

function variables(choice) {
  const filter = {};
  if (choice.status) filter.status = [choice.status];
  if (choice.kind) filter.targetKind = [choice.kind];
  if (choice.region) filter.region = choice.region;
  return { filter, orderBy: choice.order };
}

/** A labelled select for a filter: every filter has an "any" choice, so none is required. */
function filterSelect(name, label, options, selected) {
  const id = `filter-${name}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name }, options.map(([value, text]) => h("option", { value, selected: value === selected || null }, text))),
  );
}

function filters(choice, labels, regions) {
  const label = (group, value) => labels[group]?.[value] || value;
  return h(
    "form",
    { class: "showcase-filters", method: "get", action: "/campaigns/", "aria-labelledby": "filters-title" },
    h("h2", { id: "filters-title", class: "visually-hidden" }, _("Filter campaigns")),
    h(
      "div",
      { class: "showcase-filter-fields" },
      filterSelect("status", _("Status"), [["", _("Any status")], ...STATUSES.map((value) => [value, label("CampaignStatus", value)])], choice.status),
      filterSelect("kind", _("For"), [["", _("Anything")], ...KINDS.map((value) => [value, label("CampaignTargetKind", value)])], choice.kind),
      filterSelect("region", _("Area"), [["", _("Everywhere")], ...regions.map((region) => [region.id, region.name])], choice.region),
      filterSelect("order", _("Sort by"), ORDERS.map((value) => [value, label("CampaignOrder", value)]), choice.order),
    ),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, _("Show campaigns"))),
  );
}

/** The page's data, or the failure with the shell, so that the error state sits under the
 * page's one h1 (the shared error state brings only an h2). */
async function loadOrFailure(load) {
  try {
    return await load();
  } catch (failure) {
    const shell = await request("PageShell").catch(() => ({}));
    return { ...shell, failure };
  }
}

function render(data, main) {
  if (data.failure) {
    main.append(h("h1", {}, _("Crowdfunding campaigns")), errorState(data.failure, () => window.location.reload()));
    return;
  }
  const labels = labelsOf(data.enumLabels);
  const choice = chosen();
  const list = h("div", { class: "grid", id: "campaign-list" }, data.campaigns.nodes.map((item) => campaignCard(item, labels, 2)));
  const more = h("p", { class: "load-more" });
  const status = h("p", { class: "visually-hidden", role: "status" });
  let pageInfo = data.campaigns.pageInfo;

  const showMore = () => {
    more.replaceChildren();
    if (!pageInfo.hasNextPage) return;
    const button = h("button", { type: "button", class: "button secondary" }, _("Load more campaigns"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = _("Loading…");
      try {
        const next = await request("MoreCampaigns", { ...variables(choice), after: pageInfo.endCursor });
        const cards = next.campaigns.nodes.map((item) => campaignCard(item, labels, 2));
        list.append(...cards);
        pageInfo = next.campaigns.pageInfo;
        status.textContent = _("More campaigns were added to the list.");
        showMore();
        const link = cards[0]?.querySelector("a");
        if (link) link.focus();
      } catch (error) {
        more.replaceChildren(errorState(error, showMore));
      }
    });
    more.append(button);
  };

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
      status,
    ),
  );
  showMore();
  if (window.location.search) focusRegion(document.getElementById("results-title"));
}

startPage({ load: () => loadOrFailure(() => request("PageCampaigns", variables(chosen()))), render, title: () => _("Crowdfunding campaigns") });
