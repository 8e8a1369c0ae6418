// Exhibitions on now and past ones, each an article whose id is the exhibition's, so
// /exhibitions/#<id> jumps to it; each with its exhibits in order.
import { request } from "../core/api.js";
import { labelsOf, localized, picture } from "../core/cards.js";
import { focusRegion, h } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { emptyState, loadMore, startPage } from "../core/layout.js";

// Pictures are shown only from this site: the Content-Security-Policy allows no other
// origin, so an exhibit's picture stored by the instance is shown, and one elsewhere
// becomes a link the visitor may follow.
function sameOrigin(url) {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

function hasText(text) {
  return text && text.text && text.text.trim();
}

function targetLink(item) {
  const target = item.target;
  if (!target) return null;
  const id = encodeURIComponent(target.id);
  switch (item.kind) {
    case "CAMPAIGN":
      return h(
        "p",
        {},
        h("a", { href: `/campaign/?id=${id}` }, localized(target.title)),
        " ",
        h("span", { class: "meta" }, _("{raised} raised of {goal}", { raised: target.raised.formatted, goal: target.goal.formatted })),
      );
    case "PRODUCT":
      return h("p", {}, h("a", { href: `/product/?id=${id}` }, localized(target.name)), " ", h("span", { class: "money" }, target.price.formatted));
    case "CASE_STUDY":
      return h("p", {}, h("a", { href: `/case-studies/#${id}` }, localized(target.title)));
    case "PROJECT":
      return h("p", { class: "exhibit-name" }, target.projectName);
    default:
      return null;
  }
}

function media(item) {
  const caption = hasText(item.caption) ? item.caption.text : _("Picture of the exhibition");
  if (item.image) return picture(item.image, { alt: caption, sizes: "(min-width: 44em) 40rem, 100vw", className: "exhibit-media" });
  if (!item.mediaUrl) return null;
  if (sameOrigin(item.mediaUrl)) {
    return h("img", { src: item.mediaUrl, alt: caption, loading: "lazy", decoding: "async", width: 640, height: 360, class: "exhibit-media" });
  }
  let host = item.mediaUrl;
  try {
    host = new URL(item.mediaUrl).host;
  } catch {
    return null;
  }
  return h("p", {}, h("a", { href: item.mediaUrl, rel: "noopener noreferrer" }, _("See the picture on {site}", { site: host })));
}

function exhibitItem(item, labels) {
  return h(
    "li",
    { class: "exhibit" },
    h("span", { class: "badge" }, labels.ExhibitionItemKind?.[item.kind] || item.kind),
    media(item),
    targetLink(item),
    hasText(item.caption) ? h("p", { class: "meta" }, localized(item.caption)) : null,
  );
}

function exhibition(item, labels, headingLevel) {
  const titleId = `title-${item.id}`;
  return h(
    "article",
    { class: "card exhibition", id: item.id, "aria-labelledby": titleId },
    h(`h${headingLevel}`, { id: titleId }, localized(item.title)),
    h("p", { class: "exhibition-theme" }, localized(item.theme)),
    h(
      "p",
      { class: "meta" },
      item.region
        ? _("{start} to {end} · {region}", { start: item.startsOnFormatted, end: item.endsOnFormatted, region: item.region.name })
        : _("{start} to {end}", { start: item.startsOnFormatted, end: item.endsOnFormatted }),
    ),
    hasText(item.description) ? h("p", {}, localized(item.description)) : null,
    item.items.length
      ? h("ul", { class: "plain-list exhibits", "aria-label": _("Exhibits") }, [...item.items].sort((a, b) => a.position - b.position).map((entry) => exhibitItem(entry, labels)))
      : null,
  );
}

/** Content drawn after the page loaded: jump to the exhibition the address names. */
function jumpToHash() {
  if (!window.location.hash) return;
  let id = window.location.hash.slice(1);
  try {
    id = decodeURIComponent(id);
  } catch {
    return;
  }
  const target = document.getElementById(id);
  if (target && target.classList.contains("exhibition")) {
    target.scrollIntoView();
    focusRegion(target);
  }
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  const past = h("div", { class: "exhibitions" }, data.past.nodes.map((item) => exhibition(item, labels, 3)));
  const more = loadMore({
    list: past,
    pageInfo: data.past.pageInfo,
    label: _("Load more exhibitions"),
    fetchPage: async (after) => (await request("MorePastExhibitions", { after })).exhibitions,
    draw: (item) => exhibition(item, labels, 3),
  });
  main.append(
    h("h1", {}, _("Exhibitions")),
    h("p", { class: "lead" }, _("Local products, projects and the stories of families who left poverty behind.")),
    h(
      "section",
      { "aria-labelledby": "current-title" },
      h("h2", { id: "current-title" }, _("On now")),
      data.current.nodes.length
        ? h("div", { class: "exhibitions" }, data.current.nodes.map((item) => exhibition(item, labels, 3)))
        : emptyState(_("No exhibitions are open right now.")),
    ),
    h(
      "section",
      { "aria-labelledby": "past-title" },
      h("h2", { id: "past-title" }, _("Past and coming exhibitions")),
      data.past.nodes.length ? past : emptyState(_("There are no other exhibitions yet.")),
      more,
    ),
  );
  jumpToHash();
  window.addEventListener("hashchange", jumpToHash);
}

startPage({ load: () => request("PageExhibitions"), render, title: () => _("Exhibitions"), failureHeading: () => _("Exhibitions") });
