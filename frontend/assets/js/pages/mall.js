// The mall: products of households, cooperatives and villages, filtered by words, area and
// stock, sorted by date or price, a page at a time ("Load more").
import { request } from "../core/api.js";
import { labelsOf, localized, picture } from "../core/cards.js";
import { clear, focusRegion, h } from "../core/dom.js";
import { field, select } from "../core/forms.js";
import { _ } from "../core/i18n.js";
import { emptyState, errorState, startPage } from "../core/layout.js";
import { isolate } from "./cart-store.js";

const SORTS = {
  newest: { field: "CREATED_AT", direction: "DESC" },
  "price-asc": { field: "PRICE", direction: "ASC" },
  "price-desc": { field: "PRICE", direction: "DESC" },
};

/** The choices in the address bar, so a filtered list can be bookmarked and shared. */
function choicesFromUrl() {
  const query = new URLSearchParams(window.location.search);
  return {
    text: (query.get("q") || "").trim(),
    region: query.get("region") || "",
    inStock: query.get("stock") === "1",
    sort: SORTS[query.get("sort")] ? query.get("sort") : "newest",
  };
}

function variablesOf(choices) {
  const filter = {};
  if (choices.text) filter.text = choices.text;
  if (choices.region) filter.region = choices.region;
  if (choices.inStock) filter.inStock = true;
  return { filter, orderBy: SORTS[choices.sort] };
}

function rememberInUrl(choices) {
  const query = new URLSearchParams();
  if (choices.text) query.set("q", choices.text);
  if (choices.region) query.set("region", choices.region);
  if (choices.inStock) query.set("stock", "1");
  if (choices.sort !== "newest") query.set("sort", choices.sort);
  const search = query.toString();
  window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

function productCard(product, labels) {
  const href = `/product/?id=${encodeURIComponent(product.id)}`;
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card product-card" },
      picture(product.images[0], { sizes: "(min-width: 48em) 20rem, 100vw", className: "product-image" }),
      h("h3", {}, h("a", { href }, localized(product.name))),
      h("p", { class: "money" }, _("{price} for {unit}", { price: isolate(product.price.formatted), unit: isolate(product.unit) })),
      h(
        "p",
        { class: "meta" },
        _("{seller} ({kind}) · {region}", {
          seller: isolate(product.seller.displayName),
          kind: labels.SellerKind?.[product.seller.kind] || product.seller.kind,
          region: isolate(product.originRegion.name),
        }),
      ),
      h(
        "p",
        { class: "tags" },
        h("span", { class: "badge share-badge" }, _("{share} to the producer", { share: product.producerShareFormatted })),
        product.inStock ? null : [" ", h("span", { class: "badge sold-out" }, _("Sold out"))],
      ),
    ),
  );
}

function filterForm(regions, choices, onSearch) {
  const sortControl = select(
    [
      ["newest", _("Newest first")],
      ["price-asc", _("Price: lowest first")],
      ["price-desc", _("Price: highest first")],
    ],
    choices.sort,
  );
  const regionControl = select([["", _("All areas")], ...regions.map((region) => [region.id, region.name])], choices.region);
  const stock = h("input", { type: "checkbox", id: "field-inStock", name: "inStock", checked: choices.inStock || null });
  const form = h(
    "form",
    { class: "mall-filters", role: "search", "aria-labelledby": "filters-title", novalidate: true },
    h("h2", { id: "filters-title", class: "visually-hidden" }, _("Find products")),
    field({ name: "text", label: _("Words in the name or description"), type: "search", value: choices.text, required: true, autocomplete: "off" }),
    field({ name: "region", label: _("Where it comes from"), control: regionControl, required: true }),
    field({ name: "sort", label: _("Sort by"), control: sortControl, required: true }),
    h("div", { class: "choice mall-stock" }, stock, h("label", { for: "field-inStock" }, _("Only products in stock"))),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, _("Show products"))),
  );
  // Every filter is optional: the `required` above only hides the "(optional)" marks.
  for (const input of form.querySelectorAll("[required]")) input.required = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    onSearch({
      text: String(data.get("text") || "").trim(),
      region: String(data.get("region") || ""),
      inStock: data.get("inStock") !== null,
      sort: String(data.get("sort") || "newest"),
    });
  });
  return form;
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  let choices = choicesFromUrl();
  let cursor = data.products.pageInfo.endCursor;
  const list = h("ul", { class: "grid plain-grid product-list" });
  const more = h("button", { type: "button", class: "button secondary" }, _("Load more products"));
  const moreWrap = h("p", { class: "actions" }, more);
  const status = h("p", { class: "visually-hidden", role: "status" });
  const results = h("div", { class: "mall-results" });
  const title = h("h2", { id: "results-title", tabindex: "-1" }, _("Products"));

  const show = (connection) => {
    cursor = connection.pageInfo.endCursor;
    moreWrap.hidden = !connection.pageInfo.hasNextPage;
    if (!connection.nodes.length) {
      clear(results, emptyState(_("No products match your search. Try other words or another area.")));
      return;
    }
    clear(list, connection.nodes.map((product) => productCard(product, labels)));
    clear(results, list, moreWrap);
  };

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await request("MallMoreProducts", { ...variablesOf(choices), after: cursor });
      const first = list.children.length;
      list.append(...page.products.nodes.map((product) => productCard(product, labels)));
      cursor = page.products.pageInfo.endCursor;
      moreWrap.hidden = !page.products.pageInfo.hasNextPage;
      status.textContent = _("More products were added to the list.");
      const link = list.children[first]?.querySelector("a");
      if (link) link.focus();
    } catch (error) {
      moreWrap.after(errorState(error));
    } finally {
      more.disabled = false;
    }
  });

  const search = async (next) => {
    choices = next;
    rememberInUrl(choices);
    clear(results, h("p", { class: "state state-searching", role: "status" }, _("Searching…")));
    try {
      const page = await request("MallMoreProducts", variablesOf(choices));
      show(page.products);
      status.textContent = page.products.nodes.length ? _("The list of products was updated.") : "";
    } catch (error) {
      clear(results, errorState(error, () => search(choices)));
    }
    focusRegion(title);
  };

  main.append(
    h("h1", {}, _("Mall")),
    h("p", { class: "lead" }, _("Produce from households, cooperatives and villages in poor regions. Each product says how much of its price reaches the people who made it.")),
    h("p", {}, h("a", { href: "/cart/", class: "button secondary" }, _("Go to your cart"))),
    filterForm(data.regions.nodes, choices, search),
    h("section", { "aria-labelledby": "results-title" }, title, status, results),
  );
  show(data.products);
}

startPage({
  load: () => request("PageMall", variablesOf(choicesFromUrl())),
  render,
  title: () => _("Mall"),
});
