// Home: the headline figures as the seed reports them, then featured needs, campaigns and
// exhibitions.
import { request } from "../core/api.js";
import { campaignCard, labelsOf, localized, requestCard } from "../core/cards.js";
import { h } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { emptyState, startPage } from "../core/layout.js";

function figure(value, label) {
  return h("div", { class: "figure" }, h("dt", {}, label), h("dd", {}, value ?? _("Not published")));
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  const stats = data.stats;
  main.append(
    h(
      "section",
      { class: "hero", "aria-labelledby": "hero-title" },
      h("h1", { id: "hero-title" }, _("Help reaches the families who need it")),
      h("p", { class: "lead" }, _("Registered families ask for what they need; you choose exactly whom to help, and see it arrive.")),
      h(
        "p",
        { class: "actions" },
        h("a", { class: "button", href: "/needs/" }, _("Find someone to help")),
        " ",
        h("a", { class: "button secondary", href: "/donate/" }, _("Give to the general fund")),
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "figures-title" },
      h("h2", { id: "figures-title" }, _("The platform in figures")),
      h(
        "dl",
        { class: "figures" },
        figure(stats.families, _("Families registered")),
        figure(stats.helpers, _("Helpers registered")),
        figure(stats.requestsMade, _("Requests for help")),
        figure(stats.requestsMet, _("Requests met")),
        figure(stats.pairings, _("Pairings active")),
        figure(stats.answeredShare, _("Requests answered within 90 days")),
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "needs-title" },
      h("h2", { id: "needs-title" }, _("Urgent needs")),
      data.featured.nodes.length
        ? h("div", { class: "grid" }, data.featured.nodes.map((item) => requestCard(item, labels)))
        : emptyState(_("No open requests right now.")),
      h("p", {}, h("a", { href: "/needs/" }, _("See all needs"))),
    ),
    h(
      "section",
      { "aria-labelledby": "campaigns-title" },
      h("h2", { id: "campaigns-title" }, _("Crowdfunding campaigns")),
      data.campaigns.nodes.length
        ? h("div", { class: "grid" }, data.campaigns.nodes.map((item) => campaignCard(item, labels)))
        : emptyState(_("No campaigns are raising money right now.")),
      h("p", {}, h("a", { href: "/campaigns/" }, _("See all campaigns"))),
    ),
    h(
      "section",
      { "aria-labelledby": "exhibitions-title" },
      h("h2", { id: "exhibitions-title" }, _("Exhibitions")),
      data.exhibitions.nodes.length
        ? h(
            "ul",
            { class: "plain-list" },
            data.exhibitions.nodes.map((item) =>
              h(
                "li",
                {},
                h("a", { href: `/exhibitions/#${encodeURIComponent(item.id)}` }, localized(item.title)),
                " — ",
                localized(item.theme),
                h("span", { class: "meta" }, ` ${_("{start} to {end}", { start: item.startsOnFormatted, end: item.endsOnFormatted })}`),
              ),
            ),
          )
        : emptyState(_("No exhibitions are open right now.")),
    ),
  );
}

startPage({ load: () => request("PageHome"), render, title: () => "" });
