// UI strings from the catalogs generated from the project's .po files; numbers, money and
// dates are never formatted here: the API formats them in the same locale.
import { CATALOGS } from "../generated/catalogs.js";

const STORAGE_KEY = "aidbridge.locale";
let catalog = { locale: "en", direction: "ltr", plural: { one: 0, other: 1 }, messages: {} };
let pluralRules = new Intl.PluralRules("en");
// Messages asked for while the locale's catalog was still loading (a page's data can come
// back first): their source and parameters, so they can be translated once it is there.
let catalogPending = false;
const early = new Map();

export function availableLocales() {
  return Object.keys(CATALOGS);
}

/** The locale to show: the visitor's choice, else the browser's first match, else English. */
export function preferredLocale() {
  const chosen = safeStorage()?.getItem(STORAGE_KEY);
  if (chosen && CATALOGS[chosen]) return chosen;
  for (const tag of navigator.languages || []) {
    const match = matchLocale(tag);
    if (match) return match;
  }
  return CATALOGS.en ? "en" : availableLocales()[0];
}

export function matchLocale(tag) {
  const [language, ...rest] = tag.replace("-", "_").split("_");
  const codes = availableLocales();
  if (CATALOGS[tag]) return tag;
  if (language === "zh") {
    const traditional = rest.some((part) => ["Hant", "TW", "HK", "MO"].includes(part));
    return codes.find((code) => code === (traditional ? "zh_Hant" : "zh_Hans")) || null;
  }
  return codes.find((code) => code.split("_")[0] === language) || null;
}

export function rememberLocale(locale) {
  safeStorage()?.setItem(STORAGE_KEY, locale);
}

export async function loadCatalog(locale) {
  const entry = CATALOGS[locale];
  try {
    if (!entry) return;
    const response = await fetch(entry.url);
    if (!response.ok) throw new Error(`catalog ${locale}: HTTP ${response.status}`);
    catalog = await response.json();
    pluralRules = new Intl.PluralRules(locale.replace("_", "-"));
  } finally {
    catalogPending = false;
  }
}

/** `text` in the loaded catalog's language when it was made by `_` before the catalog
 * arrived (e.g. the message of an error thrown while loading a page), else unchanged. */
export function retranslate(text) {
  const source = early.get(text);
  early.clear();
  return source ? _(source[0], source[1]) : text;
}

/** Use `locale` now (for API requests) while its catalog is still loading. */
export function setLocale(locale) {
  catalog = { ...catalog, locale, direction: CATALOGS[locale]?.direction || "ltr" };
  catalogPending = true;
  early.clear();
}

export function currentLocale() {
  return catalog.locale;
}

export function direction() {
  return catalog.direction;
}

/** The BCP 47 tag of the current locale, for `lang` attributes. */
export function languageTag(locale = catalog.locale) {
  return locale.replace("_", "-");
}

function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

export function _(message, params) {
  const text = catalog.messages[message];
  const result = fill(typeof text === "string" ? text : message, params);
  if (catalogPending) early.set(result, [message, params]);
  return result;
}

export function pgettext(context, message, params) {
  const text = catalog.messages[`${context}\u0004${message}`];
  return fill(typeof text === "string" ? text : message, params);
}

/** A counted message; `n` picks the form, `params.count` shows it (already formatted). */
export function ngettext(singular, plural, n, params) {
  const forms = catalog.messages[singular];
  if (Array.isArray(forms)) {
    const index = catalog.plural[pluralRules.select(n)] ?? forms.length - 1;
    return fill(forms[Math.min(index, forms.length - 1)], params);
  }
  return fill(n === 1 ? singular : plural, params);
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
