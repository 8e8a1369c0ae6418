// Typed amounts to integer minor units, by string arithmetic: money never passes through a
// floating-point number. The API formats every amount it sends back.

/** Digits after the decimal separator the currency has (2 for USD, 0 for JPY). */
export function currencyExponent(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

function asciiDigits(text) {
  return text
    .normalize("NFKC") // full-width digits and dots (１２．５) become ASCII
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660)) // Arabic-Indic
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0)) // Persian
    .replace(/\u066b/g, ".") // Arabic decimal separator
    .replace(/[\s\u066c']/g, ""); // spaces and Arabic thousands separators
}

/**
 * `{minor}` for a typed amount ("25", "25.5", "25,50"), or `{error}`: "empty", "invalid",
 * "precision" (more decimals than the currency has), "zero" or "large" (above `max`).
 */
export function toMinorUnits(text, exponent, max) {
  const clean = asciiDigits(text || "");
  if (!clean) return { error: "empty" };
  const match = /^(\d*)(?:[.,](\d*))?$/.exec(clean);
  if (!match || !(match[1] + (match[2] || ""))) return { error: "invalid" };
  const whole = match[1];
  const fraction = match[2] || "";
  if (fraction.length > exponent) return { error: "precision" };
  const digits = (whole + fraction.padEnd(exponent, "0")).replace(/^0+(?=\d)/, "");
  const minor = BigInt(digits);
  if (minor === 0n) return { error: "zero" };
  if (max !== undefined && minor > BigInt(max)) return { error: "large" };
  return { minor: Number(minor) };
}
