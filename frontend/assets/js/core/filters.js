// Filter forms of the listing pages: a plain GET form, so the choices live in the address, a
// filtered list can be bookmarked and the back button works. A page describes its filters
// once (`spec`) and reads the choices and the API's filter from that description.
import { h, param } from "./dom.js";

/**
 * The choices the address holds, one per key of `spec`. A key's entry may name its `param`
 * (else the key), the `values` it may take (anything else becomes `fallback`, else ""), and
 * a `maxLength`.
 */
export function chosenFilters(spec) {
  const choice = {};
  for (const [key, entry] of Object.entries(spec)) {
    let value = param(entry.param || key) || "";
    if (entry.values && !entry.values.includes(value)) value = entry.fallback || "";
    if (entry.maxLength) value = value.slice(0, entry.maxLength);
    choice[key] = value;
  }
  return choice;
}

/** The API's filter for `choice`: each choice whose entry names a field (`to`), as a list
 * when the field takes one (`list`), trimmed when `trim`; empty choices are left out. */
export function filterInput(spec, choice) {
  const filter = {};
  for (const [key, entry] of Object.entries(spec)) {
    if (!entry.to) continue;
    const value = entry.trim ? choice[key].trim() : choice[key];
    if (value) filter[entry.to] = entry.list ? [value] : value;
  }
  return filter;
}

/** A labelled select for a filter: every filter has an "any" choice, so none is required. */
export function filterSelect(name, label, options, selected) {
  const id = `filter-${name}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name }, options.map(([value, text]) => h("option", { value, selected: value === selected || null }, text))),
  );
}

/** A labelled search box for a filter's words. */
export function filterSearch(name, label, value, maxLength) {
  const id = `filter-${name}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name, type: "search", value, maxlength: maxLength }));
}

/** The form: a heading for screen readers (`titleId`, `title`), the fields, the button;
 * `role: "search"` when it searches rather than only filters. */
export function filterForm({ action, role, titleId, title, submit }, fields) {
  return h(
    "form",
    { class: "showcase-filters", method: "get", action, role, "aria-labelledby": titleId },
    h("h2", { id: titleId, class: "visually-hidden" }, title),
    h("div", { class: "showcase-filter-fields" }, fields),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, submit)),
  );
}
