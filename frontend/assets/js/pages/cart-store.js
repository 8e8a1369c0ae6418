// The mall cart, kept in this browser only: product IDs and quantities, never prices (the
// cart page asks the API for them each time it is shown).
const CART_KEY = "aidbridge.cart";
export const MAX_QUANTITY = 10000;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The lines, `[{product, quantity}]`, dropping anything malformed. */
export function cartLines() {
  let stored;
  try {
    stored = JSON.parse(storage()?.getItem(CART_KEY) || "[]");
  } catch {
    stored = [];
  }
  if (!Array.isArray(stored)) return [];
  const seen = new Set();
  const lines = [];
  for (const line of stored) {
    if (!line || typeof line.product !== "string" || seen.has(line.product)) continue;
    const quantity = Number(line.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) continue;
    seen.add(line.product);
    lines.push({ product: line.product, quantity: Math.min(quantity, MAX_QUANTITY) });
  }
  return lines;
}

function save(lines) {
  storage()?.setItem(CART_KEY, JSON.stringify(lines.map(({ product, quantity }) => ({ product, quantity }))));
}

/** Add `quantity` units of a product (to what is already in the cart). */
export function addToCart(product, quantity) {
  const lines = cartLines();
  const line = lines.find((item) => item.product === product);
  if (line) line.quantity = Math.min(line.quantity + quantity, MAX_QUANTITY);
  else lines.push({ product, quantity });
  save(lines);
}

export function setQuantity(product, quantity) {
  save(cartLines().map((line) => (line.product === product ? { product, quantity } : line)));
}

export function removeFromCart(...products) {
  save(cartLines().filter((line) => !products.includes(line.product)));
}

export function cartCount() {
  return cartLines().length;
}

/** A whole number of units from what the visitor typed, or null. */
export function parseQuantity(text, max = MAX_QUANTITY) {
  const trimmed = String(text).trim();
  if (!/^[0-9]+$/.test(trimmed)) return null;
  const quantity = Number(trimmed);
  return quantity >= 1 && quantity <= max ? quantity : null;
}

/** What orderPlace said about paying an order, kept for its order page in this tab. */
export function rememberInstructions(orderId, instructions) {
  try {
    window.sessionStorage.setItem(`aidbridge.order.${orderId}`, JSON.stringify(instructions));
  } catch {
    /* private mode: the order page falls back to the reference */
  }
}

export function rememberedInstructions(orderId) {
  try {
    return JSON.parse(window.sessionStorage.getItem(`aidbridge.order.${orderId}`) || "null");
  } catch {
    return null;
  }
}

/** Text placed into a sentence kept whole in either direction (Unicode isolates), so
 * "US$ 28.90" or "300 g jar" do not break apart inside Arabic. */
export function isolate(text) {
  return `\u2068${text}\u2069`;
}
