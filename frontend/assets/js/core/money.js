// Typed amounts to integer minor units, by string arithmetic: money never passes through a
// floating-point number. The API formats every amount it sends back.

/** Digits after the decimal separator in `currency` (ISO 4217: 2 for USD, 0 for JPY). */
export function minorDigits(currency) {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}

/**
 * "1,234.5" (or "1 234,5", "١٢٣") to minor units for `currency`, or null when it is not an
 * amount. The locale's decimal separator is the last "." or "," followed by at most the
 * currency's digits; group separators are ignored.
 */
export function toMinorUnits(text, currency) {
  const digits = minorDigits(currency);
  const western = String(text)
    .trim()
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u066b]/g, ".")
    .replace(/[\s\u00a0\u202f\u066c']/g, "");
  if (!/^\d[\d.,]*$/.test(western)) return null;
  let whole = western;
  let fraction = "";
  const match = western.match(/^(.*)[.,](\d+)$/);
  if (match && match[2].length <= digits && digits > 0) {
    whole = match[1];
    fraction = match[2];
  }
  whole = whole.replace(/[.,]/g, "");
  if (!/^\d+$/.test(whole) || whole.length > 15) return null;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt((fraction + "0".repeat(digits)).slice(0, digits) || "0");
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}
