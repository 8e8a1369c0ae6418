// Needs: the published requests, filtered by area (down to the public level), cause,
// category, urgency and money or in kind, each choice showing how many requests it leaves;
// sorted newest, most urgent or waiting longest. The filters live in the address, so a
// filtered list can be bookmarked and shared.
import { request } from "../core/api.js";
import { labelsOf, requestCard } from "../core/cards.js";
import { clear, h } from "../core/dom.js";
import { _, ngettext } from "../core/i18n.js";
import { emptyState, errorState, startPage } from "../core/layout.js";

const SORTS = {
  newest: { field: "NEWEST" },
  urgent: { field: "MOST_URGENT" },
  waiting: { field: "OLDEST_UNMET" },
};
const FILTER_KEYS = ["region", "cause", "category", "urgency", "kind", "q", "sort"];

function readState() {
  const query = new URLSearchParams(window.location.search);
  const state = {};
  for (const key of FILTER_KEYS) state[key] = query.get(key) || "";
  if (!SORTS[state.sort]) state.sort = "newest";
  return state;
}

function writeState(state) {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    if (state[key] && !(key === "sort" && state[key] === "newest")) query.set(key, state[key]);
  }
  const search = query.toString();
  window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

/** Donors see what still takes help; "waiting longest" is about open requests only. */
function variables(state) {
  const filter = { status: state.sort === "waiting" ? ["OPEN"] : ["OPEN", "PLEDGED"] };
  if (state.region) filter.region = state.region;
  if (state.cause) filter.cause = state.cause;
  if (state.category) filter.category = state.category;
  if (state.urgency) filter.urgency = [state.urgency];
  if (state.kind) filter.kind = state.kind;
  if (state.q.trim()) filter.text = state.q.trim();
  return { filter, orderBy: SORTS[state.sort], regions: state.region ? [state.region] : [] };
}

/** "Illness (12)", the count as the API writes it in the visitor's locale. */
function countLabel(label, count) {
  return _("{label} ({count})", { label, count });
}

function facetSelect(name, label, anyLabel, facet, selected) {
  const id = `filter-${name}`;
  const options = [h("option", { value: "" }, anyLabel)];
  for (const entry of facet) {
    if (entry.count === 0 && entry.value !== selected) continue;
    options.push(h("option", { value: entry.value, selected: entry.value === selected || null }, countLabel(entry.label, entry.countFormatted)));
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), h("select", { id, name }, options));
}

function regionControls(data, state) {
  const chosen = (data.chosenRegions || []).find((region) => region && region.id === state.region);
  const id = "filter-region";
  const options = [];
  if (chosen) {
    options.push(h("option", { value: chosen.id, selected: true }, _("All of {area}", { area: chosen.name })));
    options.push(
      h("option", { value: chosen.parent ? chosen.parent.id : "" }, chosen.parent ? _("Back to {area}", { area: chosen.parent.name }) : _("Back to every area")),
    );
  } else {
    options.push(h("option", { value: "", selected: true }, _("Every area")));
  }
  for (const entry of data.facets.regions) {
    options.push(h("option", { value: entry.region.id }, countLabel(entry.region.name, entry.countFormatted)));
  }
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, _("Area")),
    h("select", { id, name: "region" }, options),
  );
}

function kindChoices(facet, selected) {
  const name = "kind";
  const choices = [{ value: "", label: _("Money or in kind"), count: null }, ...facet];
  return h(
    "fieldset",
    {},
    h("legend", {}, _("Kind of help")),
    h(
      "div",
      { class: "choices" },
      choices.map((choice) => {
        const id = `filter-kind-${choice.value || "any"}`;
        return h(
          "div",
          { class: "choice" },
          h("input", { type: "radio", id, name, value: choice.value, checked: choice.value === selected || null }),
          h("label", { for: id }, choice.count === null ? choice.label : countLabel(choice.label, choice.countFormatted)),
        );
      }),
    ),
  );
}

function filtersForm(data, state, onChange) {
  const facets = data.facets;
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": _("Filter the needs") },
    h(
      "div",
      { class: "field" },
      h("label", { for: "filter-q" }, _("Search")),
      h(
        "div",
        { class: "search-row" },
        h("input", { id: "filter-q", name: "q", type: "search", value: state.q, maxlength: 200, autocomplete: "off" }),
        h("button", { type: "submit", class: "button" }, _("Search")),
      ),
    ),
    regionControls(data, state),
    facetSelect("cause", _("Cause of poverty"), _("Any cause"), facets.causes, state.cause),
    facetSelect("category", _("What is needed"), _("Any category"), facets.categories, state.category),
    facetSelect("urgency", _("Urgency"), _("Any urgency"), facets.urgencies, state.urgency),
    kindChoices(facets.kinds, state.kind),
    h(
      "div",
      { class: "field" },
      h("label", { for: "filter-sort" }, _("Sort by")),
      h(
        "select",
        { id: "filter-sort", name: "sort" },
        [
          ["newest", _("Newest")],
          ["urgent", _("Most urgent")],
          ["waiting", _("Waiting longest")],
        ].map(([value, text]) => h("option", { value, selected: value === state.sort || null }, text)),
      ),
    ),
  );
  const read = () => {
    const values = new FormData(form);
    const next = { ...state };
    for (const key of FILTER_KEYS) next[key] = String(values.get(key) || "");
    return next;
  };
  form.addEventListener("change", (event) => {
    if (event.target.name !== "q") onChange(read(), event.target.id);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onChange(read(), "filter-q");
  });
  return form;
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  let state = readState();
  let cursor = null;
  const status = h("p", { id: "results-status", class: "results-status", role: "status" });
  const results = h("div", { class: "grid", id: "results" });
  const more = h("p", { class: "load-more" });
  const filters = h("div", { class: "filters-panel" });

  const show = (answer) => {
    const total = answer.facets.total;
    status.textContent = ngettext("{count} request matches.", "{count} requests match.", total, { count: answer.facets.totalFormatted });
    clear(results, answer.requests.nodes.map((item) => requestCard(item, labels, 2)));
    if (!answer.requests.nodes.length) results.append(emptyState(_("No request matches these filters. Try another area or fewer filters.")));
    cursor = answer.requests.pageInfo.endCursor;
    drawMore(answer.requests.pageInfo.hasNextPage);
  };

  const drawMore = (hasNext) => {
    clear(more, hasNext ? h("button", { type: "button", class: "button secondary", onclick: loadMore }, _("Show more requests")) : null);
  };

  const loadMore = async () => {
    const first = results.children.length;
    try {
      const answer = await request("NeedsMore", { ...variables(state), after: cursor });
      results.append(...answer.requests.nodes.map((item) => requestCard(item, labels, 2)));
      cursor = answer.requests.pageInfo.endCursor;
      drawMore(answer.requests.pageInfo.hasNextPage);
      results.children[first]?.querySelector("a")?.focus();
    } catch (error) {
      clear(more, errorState(error, loadMore));
    }
  };

  const drawFilters = (answer, focusId) => {
    clear(filters, filtersForm(answer, state, change));
    if (focusId) document.getElementById(focusId)?.focus();
  };

  const change = async (next, focusId) => {
    state = next;
    writeState(state);
    results.setAttribute("aria-busy", "true");
    try {
      const answer = await request("NeedsSearch", variables(state));
      drawFilters(answer, focusId);
      show(answer);
    } catch (error) {
      clear(results, errorState(error, () => change(state, focusId)));
    } finally {
      results.removeAttribute("aria-busy");
    }
  };

  main.append(
    h("h1", {}, _("Needs")),
    h("p", { class: "lead" }, _("Every request here comes from a household a caseworker registered and verified.")),
    h("div", { class: "needs-layout" }, filters, h("section", { class: "needs-results", "aria-labelledby": "results-title" }, h("h2", { id: "results-title", class: "visually-hidden" }, _("Requests")), status, results, more)),
  );
  drawFilters(data);
  show(data);
}

startPage({
  load: () => request("PageNeeds", variables(readState())),
  render,
  title: () => _("Needs"),
});
