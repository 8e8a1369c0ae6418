// Case studies: what lifted households out of poverty, searched by cause, area,
// intervention type and text (the filters CaseStudyFilter offers), with the indicators
// before and after as a table, and "Load more". The search lives in the query string.
import { request } from "../core/api.js";
import { labelsOf, localized } from "../core/cards.js";
import { focusRegion, h } from "../core/dom.js";
import { chosenFilters, filterForm, filterInput, filterSearch, filterSelect } from "../core/filters.js";
import { _ } from "../core/i18n.js";
import { emptyState, loadMore, startPage } from "../core/layout.js";

const INTERVENTIONS = ["INDUSTRY", "E_COMMERCE", "INFRASTRUCTURE", "EDUCATION", "HEALTH", "EMPLOYMENT", "RELOCATION", "MICROFINANCE", "PAIRING", "OTHER"];

// The search, as CaseStudyFilter takes it (see core/filters.js).
const FILTERS = {
  cause: { to: "cause" },
  region: { to: "region" },
  intervention: { values: INTERVENTIONS, to: "interventionType", list: true },
  text: { param: "q", maxLength: 200, to: "text", trim: true },
};

function chosen() {
  return chosenFilters(FILTERS);
}

function variables(choice) {
  return { filter: filterInput(FILTERS, choice) };
}

function search(choice, data, labels) {
  return filterForm({ action: "/case-studies/", role: "search", titleId: "search-title", title: _("Search case studies"), submit: _("Search") }, [
    filterSearch("q", _("Words in the title, summary or lessons"), choice.text, 200),
    filterSelect("cause", _("Cause of poverty"), [["", _("Any cause")], ...data.instance.povertyCauses.map((term) => [term.code, term.label])], choice.cause),
    filterSelect("region", _("Area"), [["", _("Everywhere")], ...data.regions.nodes.map((region) => [region.id, region.name])], choice.region),
    filterSelect(
      "intervention",
      _("Intervention"),
      [["", _("Any intervention")], ...INTERVENTIONS.map((value) => [value, labels.InterventionType?.[value] || value])],
      choice.intervention,
    ),
  ]);
}

/** A count as the API writes it for the visitor's locale, or that it was not reported. */
function count(formatted) {
  return formatted ?? _("Not reported");
}

function indicators(study) {
  const values = study.indicators;
  const dash = () => h("td", {}, h("span", { "aria-hidden": "true" }, "—"), h("span", { class: "visually-hidden" }, _("Not applicable")));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "indicators" },
      h("caption", {}, _("Indicators before and after")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, _("Indicator")), h("th", { scope: "col" }, _("Before")), h("th", { scope: "col" }, _("After")))),
      h(
        "tbody",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "row" }, _("Yearly income per household member")),
          h("td", { class: "money" }, values.incomePerMemberBefore?.formatted || _("Not reported")),
          h("td", { class: "money" }, values.incomePerMemberAfter?.formatted || _("Not reported")),
        ),
        h("tr", {}, h("th", { scope: "row" }, _("Households lifted out of poverty")), dash(), h("td", {}, count(values.householdsLiftedOutFormatted))),
        h("tr", {}, h("th", { scope: "row" }, _("Jobs created")), dash(), h("td", {}, count(values.jobsCreatedFormatted))),
      ),
    ),
  );
}

function hasText(text) {
  return text && text.text && text.text.trim();
}

function caseStudy(study, labels) {
  const titleId = `title-${study.id}`;
  return h(
    "article",
    { class: "card case-study", id: study.id, "aria-labelledby": titleId },
    h("h3", { id: titleId }, localized(study.title)),
    h(
      "p",
      { class: "tags" },
      h("span", { class: "badge" }, labels.InterventionType?.[study.interventionType] || study.interventionType),
      study.causes.map((cause) => [" ", h("span", { class: "badge" }, cause.label)]),
    ),
    h(
      "p",
      { class: "meta" },
      study.publishedAtFormatted
        ? _("{region} · published {date}", { region: study.region.name, date: study.publishedAtFormatted })
        : study.region.name,
    ),
    h("p", {}, localized(study.summary)),
    indicators(study),
    hasText(study.story) || hasText(study.lessons)
      ? h(
          "details",
          {},
          h("summary", {}, _("Read the story and the lessons learned")),
          hasText(study.story) ? [h("h4", {}, _("The story")), h("p", { class: "long-text" }, localized(study.story))] : null,
          hasText(study.lessons) ? [h("h4", {}, _("Lessons learned")), h("p", { class: "long-text" }, localized(study.lessons))] : null,
        )
      : null,
  );
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  const choice = chosen();
  const list = h("div", { class: "case-studies" }, data.caseStudies.nodes.map((study) => caseStudy(study, labels)));
  const more = loadMore({
    list,
    pageInfo: data.caseStudies.pageInfo,
    label: _("Load more case studies"),
    fetchPage: async (after) => (await request("MoreCaseStudies", { ...variables(choice), after })).caseStudies,
    draw: (study) => caseStudy(study, labels),
  });
  main.append(
    h("h1", {}, _("Case studies")),
    h("p", { class: "lead" }, _("What lifted households out of poverty, told so that others can do it again.")),
    search(choice, data, labels),
    h(
      "section",
      { "aria-labelledby": "results-title" },
      h("h2", { id: "results-title" }, _("Case studies found")),
      data.caseStudies.nodes.length ? list : emptyState(_("No case study matches this search. Try fewer words or another cause.")),
      more,
    ),
  );
  if (window.location.hash) {
    let id = window.location.hash.slice(1);
    try {
      id = decodeURIComponent(id);
    } catch {
      id = "";
    }
    const target = id && document.getElementById(id);
    if (target && target.classList.contains("case-study")) {
      target.scrollIntoView();
      focusRegion(target);
    }
  } else if (window.location.search) {
    focusRegion(document.getElementById("results-title"));
  }
}

startPage({
  load: () => request("PageCaseStudies", variables(chosen())),
  render,
  title: () => _("Case studies"),
  failureHeading: () => _("Case studies"),
});
