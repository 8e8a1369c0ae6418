// Transparency: what the general fund and all donations received, paid out and hold (from
// the ledger; figures the API withholds say so, with its reason), the donation wall and the
// public pairing ledger, each list with "Load more".
import { request } from "../core/api.js";
import { labelsOf } from "../core/cards.js";
import { h } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { emptyState, loadMore, startPage } from "../core/layout.js";

function table(id, caption, headers, rows, wide = false) {
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: 0, "aria-labelledby": `${id}-caption` },
    h(
      "table",
      { id, class: wide ? "wide-table" : null },
      h("caption", { id: `${id}-caption` }, caption),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows),
    ),
  );
}

function withheld(labels, reason) {
  return h("span", { class: "withheld" }, _("Withheld: {reason}", { reason: labels.SuppressionReason?.[reason] || reason }));
}

function fundSection(data) {
  const rows = data.generalFund.map((total) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, total.currency),
      h("td", {}, total.received.formatted),
      h("td", {}, total.paidOut.formatted),
      h("td", {}, total.held.formatted),
    ),
  );
  return h(
    "section",
    { "aria-labelledby": "fund-title" },
    h("h2", { id: "fund-title" }, _("The general fund")),
    h("p", {}, _("Gifts to the general fund are allocated by staff to the families and projects that need them most.")),
    rows.length
      ? table("general-fund", _("What the general fund received, paid out and holds, per currency"), [_("Currency"), _("Received"), _("Paid out"), _("Held")], rows)
      : emptyState(_("The general fund has not received any money yet.")),
  );
}

function totalsSection(data, labels) {
  const cell = (money, total) => h("td", {}, money ? money.formatted : withheld(labels, total.suppressed));
  const rows = data.moneyTotals.map((total) =>
    h("tr", {}, h("th", { scope: "row" }, total.currency), cell(total.received, total), cell(total.disbursed, total), cell(total.held, total)),
  );
  const anyWithheld = data.moneyTotals.some((total) => total.suppressed);
  return h(
    "section",
    { "aria-labelledby": "totals-title" },
    h("h2", { id: "totals-title" }, _("All donations")),
    rows.length
      ? table("money-totals", _("What all donations received, paid out to beneficiaries and still hold, per currency"), [_("Currency"), _("Received"), _("Paid out"), _("Held")], rows)
      : emptyState(_("No donation has been received yet.")),
    anyWithheld
      ? h("p", { class: "meta" }, _("Some figures are withheld so that they cannot single out the families who received money."))
      : null,
  );
}

/** A list with a "Load more" button that fetches the next page and focuses its first item. */
function paged({ container, page, draw, more, buttonLabel }) {
  return loadMore({ list: container, pageInfo: page.pageInfo, label: buttonLabel, fetchPage: more, draw, announcement: _("More entries are shown.") });
}

function wallEntry(labels) {
  return (entry) =>
    h(
      "li",
      { class: "wall-entry" },
      h(
        "p",
        {},
        h("strong", {}, entry.donorName),
        " ",
        h("span", { class: "money" }, entry.amount.formatted),
      ),
      h("p", { class: "meta" }, _("For {target} ({kind})", { target: entry.targetTitle, kind: labels.DonationTargetKind?.[entry.targetKind] || entry.targetKind })),
      h("p", { class: "meta" }, h("time", { datetime: entry.receivedAt }, entry.receivedAtFormatted)),
      entry.message ? h("blockquote", { class: "wall-message" }, entry.message) : null,
    );
}

function wallSection(data, labels) {
  const page = data.donationWall;
  const list = h("ul", { class: "plain-list wall", "aria-labelledby": "wall-title" }, page.nodes.map(wallEntry(labels)));
  return h(
    "section",
    { "aria-labelledby": "wall-title" },
    h("h2", { id: "wall-title" }, _("Donation wall")),
    h("p", {}, _("Donations whose money has arrived, newest first. Anonymous donors are shown without their name or message.")),
    page.nodes.length ? list : emptyState(_("No donation has been received yet.")),
    page.nodes.length
      ? paged({
          container: list,
          page,
          draw: wallEntry(labels),
          more: async (after) => (await request("TransparencyWallMore", { after })).donationWall,
          buttonLabel: _("Load more donations"),
        })
      : null,
  );
}

function pairingRow(labels) {
  return (pairing) => {
    const partner = pairing.village
      ? pairing.village.name
      : pairing.household
        ? _("Household {code}, {region}", { code: pairing.household.publicCode, region: pairing.household.region.name })
        : _("A household");
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, pairing.helper ? pairing.helper.displayName : _("Former helper")),
      h("td", {}, partner),
      h("td", {}, labels.PairingKind?.[pairing.kind] || pairing.kind),
      h("td", {}, labels.PairingStatus?.[pairing.status] || pairing.status),
      h(
        "td",
        { class: "nowrap" },
        h("time", { datetime: pairing.periodStart }, pairing.periodStartFormatted),
        " – ",
        h("time", { datetime: pairing.periodEnd }, pairing.periodEndFormatted),
      ),
    );
  };
}

function pairingSection(data, labels) {
  const page = data.pairings;
  const draw = pairingRow(labels);
  const wrap = table(
    "pairings",
    _("Active and completed pairings, newest first"),
    [_("Helper"), _("Paired with"), _("Kind"), _("Status"), _("Period")],
    page.nodes.map(draw),
    true,
  );
  return h(
    "section",
    { "aria-labelledby": "pairings-title" },
    h("h2", { id: "pairings-title" }, _("Pairing ledger")),
    h("p", {}, _("Enterprises paired with villages and helpers paired with households, with the period they committed to.")),
    page.nodes.length ? wrap : emptyState(_("No pairing is public yet.")),
    page.nodes.length
      ? paged({
          container: wrap.querySelector("tbody"),
          page,
          draw,
          more: async (after) => (await request("TransparencyPairingsMore", { after })).pairings,
          buttonLabel: _("Load more pairings"),
        })
      : null,
  );
}

function render(data, main) {
  main.append(h("h1", {}, _("Where the money goes")));
  const labels = labelsOf(data.enumLabels);
  main.append(
    h("p", { class: "lead" }, _("Every donation is recorded in a double-entry ledger. These figures come straight from it.")),
    fundSection(data),
    totalsSection(data, labels),
    wallSection(data, labels),
    pairingSection(data, labels),
  );
}

startPage({
  load: () => request("PageTransparency"),
  render,
  title: () => _("Transparency"),
  failureHeading: () => _("Where the money goes"),
});
