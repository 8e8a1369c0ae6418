// Back a campaign: an amount (a few suggestions or any amount), named or anonymous, how to
// pay; guests welcome. The answer shows the backing's status, the payment reference to quote
// and, once the money arrived, the receipt number. The payment reference is kept in this
// tab's sessionStorage, never in the address.
import { ApiError, mutate, request } from "../core/api.js";
import { labelsOf, localized, progressBar } from "../core/cards.js";
import { focusRegion, h, param } from "../core/dom.js";
import { clearErrors, field, radio, showErrors, submitting } from "../core/forms.js";
import { currencyExponent, toMinorUnits } from "../core/money.js";
import { _ } from "../core/i18n.js";
import { isLoggedIn, startPage } from "../core/layout.js";

// Suggested amounts, in major units of the campaign's currency.
const STORAGE_PREFIX = "aidbridge.backing.";

async function load() {
  const id = param("campaign");
  if (!id) throw new ApiError("NOT_FOUND", _("No campaign was given. Choose one from the list of campaigns."));
  const data = await request("PageBack", { id });
  if (!data.node || !data.node.fundingModel) {
    throw new ApiError("NOT_FOUND", _("This campaign does not exist, or it is not public."));
  }
  await refreshEarlier(data.node.id, data.enumLabels);
  return data;
}

/** A backing this tab made is followed by its ID and payment reference, so its status and
 * receipt number are fresh once the money arrives (a guest has no other way to read it). */
async function refreshEarlier(campaignId, enumLabels) {
  const earlier = stored(campaignId);
  if (!earlier?.id || !earlier.reference) return;
  const answer = await request("BackingByReference", { id: earlier.id, paymentReference: earlier.reference }).catch(() => null);
  const backing = answer?.backingByPaymentReference;
  if (!backing) return;
  const labels = labelsOf(enumLabels);
  store(campaignId, {
    ...earlier,
    status: backing.status,
    statusLabel: labels.BackingStatus?.[backing.status] || backing.status,
    receiptNumber: backing.receiptNumber,
    instructions: backing.status === "PENDING" ? earlier.instructions : null,
    checkoutUrl: backing.status === "PENDING" ? earlier.checkoutUrl : null,
  });
}

function example(exponent) {
  return exponent ? `12.${"5".padEnd(exponent, "0")}` : "12";
}

function providerLabel(name) {
  if (name === "offline") return _("Bank transfer or cash");
  if (name === "webhook") return _("Pay online");
  return name;
}

function stored(campaignId) {
  try {
    const text = window.sessionStorage.getItem(STORAGE_PREFIX + campaignId);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function store(campaignId, result) {
  try {
    window.sessionStorage.setItem(STORAGE_PREFIX + campaignId, JSON.stringify(result));
  } catch {
    // Private browsing may refuse storage: the result is still on the page.
  }
}

function outcome(result, title, campaignId) {
  const checkout = result.checkoutUrl && /^https?:\/\//.test(result.checkoutUrl) ? result.checkoutUrl : null;
  return h(
    "section",
    { class: "backing-result card", "aria-labelledby": "result-title" },
    h("h2", { id: "result-title" }, title),
    h(
      "dl",
      { class: "backing-facts" },
      h("div", {}, h("dt", {}, _("Status")), h("dd", { class: "backing-status" }, result.statusLabel)),
      h("div", {}, h("dt", {}, _("Amount")), h("dd", { class: "money" }, result.amount)),
      h("div", {}, h("dt", {}, _("Payment reference")), h("dd", {}, h("code", { class: "payment-reference" }, result.reference))),
      h(
        "div",
        {},
        h("dt", {}, _("Receipt number")),
        h("dd", { class: "receipt-number" }, result.receiptNumber || _("Issued as soon as your payment arrives.")),
      ),
    ),
    result.instructions ? h("p", { class: "notice payment-instructions" }, result.instructions) : null,
    checkout ? h("p", {}, h("a", { class: "button", href: checkout, rel: "noopener" }, _("Continue to the payment page"))) : null,
    h("p", { class: "meta" }, _("Keep the payment reference: it is shown on this page only while this tab stays open.")),
    h("p", {}, h("a", { href: `/campaign/?id=${encodeURIComponent(campaignId)}` }, _("Back to the campaign"))),
  );
}

function render(data, main) {
  const campaign = data.node;
  const labels = labelsOf(data.enumLabels);
  const currency = campaign.goal.currency;
  const exponent = currencyExponent(currency);
  const providers = data.paymentProviders;
  const earlier = stored(campaign.id);

  main.append(
    h("h1", {}, _("Back this campaign")),
    h(
      "section",
      { class: "card back-campaign", "aria-label": _("The campaign") },
      h("p", { class: "back-title" }, h("a", { href: `/campaign/?id=${encodeURIComponent(campaign.id)}` }, localized(campaign.title))),
      progressBar(campaign.fundedBasisPoints, _("Raised so far")),
      h("p", { class: "money" }, _("{raised} raised of {goal}", { raised: campaign.raised.formatted, goal: campaign.goal.formatted })),
      h("p", { class: "meta" }, _("Ends {date}", { date: campaign.deadlineFormatted })),
    ),
  );
  if (earlier) main.append(outcome(earlier, _("Your backing in this session"), campaign.id));
  if (campaign.status !== "ACTIVE") {
    main.append(
      h(
        "div",
        { class: "state state-empty" },
        h("p", {}, _("This campaign is not taking backings any more ({status}).", { status: labels.CampaignStatus?.[campaign.status] || campaign.status })),
      ),
    );
    return;
  }

  const amountInput = h("input", { id: "field-amount", name: "amount", type: "text", inputmode: "decimal", autocomplete: "off", "aria-describedby": "field-amount-hint" });
  const amountField = h(
    "div",
    { class: "field", "data-field": "amount" },
    h("label", { for: "field-amount" }, _("Another amount in {currency}", { currency })),
    h("p", { class: "hint", id: "field-amount-hint" }, _("For example {example}.", { example: example(exponent) })),
    amountInput,
  );
  const loggedIn = isLoggedIn();
  const form = h(
    "form",
    { id: "back-form", novalidate: true, "aria-labelledby": "form-title" },
    h("h2", { id: "form-title" }, _("Your backing")),
    h(
      "fieldset",
      { class: "field", "data-field": "preset" },
      h("legend", {}, _("How much would you like to give?")),
      h(
        "div",
        { class: "choices" },
        // The instance's suggested amounts in the campaign's currency, as the API writes them.
        data.instance.suggestedAmounts
          .filter((money) => money.currency === currency)
          .map((money) => radio("preset", String(money.amountMinor), money.formatted)),
        radio("preset", "OTHER", _("Another amount")),
      ),
    ),
    amountField,
    h(
      "fieldset",
      { class: "field" },
      h("legend", {}, _("How should your backing be listed?")),
      h(
        "div",
        { class: "choices" },
        radio("visibility", "NAMED", _("With my name"), { checked: true }),
        radio("visibility", "ANONYMOUS", _("Anonymously")),
      ),
    ),
    field({
      name: "backerName",
      label: _("Your name"),
      autocomplete: "name",
      maxlength: 120,
      hint: loggedIn
        ? _("Shown on the list of backers. Leave it empty to use your account's name.")
        : _("Shown on the list of backers. Needed unless you back anonymously."),
    }),
    field({
      name: "message",
      label: _("A message to the campaign"),
      control: h("textarea", { rows: 3, maxlength: 500 }),
    }),
    h(
      "fieldset",
      { class: "field", "data-field": "provider" },
      h("legend", {}, _("How will you pay?")),
      h("div", { class: "choices" }, providers.map((provider, index) => radio("provider", provider.name, providerLabel(provider.name), { checked: index === 0 }))),
    ),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, _("Back this campaign"))),
  );
  amountInput.addEventListener("input", () => {
    if (amountInput.value.trim()) form.querySelector("#preset-other").checked = true;
  });

  // One key per intended backing: a retry of the same input reuses it (the API answers with
  // the first backing), a changed input is a new intention.
  let attempt = { input: null, key: null };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = new FormData(form);
    const preset = values.get("preset");
    const typed = String(values.get("amount") || "");
    const errors = [];
    let amountMinor = null;
    if (preset && preset !== "OTHER") amountMinor = Number.parseInt(preset, 10);
    else if (!typed.trim()) errors.push({ field: "amount", message: _("Choose an amount, or type the amount you want to give.") });
    else {
      amountMinor = toMinorUnits(typed, exponent).minor ?? null;
      if (amountMinor === null) {
        errors.push({ field: "amount", message: _("Enter the amount as a number, for example {example}.", { example: example(exponent) }) });
      } else if (amountMinor === 0) {
        errors.push({ field: "amount", message: _("Enter an amount greater than zero.") });
      }
    }
    if (!values.get("provider")) errors.push({ field: "provider", message: _("Choose how you will pay.") });
    if (errors.length) {
      showErrors(form, errors);
      return;
    }
    const input = {
      campaign: campaign.id,
      amount: { amountMinor, currency },
      provider: String(values.get("provider")),
      anonymous: values.get("visibility") === "ANONYMOUS",
      backerName: String(values.get("backerName") || "").trim() || null,
      message: String(values.get("message") || "").trim() || null,
    };
    const fingerprint = JSON.stringify(input);
    if (attempt.input !== fingerprint) attempt = { input: fingerprint, key: crypto.randomUUID() };
    await submitting(form, async () => {
      let payload;
      try {
        payload = await mutate("BackCampaign", { input: { ...input, idempotencyKey: attempt.key } }, "campaignBack");
      } catch (error) {
        showErrors(form, [{ message: error.message }]);
        return;
      }
      if (payload.errors.length) {
        // The API names nested fields (amount.amountMinor); the form has one amount field.
        showErrors(form, payload.errors.map((error) => ({ ...error, field: error.field?.split(".")[0] })));
        return;
      }
      const backing = payload.backing;
      const result = {
        id: backing.id,
        status: backing.status,
        statusLabel: labels.BackingStatus?.[backing.status] || backing.status,
        amount: backing.amount.formatted,
        reference: backing.paymentReference,
        receiptNumber: backing.receiptNumber,
        instructions: payload.paymentInstructions?.text || null,
        checkoutUrl: payload.paymentInstructions?.checkoutUrl || null,
      };
      store(campaign.id, result);
      attempt = { input: null, key: null };
      const section = outcome(result, _("Thank you for backing this campaign"), campaign.id);
      main.querySelector(".backing-result")?.remove();
      form.replaceWith(section);
      focusRegion(section.querySelector("h2"));
    });
  });
  main.append(form);
}

startPage({ load, render, title: () => _("Back this campaign"), failureHeading: () => _("Back this campaign") });
