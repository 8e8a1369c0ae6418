// The page shell every page shares: header with navigation, language switcher and account
// link, the main region with loading, error and empty states, and the footer.
import { ApiError, request } from "./api.js";
import { clear, focusRegion, h } from "./dom.js";
import { CATALOGS } from "../generated/catalogs.js";
import {
  _,
  languageTag,
  loadCatalog,
  preferredLocale,
  rememberLocale,
  retranslate,
  setLocale,
} from "./i18n.js";
import { token } from "./session.js";

function navigation() {
  return [
    ["/", _("Home")],
    ["/needs/", _("Needs")],
    ["/donate/", _("Donate")],
    ["/mall/", _("Mall")],
    ["/campaigns/", _("Crowdfunding")],
    ["/exhibitions/", _("Exhibitions")],
    ["/case-studies/", _("Case studies")],
    ["/transparency/", _("Transparency")],
  ];
}

function isCurrent(href) {
  const path = window.location.pathname;
  return href === "/" ? path === "/" || path === "/index.html" : path.startsWith(href);
}

/** A select and a button, not a select that reloads on change: arrowing through the
 * options by keyboard must not switch the page under the visitor (WCAG 3.2.2). */
function languageSwitcher(locales, current) {
  const control = h(
    "select",
    { id: "language", name: "language", autocomplete: "off" },
    locales.map((locale) =>
      h("option", { value: locale.code, lang: locale.languageTag, selected: locale.code === current || null }, locale.nativeName),
    ),
  );
  const apply = () => {
    if (control.value === current) return;
    rememberLocale(control.value);
    window.location.reload();
  };
  // A group rather than a form: pages find their own form and submit button unambiguously.
  return h(
    "div",
    { class: "language", role: "group", "aria-labelledby": "language-label" },
    h("label", { for: "language", id: "language-label" }, _("Language")),
    control,
    h("button", { type: "button", class: "language-button", onclick: apply }, _("Change")),
  );
}

function renderHeader(shell, current) {
  const header = document.getElementById("site-header");
  const name = shell?.instance?.name || "Aidbridge";
  const account = shell?.me
    ? h("a", { href: "/account/", "aria-current": isCurrent("/account/") ? "page" : null }, _("My account"))
    : h("a", { href: "/login/", "aria-current": isCurrent("/login/") ? "page" : null }, _("Log in"));
  clear(
    header,
    h("a", { class: "skip-link", href: "#main" }, _("Skip to main content")),
    h(
      "div",
      { class: "header-bar" },
      h("a", { href: "/", class: "brand" }, h("img", { src: "/assets/icon.svg", alt: "", width: 28, height: 28 }), name),
      shell?.locales ? languageSwitcher(shell.locales, current) : null,
    ),
    h(
      "nav",
      { class: "site-nav", "aria-label": _("Main") },
      h(
        "ul",
        { class: "nav-list" },
        navigation().map(([href, label]) =>
          h("li", {}, h("a", { href, "aria-current": isCurrent(href) ? "page" : null }, label)),
        ),
        h("li", { class: "nav-account" }, account),
      ),
    ),
  );
}

function renderFooter(shell) {
  const footer = document.getElementById("site-footer");
  clear(
    footer,
    h(
      "div",
      { class: "footer-inner" },
      h("p", {}, shell?.instance?.name || "Aidbridge"),
      h(
        "ul",
        { class: "footer-links" },
        h("li", {}, h("a", { href: "/transparency/" }, _("Where the money goes"))),
        h("li", {}, h("a", { href: "/graphql" }, _("Open data: the GraphQL API"))),
      ),
      h("p", { class: "small" }, _("Free software under the Apache License 2.0.")),
    ),
  );
}

export function setTitle(title, shell) {
  const site = shell?.instance?.name || "Aidbridge";
  document.title = title ? `${title} · ${site}` : site;
}

/** The error state: what went wrong, in the visitor's language, and a way to retry;
 * level 1 when it is all the page has to say. */
export function errorState(error, retry, level = 2) {
  const code = error instanceof ApiError ? error.code : "ERROR";
  const message = error instanceof ApiError ? error.message : _("Something went wrong on this page.");
  return h(
    "div",
    { class: "state state-error", role: "alert", "data-code": code },
    h(`h${level}`, {}, code === "NOT_FOUND" ? _("Not found") : _("This could not be loaded")),
    h("p", {}, message),
    retry ? h("button", { type: "button", class: "button secondary", onclick: retry }, _("Try again")) : null,
  );
}

/**
 * "Load more" under a list: `fetchPage(cursor)` gives the next page (a connection), each
 * node is drawn with `draw` and appended to `list`, the first new item takes the focus
 * (`focus`, the item itself by default) and `announcement` is read out when given; a
 * failure shows the error state, whose "Try again" offers the button again. Returns the
 * elements to place under the list.
 */
export function loadMore({ list, pageInfo, label, fetchPage, draw, announcement = null, focus = (item) => item }) {
  const slot = h("p", { class: "load-more" });
  const status = announcement ? h("p", { class: "visually-hidden", role: "status" }) : null;
  let current = pageInfo;
  const show = () => {
    slot.replaceChildren();
    if (!current.hasNextPage) return;
    const button = h("button", { type: "button", class: "button secondary" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = _("Loading…");
      try {
        const next = await fetchPage(current.endCursor);
        const items = next.nodes.map(draw);
        list.append(...items);
        current = next.pageInfo;
        if (status) status.textContent = announcement;
        show();
        const target = items[0] && focus(items[0]);
        if (target) focusRegion(target);
      } catch (error) {
        const failure = errorState(error, show);
        slot.replaceChildren(failure);
        focusRegion(failure);
      }
    });
    slot.append(button);
  };
  show();
  return status ? [slot, status] : [slot];
}

export function emptyState(message) {
  return h("div", { class: "state state-empty" }, h("p", {}, message));
}

export function loadingState() {
  return h("div", { class: "state state-loading", role: "status" }, _("Loading…"));
}

/**
 * Start a page: choose the locale, load its catalog and the page's data in parallel,
 * draw the shell, then `render(data, main)`. `load` returns the page's data (usually one
 * request whose document spreads `...Shell`); errors show the error state with a retry.
 * With `failureHeading` (text, or a function giving it once the catalog is loaded) the
 * error state sits under that h1, so the page keeps its one heading when its data fails.
 */
export async function startPage({ load, render, title, failureHeading }) {
  const locale = preferredLocale();
  setLocale(locale);
  const root = document.documentElement;
  root.lang = languageTag(locale);
  root.dir = CATALOGS[locale]?.direction || "ltr";
  const main = document.getElementById("main");
  main.setAttribute("aria-busy", "true");
  const catalog = loadCatalog(locale).catch(() => null);
  const run = async () => {
    let data = null;
    let failure = null;
    try {
      data = await load();
    } catch (error) {
      failure = error;
    }
    await catalog;
    if (failure instanceof Error) failure.message = retranslate(failure.message);
    const shell = data || (await request("PageShell").catch(() => null));
    renderHeader(shell, locale);
    renderFooter(shell);
    setTitle(typeof title === "function" ? title(data) : title, shell);
    main.removeAttribute("aria-busy");
    if (failure) {
      const retry = () => { clear(main, loadingState()); run(); };
      if (failureHeading) {
        const text = typeof failureHeading === "function" ? failureHeading() : failureHeading;
        clear(main, h("h1", {}, text), errorState(failure, retry));
      } else {
        clear(main, errorState(failure, retry, 1));
      }
      return;
    }
    clear(main);
    await render(data, main);
  };
  await run();
}

export function isLoggedIn() {
  return Boolean(token());
}

export function heading(text, level = 1) {
  return h(`h${level}`, {}, text);
}

export { focusRegion };
