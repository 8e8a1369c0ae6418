// Cards shared by several pages: a request, a campaign, a picture stored by the instance;
// and the enum labels the API sends.
import { h } from "./dom.js";
import { _, ngettext } from "./i18n.js";

/** `{Urgency: {HIGH: "High"}}` from an `enumLabels` answer. */
export function labelsOf(enumLabels) {
  const labels = {};
  for (const entry of enumLabels || []) {
    labels[entry.enum] = Object.fromEntries(entry.values.map((value) => [value.value, value.label]));
  }
  return labels;
}

/** Text in the language it is written in, marked so screen readers pronounce it right. */
export function localized(text) {
  return h("span", { lang: text.language.replace("_", "-") }, text.text);
}

/** A picture stored by the instance (the API's `Image`): every stored width in `srcset`
 * so a phone fetches a small one, and its size stated so nothing jumps while it loads.
 * Lazy, unless `eager`: what the visitor looks at first (a product page's first picture)
 * is not held back. Null without a picture. */
export function picture(image, { alt = "", sizes = "100vw", className = null, eager = false } = {}) {
  if (!image) return null;
  return h("img", {
    loading: eager ? "eager" : "lazy",
    fetchpriority: eager ? "high" : null,
    decoding: "async",
    sizes,
    srcset: image.srcset,
    src: image.url,
    alt,
    width: image.width,
    height: image.height,
    class: className,
  });
}

export function requestCard(request, labels, headingLevel = 3) {
  const household = request.household;
  return h(
    "article",
    { class: "card request-card" },
    h(`h${headingLevel}`, {}, h("a", { href: `/request/?id=${encodeURIComponent(request.id)}` }, localized(request.title))),
    h(
      "p",
      { class: "tags" },
      h("span", { class: `badge urgency-${request.urgency.toLowerCase()}` }, labels.Urgency?.[request.urgency] || request.urgency),
      " ",
      h("span", { class: "badge" }, request.category.label),
    ),
    household
      ? h(
          "p",
          { class: "meta" },
          ngettext("Household {code} · {count} person · {region}", "Household {code} · {count} people · {region}", household.membersCount, {
            code: household.publicCode,
            count: household.membersCountFormatted,
            region: household.region.name,
          }),
        )
      : null,
    request.target
      ? h(
          "p",
          { class: "money" },
          request.remaining.amountMinor === 0
            ? _("Fully pledged: {target}", { target: request.target.formatted })
            : _("Still needed: {remaining} of {target}", { remaining: request.remaining.formatted, target: request.target.formatted }),
        )
      : h("p", { class: "money" }, _("Help in kind")),
  );
}

/** A labelled progress bar; `basisPoints` 10000 = 100%. */
export function progressBar(basisPoints, label) {
  const percent = Math.min(100, Math.floor(basisPoints / 100));
  return h("progress", { max: 100, value: percent, "aria-label": label });
}

export function campaignCard(campaign, labels, headingLevel = 3) {
  return h(
    "article",
    { class: "card campaign-card" },
    h(`h${headingLevel}`, {}, h("a", { href: `/campaign/?id=${encodeURIComponent(campaign.id)}` }, localized(campaign.title))),
    h("p", { class: "tags" }, h("span", { class: "badge" }, labels.FundingModel?.[campaign.fundingModel] || campaign.fundingModel)),
    progressBar(campaign.fundedBasisPoints, _("Raised so far")),
    h("p", { class: "money" }, _("{raised} raised of {goal}", { raised: campaign.raised.formatted, goal: campaign.goal.formatted })),
    h("p", { class: "meta" }, _("Ends {date}", { date: campaign.deadlineFormatted })),
  );
}
