// One order of the logged-in buyer: where it is, what was bought at which price, the part
// of each line that reaches the producer, and how to pay while it waits for the money.
import { ApiError, request } from "../core/api.js";
import { labelsOf, localized } from "../core/cards.js";
import { append, h, param } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { isLoggedIn, startPage } from "../core/layout.js";
import { isolate, rememberedInstructions } from "./cart-store.js";

async function load() {
  const id = param("id");
  try {
    if (!id) throw new ApiError("NOT_FOUND", _("There is no such order among yours."));
    if (!isLoggedIn()) return { ...(await request("PageShell")), loginNeeded: id };
    const data = await request("PageOrder", { id });
    if (!data.node || !data.node.id) throw new ApiError("NOT_FOUND", _("There is no such order among yours."));
    return data;
  } catch (failure) {
    if (failure instanceof ApiError && failure.code === "UNAUTHENTICATED") {
      return { ...(await request("PageShell").catch(() => null)), loginNeeded: id };
    }
    throw failure;
  }
}

function statusText(status) {
  switch (status) {
    case "PLACED":
      return _("The products are set aside for you. The order goes ahead once your payment arrives.");
    case "PAID":
      return _("Your payment arrived. The seller is preparing the order.");
    case "SHIPPED":
      return _("The seller sent the order.");
    case "DELIVERED":
      return _("The order was delivered.");
    case "COMPLETED":
      return _("The order is complete: the money went to the producers and the seller.");
    case "CANCELLED":
      return _("The order was cancelled.");
    default:
      return "";
  }
}

function paymentSection(order) {
  if (order.status !== "PLACED") return null;
  const stored = rememberedInstructions(order.id);
  const text =
    stored?.text ||
    _("Pay {total} quoting the reference {reference}.", { total: order.total.formatted, reference: order.paymentReference });
  return h(
    "section",
    { class: "notice payment-instructions", "aria-labelledby": "payment-title" },
    h("h2", { id: "payment-title" }, _("How to pay")),
    h("p", {}, text),
    h("p", {}, _("Payment reference: {reference}", { reference: order.paymentReference })),
    stored?.checkoutUrl ? h("p", {}, h("a", { class: "button", href: stored.checkoutUrl, rel: "noopener noreferrer" }, _("Pay online"))) : null,
  );
}

function linesTable(order) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "order-lines" },
      h("caption", { class: "visually-hidden" }, _("What you ordered")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, _("Product")),
          h("th", { scope: "col" }, _("Total")),
          h("th", { scope: "col" }, _("To the producer")),
        ),
      ),
      h(
        "tbody",
        {},
        order.lines.map((line) =>
          h(
            "tr",
            {},
            h(
              "td",
              {},
              h("a", { href: `/product/?id=${encodeURIComponent(line.product.id)}` }, localized(line.product.name)),
              h("span", { class: "meta unit" }, line.product.unit),
              h("span", { class: "meta unit line-quantity" }, _("{price} × {quantity}", { price: isolate(line.unitPrice.formatted), quantity: line.quantityFormatted })),
            ),
            h("td", { class: "money" }, line.total.formatted),
            h("td", { class: "money" }, line.producerShare.formatted),
          ),
        ),
      ),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, _("Order total")), h("td", { class: "money order-total" }, order.total.formatted), h("td", {}))),
    ),
  );
}

function render(data, main) {
  if (data.loginNeeded) {
    const next = `/order/?id=${encodeURIComponent(data.loginNeeded)}`;
    main.append(
      h("h1", {}, _("Your order")),
      h("p", { class: "notice" }, _("Log in to see your order.")),
      h("p", {}, h("a", { class: "button", href: `/login/?next=${encodeURIComponent(next)}` }, _("Log in"))),
    );
    return;
  }
  const order = data.node;
  const labels = labelsOf(data.enumLabels);
  append(main, [
    h("h1", {}, _("Your order from {seller}", { seller: order.seller.displayName })),
    h(
      "p",
      { class: "order-status", "data-status": order.status },
      _("Status: {status}", { status: labels.OrderStatus?.[order.status] || order.status }),
    ),
    h("p", {}, statusText(order.status)),
    h("p", { class: "meta" }, _("Placed on {date}", { date: order.placedAtFormatted })),
    paymentSection(order),
    h("section", { "aria-labelledby": "lines-title" }, h("h2", { id: "lines-title" }, _("What you ordered")), linesTable(order)),
    h(
      "section",
      { "aria-labelledby": "shipping-title" },
      h("h2", { id: "shipping-title" }, _("Where it goes")),
      h("p", { class: "shipping-address" }, order.shippingAddress),
    ),
    h("p", {}, h("a", { href: "/mall/" }, _("Back to the mall"))),
  ]);
}

startPage({
  load,
  render,
  title: (data) => (data?.node ? _("Your order from {seller}", { seller: data.node.seller.displayName }) : _("Your order")),
  failureHeading: () => _("Your order"),
});
