// One product: its pictures, price and description, who produced it, the share of the
// price that reaches the producing household or village, and "Add to cart".
import { ApiError, request } from "../core/api.js";
import { labelsOf, localized, picture, progressBar } from "../core/cards.js";
import { clear, focusRegion, h, param } from "../core/dom.js";
import { clearErrors, field, showErrors } from "../core/forms.js";
import { _, ngettext } from "../core/i18n.js";
import { startPage } from "../core/layout.js";
import { addToCart, cartLines, isolate, MAX_QUANTITY, parseQuantity } from "./cart-store.js";

async function load() {
  const id = param("id");
  if (!id) throw new ApiError("NOT_FOUND", _("This product is not in the mall: it may have been taken off sale."));
  const data = await request("PageProduct", { id });
  if (!data.node || !data.node.id) {
    throw new ApiError("NOT_FOUND", _("This product is not in the mall: it may have been taken off sale."));
  }
  return data;
}

function shareSentence(product) {
  const values = {
    share: isolate(product.producerShareFormatted),
    amount: isolate(product.producerSharePerUnit.formatted),
    price: isolate(product.price.formatted),
  };
  if (product.producerVillage) {
    return _("{share} of the price reaches {village}, the producing village: {amount} of every {price}.", {
      ...values,
      village: isolate(product.producerVillage.name),
    });
  }
  if (product.producerHousehold) {
    return _("{share} of the price reaches the producing household: {amount} of every {price}.", values);
  }
  return _("{share} of the price reaches the producers: {amount} of every {price}.", values);
}

function producerSection(product, labels) {
  const household = product.producerHousehold;
  const seller = product.seller;
  return h(
    "section",
    { class: "card producer", "aria-labelledby": "producer-title" },
    h("h2", { id: "producer-title" }, _("Who produced it")),
    h("p", { class: "producer-share" }, shareSentence(product)),
    progressBar(product.producerShareBps, _("Share of the price that reaches the producer")),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, _("Sold by")),
      h("dd", {}, _("{seller} ({kind})", { seller: seller.displayName, kind: labels.SellerKind?.[seller.kind] || seller.kind })),
      h("dt", {}, _("Comes from")),
      h("dd", {}, _("{region} ({level})", { region: product.originRegion.name, level: product.originRegion.levelName })),
      product.producerVillage
        ? [
            h("dt", {}, _("Producing village")),
            h("dd", {}, _("{region} ({level})", { region: product.producerVillage.name, level: product.producerVillage.levelName })),
          ]
        : null,
      household
        ? [
            h("dt", {}, _("Producing household")),
            h(
              "dd",
              {},
              ngettext("Household {code} · {count} person · {region}", "Household {code} · {count} people · {region}", household.membersCount, {
                code: household.publicCode,
                count: household.membersCountFormatted,
                region: household.region.name,
              }),
              household.causes.length
                ? h("span", { class: "tags producer-causes" }, household.causes.map((cause) => [" ", h("span", { class: "badge" }, cause.label)]))
                : null,
            ),
          ]
        : null,
    ),
  );
}

function cartForm(product) {
  const max = Math.min(product.stock, MAX_QUANTITY);
  const result = h("div", { class: "cart-result" });
  const form = h(
    "form",
    { class: "add-to-cart", novalidate: true },
    field({
      name: "quantity",
      label: _("Quantity"),
      hint: _("One unit is {unit}.", { unit: product.unit }),
      type: "number",
      inputmode: "numeric",
      min: 1,
      max,
      step: 1,
      value: "1",
      required: true,
      class: "quantity-input",
    }),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, _("Add to cart"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = form.elements.namedItem("quantity");
    const inCart = cartLines().find((line) => line.product === product.id)?.quantity || 0;
    const quantity = parseQuantity(input.value, max - inCart);
    if (quantity === null) {
      const message =
        inCart && parseQuantity(input.value, max) !== null
          ? _("Your cart already holds as many as are in stock.")
          : _("Enter a whole number of units, at least 1 and no more than are in stock.");
      showErrors(form, [{ field: "quantity", message }]);
      return;
    }
    addToCart(product.id, quantity);
    clear(
      result,
      h(
        "div",
        { class: "notice", role: "status" },
        h("p", {}, _("Added to your cart.")),
        h("p", {}, h("a", { href: "/cart/", class: "button" }, _("Go to your cart")), " ", h("a", { href: "/mall/" }, _("Keep shopping"))),
      ),
    );
    focusRegion(result.firstChild);
  });
  return [form, result];
}

function render(data, main) {
  const product = data.node;
  const labels = labelsOf(data.enumLabels);
  const onSale = product.status === "ACTIVE" && product.inStock;
  const pictures = product.images.map((image, index) =>
    picture(image, {
      alt: _("Picture of {name}", { name: product.name.text }),
      sizes: index ? "(min-width: 44em) 20rem, 50vw" : "(min-width: 44em) 40rem, 100vw",
      className: index ? "product-photo secondary" : "product-photo",
      eager: index === 0,
    }),
  );
  main.append(
    h("p", { class: "back-link" }, h("a", { href: "/mall/" }, _("Back to the mall"))),
    h("article", { class: "product-page" },
      h("h1", {}, localized(product.name)),
      pictures.length ? h("div", { class: "product-photos" }, pictures) : null,
      h("p", { class: "money product-price" }, _("{price} for {unit}", { price: isolate(product.price.formatted), unit: isolate(product.unit) })),
      h("p", { class: "meta" }, onSale ? _("In stock") : _("Sold out: it cannot be ordered now.")),
      onSale ? cartForm(product) : null,
      producerSection(product, labels),
      product.description.text
        ? h(
            "section",
            { "aria-labelledby": "about-title" },
            h("h2", { id: "about-title" }, _("About this product")),
            h("p", { class: "product-description" }, localized(product.description)),
          )
        : null,
    ),
  );
}

startPage({ load, render, title: (data) => (data && data.node ? data.node.name.text : _("Product")), failureHeading: () => _("Product") });
