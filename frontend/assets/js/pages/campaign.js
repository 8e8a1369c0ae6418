// One campaign: what the money is for, how far it got, what happens at the deadline, the
// organiser's updates and the backers (the API hides anonymous ones), and a way to back it.
import { ApiError, request } from "../core/api.js";
import { labelsOf, localized, progressBar } from "../core/cards.js";
import { h, param } from "../core/dom.js";
import { _, ngettext } from "../core/i18n.js";
import { emptyState, loadMore, startPage } from "../core/layout.js";

async function load() {
  const id = param("id");
  if (!id) throw new ApiError("NOT_FOUND", _("No campaign was given. Choose one from the list of campaigns."));
  const data = await request("PageCampaign", { id });
  if (!data.node || !data.node.fundingModel) {
    throw new ApiError("NOT_FOUND", _("This campaign does not exist, or it is not public."));
  }
  return data;
}

/** What happens at the deadline, in one sentence. */
function fundingModelSentence(campaign) {
  if (campaign.fundingModel === "ALL_OR_NOTHING") {
    return _("All or nothing: if the goal is not reached by {date}, every backer gets their money back.", { date: campaign.deadlineFormatted });
  }
  return _("Keep what you raise: whatever is raised by {date} goes to the cause, even if the goal is not reached.", { date: campaign.deadlineFormatted });
}

function backerItem(backer) {
  return h(
    "li",
    {},
    h("span", { class: "backer-name" }, backer.name),
    " ",
    h("span", { class: "money" }, backer.amount.formatted),
    " ",
    h("time", { class: "meta", datetime: backer.receivedAt }, backer.receivedAtFormatted),
    backer.refunded ? h("span", { class: "badge" }, _("Refunded")) : null,
    backer.message ? h("p", { class: "backer-message", dir: "auto" }, backer.message) : null,
  );
}

function render(data, main) {
  const campaign = data.node;
  const labels = labelsOf(data.enumLabels);
  const active = campaign.status === "ACTIVE";
  const backers = h("ul", { class: "plain-list backers" }, campaign.backers.nodes.map(backerItem));
  const more = loadMore({
    list: backers,
    pageInfo: campaign.backers.pageInfo,
    label: _("Show more backers"),
    fetchPage: async (after) => (await request("MoreCampaignBackers", { id: campaign.id, after })).node.backers,
    draw: backerItem,
  });

  main.append(
    h(
      "article",
      { class: "campaign", "aria-labelledby": "campaign-title" },
      h("h1", { id: "campaign-title" }, localized(campaign.title)),
      h(
        "p",
        { class: "tags" },
        h("span", { class: "badge" }, labels.CampaignStatus?.[campaign.status] || campaign.status),
        " ",
        h("span", { class: "badge" }, labels.FundingModel?.[campaign.fundingModel] || campaign.fundingModel),
        " ",
        h("span", { class: "badge" }, labels.CampaignTargetKind?.[campaign.targetKind] || campaign.targetKind),
      ),
      h("p", { class: "meta" }, _("Organised by {name} · {region}", { name: campaign.organiserName, region: campaign.region.name })),
      h(
        "section",
        { class: "campaign-progress", "aria-labelledby": "progress-title" },
        h("h2", { id: "progress-title" }, _("Progress")),
        progressBar(campaign.fundedBasisPoints, _("Raised so far")),
        h("p", { class: "money" }, _("{raised} raised of {goal}", { raised: campaign.raised.formatted, goal: campaign.goal.formatted })),
        h("p", {}, ngettext("{count} backer", "{count} backers", campaign.backersCount, { count: campaign.backersCountFormatted })),
        campaign.refundedBackingsCount
          ? h("p", {}, _("Given back to backers: {amount}", { amount: campaign.refunded.formatted }))
          : null,
        h("p", { class: "meta" }, _("Ends {date}", { date: campaign.deadlineFormatted })),
        h("p", { class: "notice funding-model" }, fundingModelSentence(campaign)),
        active
          ? h("p", { class: "actions" }, h("a", { class: "button", href: `/back/?campaign=${encodeURIComponent(campaign.id)}` }, _("Back this campaign")))
          : h("p", {}, _("This campaign is not taking backings any more.")),
      ),
      h(
        "section",
        { "aria-labelledby": "about-title" },
        h("h2", { id: "about-title" }, _("What the money is for")),
        h("p", { class: "description", dir: "auto" }, localized(campaign.description)),
      ),
      h(
        "section",
        { "aria-labelledby": "updates-title" },
        h("h2", { id: "updates-title" }, _("Updates")),
        campaign.updates.length
          ? h(
              "ul",
              { class: "plain-list updates" },
              campaign.updates.map((update) =>
                h(
                  "li",
                  {},
                  h("h3", { dir: "auto" }, update.title),
                  h("p", { class: "meta" }, h("time", { datetime: update.createdAt }, update.createdAtFormatted)),
                  h("p", { class: "update-body", dir: "auto" }, update.body),
                ),
              ),
            )
          : emptyState(_("The organiser has not posted any updates yet.")),
      ),
      h(
        "section",
        { "aria-labelledby": "backers-title" },
        h("h2", { id: "backers-title" }, _("Backers")),
        campaign.backers.nodes.length ? backers : emptyState(_("Nobody has backed this campaign yet. Be the first.")),
        h("p", { class: "meta" }, _("Backers who chose to stay anonymous are listed without their name or message.")),
        more,
      ),
    ),
  );
}

startPage({ load, render, title: (data) => data?.node?.title?.text || _("Campaign"), failureHeading: () => _("Campaign") });
