// The cart: what the visitor chose, kept in this browser, priced afresh by the API on every
// visit (a stored price is never trusted). One order per seller, placed with orderPlace; its
// total is the API's, shown on the order page.
import { ApiError, mutate, request } from "../core/api.js";
import { localized } from "../core/cards.js";
import { append, clear, focusRegion, h, uniqueId } from "../core/dom.js";
import { clearErrors, field, select, showErrors, submitting } from "../core/forms.js";
import { _, ngettext } from "../core/i18n.js";
import { emptyState, isLoggedIn, startPage } from "../core/layout.js";
import { cartLines, isolate, MAX_QUANTITY, parseQuantity, rememberInstructions, removeFromCart, setQuantity } from "./cart-store.js";

const LOGIN_URL = `/login/?next=${encodeURIComponent("/cart/")}`;
// One idempotency key per intended order, reused when the same order is sent again.
const keys = new Map();
// What the checkout knows across redraws: the providers offered, the address typed.
const checkoutState = { providers: [], address: "" };
// The quantities as the API writes them for the visitor's locale, by number: the cart lives
// in this browser, yet its numbers read like every other number on the site.
const quantityTexts = new Map();

function keyFor(input) {
  const signature = JSON.stringify(input);
  if (!keys.has(signature)) keys.set(signature, crypto.randomUUID());
  return keys.get(signature);
}

/** Asks the API to write the quantities it has not written yet. */
async function writeQuantities(numbers) {
  const missing = [...new Set(numbers)].filter((number) => !quantityTexts.has(number)).slice(0, 100);
  if (!missing.length) return;
  try {
    const { quantities } = await request("CartQuantities", { quantities: missing });
    missing.forEach((number, index) => quantityTexts.set(number, quantities[index]));
  } catch {
    // The API cannot be reached: the line shows the digits as typed, never a stale quantity.
  }
}

async function load() {
  const lines = cartLines();
  const quantities = [...new Set(lines.map((line) => line.quantity))].slice(0, 100);
  const data = await request("PageCart", { ids: lines.map((line) => line.product), quantities });
  quantities.forEach((number, index) => quantityTexts.set(number, data.quantities[index]));
  // Lines above the stock are shown at the stock: those numbers are written too.
  await writeQuantities(groupsOf(data.nodes || []).groups.flatMap((group) => group.lines.map((line) => line.quantity)));
  return data;
}

/** The cart's lines with their products, grouped by seller; gone products dropped. */
function groupsOf(products) {
  const byId = new Map(products.filter((product) => product && product.id).map((product) => [product.id, product]));
  const groups = new Map();
  const gone = [];
  for (const line of cartLines()) {
    const product = byId.get(line.product);
    if (!product || !product.inStock) {
      gone.push(line.product);
      continue;
    }
    const seller = product.seller;
    if (!groups.has(seller.id)) groups.set(seller.id, { seller, lines: [] });
    groups.get(seller.id).lines.push({ product, quantity: Math.min(line.quantity, product.stock) });
  }
  return { groups: [...groups.values()], gone };
}

function lineTotal(line) {
  return _("{price} × {quantity}", { price: isolate(line.product.price.formatted), quantity: quantityTexts.get(line.quantity) ?? line.quantity });
}

function render(data, main) {
  main.append(h("h1", { id: "cart-title", tabindex: "-1" }, _("Your cart")));
  const { groups, gone } = groupsOf(data.nodes || []);
  const status = h("div", { role: "status", class: "cart-status" });
  main.append(status);
  if (gone.length) {
    removeFromCart(...gone);
    status.append(h("p", { class: "notice" }, _("Some products in your cart are no longer on sale and were taken out of it.")));
  }
  const body = h("div", { class: "cart-body" });
  main.append(body);
  checkoutState.providers = data.paymentProviders || [];
  drawCart(body, groups, status);
}

function drawCart(body, groups, status) {
  if (!groups.length) {
    clear(body, emptyState(_("Your cart is empty.")), h("p", {}, h("a", { href: "/mall/" }, _("Find products in the mall"))));
    return;
  }
  const form = h("form", { class: "cart-form", novalidate: true });
  append(form, [
    groups.length > 1
      ? h("p", { class: "notice" }, _("Your cart holds products of several sellers: each seller gets its own order, paid on its own."))
      : null,
    groups.map((group, index) => groupTable(group, index, () => {
      const left = groups.map((g) => ({ ...g, lines: g.lines.filter((line) => cartLines().some((l) => l.product === line.product.id)) })).filter((g) => g.lines.length);
      drawCart(body, left, status);
    }, status)),
    h("p", { class: "meta" }, _("Prices are today's. The total is worked out when you place the order, and shown on the order page.")),
    checkout(groups),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    placeOrders(form, groups, body, status);
  });
  clear(body, form);
}

function groupTable(group, index, redraw, status) {
  const titleId = uniqueId("seller");
  return h(
    "section",
    { class: "cart-group", "aria-labelledby": titleId },
    h("h2", { id: titleId }, _("From {seller}", { seller: group.seller.displayName })),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "cart-table" },
        h("caption", { class: "visually-hidden" }, _("Products from {seller}", { seller: group.seller.displayName })),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, _("Product")), h("th", { scope: "col" }, _("Quantity")), h("th", { scope: "col" }, _("Price × quantity"))),
        ),
        h("tbody", {}, group.lines.map((line, position) => lineRow(line, `${index}-${position}`, redraw, status))),
      ),
    ),
  );
}

function lineRow(line, key, redraw, status) {
  const product = line.product;
  const nameId = `line-name-${key}`;
  const total = h("td", { class: "line-total" }, lineTotal(line));
  const max = Math.min(product.stock, MAX_QUANTITY);
  const quantity = h("input", {
    type: "number",
    id: `field-quantity-${key}`,
    name: `quantity-${key}`,
    class: "quantity-input",
    inputmode: "numeric",
    min: 1,
    max,
    step: 1,
    value: String(line.quantity),
    "data-product": product.id,
  });
  const wrapper = h(
    "div",
    { class: "field cart-quantity", "data-field": `quantity-${key}` },
    h("label", { for: quantity.id, class: "visually-hidden" }, _("Quantity of {name}", { name: product.name.text })),
    quantity,
  );
  const commit = () => {
    const value = parseQuantity(quantity.value, max);
    const form = quantity.form;
    if (value === null) {
      if (form) showErrors(form, [{ field: `quantity-${key}`, message: _("Enter a whole number of units, at least 1 and no more than are in stock.") }]);
      return false;
    }
    if (form) clearErrors(form);
    line.quantity = value;
    setQuantity(product.id, value);
    writeQuantities([value]).then(() => {
      if (line.quantity === value) total.textContent = lineTotal(line);
    });
    return true;
  };
  quantity.addEventListener("change", commit);
  quantity.addEventListener("keydown", (event) => {
    // Enter here confirms the quantity; placing the order is the button's job.
    if (event.key === "Enter") {
      event.preventDefault();
      commit();
    }
  });
  const remove = h("button", { type: "button", class: "button secondary small-button", "aria-describedby": nameId }, _("Remove"));
  remove.addEventListener("click", () => {
    removeFromCart(product.id);
    clear(status, h("p", {}, _("{name} was taken out of your cart.", { name: product.name.text })));
    redraw();
    focusRegion(document.getElementById("cart-title"));
  });
  return h(
    "tr",
    {},
    h("td", { id: nameId }, h("a", { href: `/product/?id=${encodeURIComponent(product.id)}` }, localized(product.name)), h("span", { class: "meta unit" }, ` ${product.unit}`)),
    h("td", {}, wrapper, remove),
    total,
  );
}

function checkout(groups) {
  const section = h("section", { class: "checkout", "aria-labelledby": "checkout-title" }, h("h2", { id: "checkout-title" }, _("Place your order")));
  if (!isLoggedIn()) {
    section.append(
      h("p", { class: "notice" }, _("Log in to place your order; your cart stays here.")),
      h("p", {}, h("a", { class: "button", href: LOGIN_URL }, _("Log in to order"))),
    );
    return section;
  }
  const names = checkoutState.providers.map((provider) => provider.name);
  section.append(
    field({
      name: "shippingAddress",
      label: _("Where to send it"),
      hint: _("The full postal address; only the seller sees it."),
      control: h("textarea", {
        rows: 3,
        maxlength: 500,
        autocomplete: "shipping street-address",
        value: checkoutState.address,
        oninput: (event) => { checkoutState.address = event.target.value; },
      }),
      required: true,
    }),
    field({
      name: "provider",
      label: _("How you will pay"),
      control: select(names.map((name) => [name, providerLabel(name)]), names.includes("offline") ? "offline" : names[0]),
      required: true,
    }),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, ngettext("Place the order", "Place the orders", groups.length))),
  );
  return section;
}

function providerLabel(name) {
  if (name === "offline") return _("Bank transfer, cash or mobile money (offline)");
  if (name === "webhook") return _("Online payment");
  return name;
}

async function placeOrders(form, groups, body, status) {
  clearErrors(form);
  const problems = [];
  for (const input of form.querySelectorAll("input.quantity-input")) {
    if (parseQuantity(input.value, Number(input.max)) === null) {
      problems.push({ field: input.name, message: _("Enter a whole number of units, at least 1 and no more than are in stock.") });
    }
  }
  const address = String(form.elements.namedItem("shippingAddress").value || "").trim();
  checkoutState.address = address;
  if (!address) problems.push({ field: "shippingAddress", message: _("Enter the address to send the order to.") });
  if (problems.length) {
    showErrors(form, problems);
    return;
  }
  const provider = form.elements.namedItem("provider").value;
  const placed = [];
  const errors = [];
  await submitting(form, async () => {
    for (const group of groups) {
      const input = {
        lines: group.lines.map((line) => ({ product: line.product.id, quantity: line.quantity })),
        shippingAddress: address,
        provider,
      };
      let payload;
      try {
        payload = await mutate("MallOrderPlace", { input: { ...input, idempotencyKey: keyFor(input) } }, "orderPlace");
      } catch (error) {
        errors.push({ message: error instanceof ApiError ? error.message : _("Something went wrong on this page.") });
        break;
      }
      if (payload.errors.length) {
        for (const error of payload.errors) {
          const own = error.field === "shippingAddress" || error.field === "provider";
          errors.push(
            own || groups.length === 1
              ? { field: own ? error.field : null, message: error.message }
              : { message: _("Order from {seller}: {message}", { seller: group.seller.displayName, message: error.message }) },
          );
        }
        continue;
      }
      const order = payload.order;
      rememberInstructions(order.id, payload.paymentInstructions);
      removeFromCart(...input.lines.map((line) => line.product));
      placed.push({ order, seller: group.seller });
    }
  });
  if (placed.length === groups.length && placed.length === 1) {
    window.location.assign(`/order/?id=${encodeURIComponent(placed[0].order.id)}`);
    return;
  }
  if (placed.length) {
    clear(
      status,
      h(
        "div",
        { class: "notice" },
        h("p", {}, ngettext("Your order was placed:", "Your orders were placed:", placed.length)),
        h("ul", {}, placed.map((item) => h("li", {}, h("a", { href: `/order/?id=${encodeURIComponent(item.order.id)}` }, _("Order from {seller}", { seller: item.seller.displayName }))))),
      ),
    );
  }
  if (errors.length) {
    const left = groups.filter((group) => !placed.some((item) => item.seller.id === group.seller.id));
    if (placed.length) {
      drawCart(body, left, status);
    }
    const current = body.querySelector("form.cart-form") || form;
    showErrors(current, errors);
  } else {
    drawCart(body, [], status);
    focusRegion(status);
  }
}

startPage({ load, render, title: () => _("Your cart"), failureHeading: () => _("Your cart") });
