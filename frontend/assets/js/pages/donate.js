// Donate: to the general fund (default), a help request (?request=<id>) or a project
// (?project=<id>); campaigns are backed on /back/. Guests give without an account; the
// answer of donationCreate is kept in this tab (sessionStorage, never the URL) and the
// receipt page shows it with the payment instructions.
import { ApiError, mutate, request } from "../core/api.js";
import { localized, progressBar } from "../core/cards.js";
import { focusRegion, h, param } from "../core/dom.js";
import { clearErrors, field, radio, select, showErrors, submitting } from "../core/forms.js";
import { currencyExponent, toMinorUnits } from "../core/money.js";
import { _, ngettext } from "../core/i18n.js";
import { emptyState, errorState, startPage } from "../core/layout.js";

// Preset gifts, in major units of the currency (minor units are computed per currency).
const DONATION_KEY = "aidbridge.donation.";

function amountMessage(error, exponent) {
  switch (error) {
    case "empty":
      return _("Enter the amount you would like to give.");
    case "precision":
      return exponent === 0
        ? _("This currency has no smaller units: enter a whole number.")
        : ngettext(
            "Use at most {count} digit after the decimal separator.",
            "Use at most {count} digits after the decimal separator.",
            exponent,
            { count: exponent },
          );
    case "zero":
      return _("Enter an amount greater than zero.");
    case "large":
      return _("This amount is larger than one donation may be.");
    default:
      return _("Enter the amount in figures only, for example 25.");
  }
}

// --- Idempotency: one key per intended payment, reused when the same gift is retried ------

function newKey() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let attempt = { fingerprint: null, key: null };

function keyFor(input) {
  const fingerprint = JSON.stringify(input);
  if (attempt.fingerprint !== fingerprint) attempt = { fingerprint, key: newKey() };
  return attempt.key;
}

function keepDonation(payload) {
  try {
    window.sessionStorage.setItem(
      `${DONATION_KEY}${payload.donation.id}`,
      JSON.stringify({ donation: payload.donation, instructions: payload.paymentInstructions }),
    );
  } catch {
    // Storage refused (private mode): the receipt page still reads what the API gives.
  }
}

// --- What the gift goes to -----------------------------------------------------------------

function providerLabel(provider) {
  if (provider.name === "offline") return _("Bank transfer, cash or mobile money");
  if (provider.name === "webhook") return _("Pay online on the payment page");
  return provider.name;
}

function providerHint(provider) {
  return provider.confirmedByCallback
    ? _("You continue to the payment provider's page; your donation is confirmed as soon as it reports the payment.")
    : _("You get the payment details and a reference to quote; your donation is confirmed when the money arrives.");
}

function targetSummary(data) {
  const item = data.node;
  if (data.kind === "request") {
    const household = item.household;
    const percent =
      item.target && item.target.amountMinor > 0
        ? Math.floor((Math.min(item.received.amountMinor, item.target.amountMinor) * 10000) / item.target.amountMinor)
        : 0;
    return h(
      "section",
      { class: "card donate-target", "aria-labelledby": "target-title" },
      h("p", { class: "meta" }, _("Your gift goes to this request for help")),
      h("h2", { id: "target-title" }, h("a", { href: `/request/?id=${encodeURIComponent(item.id)}` }, localized(item.title))),
      household
        ? h(
            "p",
            { class: "meta" },
            ngettext("Household {code} · {count} person · {region}", "Household {code} · {count} people · {region}", household.membersCount, {
              code: household.publicCode,
              count: household.membersCountFormatted,
              region: household.region.name,
            }),
          )
        : null,
      progressBar(percent, _("Received so far")),
      h("p", { class: "money" }, _("Still needed: {remaining} of {target}", { remaining: item.remaining.formatted, target: item.target.formatted })),
    );
  }
  if (data.kind === "project") {
    const percent =
      item.budget.amountMinor > 0
        ? Math.floor((Math.min(item.received.amountMinor, item.budget.amountMinor) * 10000) / item.budget.amountMinor)
        : 0;
    return h(
      "section",
      { class: "card donate-target", "aria-labelledby": "target-title" },
      h("p", { class: "meta" }, _("Your gift goes to this project")),
      h("h2", { id: "target-title" }, item.name),
      h("p", { class: "meta" }, item.region.name),
      progressBar(percent, _("Received so far")),
      h("p", { class: "money" }, _("{received} received of a budget of {budget}", { received: item.received.formatted, budget: item.budget.formatted })),
    );
  }
  return h(
    "section",
    { class: "card donate-target", "aria-labelledby": "target-title" },
    h("h2", { id: "target-title" }, _("The general fund")),
    h("p", {}, _("Staff allocate the general fund to the families and projects that need it most; what it received and paid out is public.")),
    h("p", {}, h("a", { href: "/transparency/" }, _("See where the money goes"))),
    data.projects?.nodes.length
      ? h(
          "details",
          { class: "donate-projects" },
          h("summary", {}, _("Or give to a project")),
          h(
            "ul",
            {},
            data.projects.nodes.map((project) =>
              h(
                "li",
                {},
                h("a", { href: `/donate/?project=${encodeURIComponent(project.id)}` }, project.name),
                h("span", { class: "meta" }, ` · ${project.region.name}`),
              ),
            ),
          ),
        )
      : null,
    h("p", {}, h("a", { href: "/needs/" }, _("Or choose a family's request"))),
  );
}

/** Why this target cannot take a donation now, or null. */
function closedReason(data) {
  if (data.kind === "request") {
    if (!data.node.target) return _("This request asks for help in kind, not money: see what it needs on its page.");
    if (!["OPEN", "PLEDGED"].includes(data.node.status)) return _("This request no longer takes donations.");
  }
  if (data.kind === "project" && data.node.status !== "ACTIVE") return _("This project no longer takes donations.");
  return null;
}

// --- The form ------------------------------------------------------------------------------

function currencyFixed(data) {
  if (data.kind === "request") return data.node.target.currency;
  if (data.kind === "project") return data.node.budget.currency;
  return null;
}

/** The amounts to pick from, as the API formats them: all that is still needed for a
 * request, then the instance's suggested amounts in this currency (below what is left). */
function presetChoices(data, currency) {
  const max = Number(data.instance.maxAmountMinor);
  const remaining = data.kind === "request" ? data.node.remaining : null;
  const choices = [];
  if (remaining && remaining.amountMinor > 0 && remaining.amountMinor <= max) {
    choices.push([String(remaining.amountMinor), _("All that is still needed: {amount}", { amount: remaining.formatted })]);
  }
  for (const money of data.instance.suggestedAmounts) {
    if (money.currency !== currency) continue;
    if (remaining && money.amountMinor >= remaining.amountMinor) continue;
    choices.push([String(money.amountMinor), money.formatted]);
  }
  return choices;
}

function donateForm(data, main) {
  const fixed = currencyFixed(data);
  const currencies = fixed ? [fixed] : data.instance.currencies;
  let currency = fixed || data.instance.defaultCurrency;
  const providers = data.paymentProviders;

  const currencyNotes = [];
  const currencyText = (make) => {
    const node = h("span", {}, make(currency));
    currencyNotes.push([node, make]);
    return node;
  };

  const presets = presetChoices(data, currency);
  const otherInput = h("input", {
    id: "field-otherAmount",
    name: "otherAmount",
    type: "text",
    inputmode: "decimal",
    autocomplete: "transaction-amount",
    class: "amount-input",
    size: 12,
    "aria-describedby": "field-otherAmount-hint",
  });
  const otherRadio = radio("amountChoice", "other", _("Other amount"), { checked: !presets.length });
  otherInput.addEventListener("input", () => {
    otherRadio.querySelector("input").checked = true;
  });

  const amountGroup = h(
    "div",
    { class: "field", "data-field": "amount.amountMinor" },
    h(
      "fieldset",
      { "aria-describedby": "amount-hint" },
      h("legend", {}, _("How much would you like to give?")),
      h("p", { class: "hint", id: "amount-hint" }, currencyText((code) => _("Amounts are in {currency}.", { currency: code }))),
      h(
        "div",
        { class: "choices", id: "amount-choices" },
        presets.map(([value, label]) => radio("amountChoice", value, label)),
        otherRadio,
      ),
    ),
  );
  const otherField = h(
    "div",
    { class: "field", "data-field": "otherAmount" },
    h("label", { for: "field-otherAmount" }, currencyText((code) => _("Other amount in {currency}", { currency: code }))),
    h("p", { class: "hint", id: "field-otherAmount-hint" }, _("In figures, for example 25 or 12.50.")),
    otherInput,
  );

  const currencyField =
    currencies.length > 1
      ? field({
          name: "amount.currency",
          label: _("Currency"),
          required: true,
          control: select(currencies.map((code) => [code, code]), currency),
        })
      : null;
  if (currencyField) {
    currencyField.querySelector("select").addEventListener("change", (event) => {
      currency = event.target.value;
      for (const [node, make] of currencyNotes) node.textContent = make(currency);
      const choices = form.querySelector("#amount-choices");
      choices.replaceChildren(...presetChoices(data, currency).map(([value, label]) => radio("amountChoice", value, label)), otherRadio);
    });
  }

  const providerGroup = providers.length
    ? h(
        "div",
        { class: "field", "data-field": "provider" },
        h(
          "fieldset",
          {},
          h("legend", {}, _("How would you like to pay?")),
          h(
            "div",
            { class: "choices choices-stacked" },
            providers.map((provider, index) =>
              radio("provider", provider.name, providerLabel(provider), { checked: index === 0, hint: providerHint(provider) }),
            ),
          ),
        ),
      )
    : emptyState(_("This site takes no donations at the moment: no payment method is set up."));

  const anonymous = h("input", { type: "checkbox", id: "field-anonymous", name: "anonymous", "aria-describedby": "field-anonymous-hint" });
  const form = h(
    "form",
    { class: "donate-form", novalidate: true, "aria-labelledby": "form-title" },
    h("h2", { id: "form-title" }, _("Your donation")),
    amountGroup,
    otherField,
    currencyField,
    providerGroup,
    h(
      "div",
      { class: "field", "data-field": "anonymous" },
      h(
        "div",
        { class: "choice choice-plain" },
        anonymous,
        h("label", { for: "field-anonymous" }, _("Give anonymously")),
      ),
      h("p", { class: "hint", id: "field-anonymous-hint" }, _("Your name and message will not appear on the public donation wall.")),
    ),
    field({
      name: "donorName",
      label: _("Your name"),
      hint: _("Printed on your receipt and shown on the donation wall unless you give anonymously. Needed for a named gift without an account."),
      autocomplete: "name",
      maxlength: 120,
    }),
    field({
      name: "message",
      label: _("A message to the recipients"),
      hint: _("At most 500 characters."),
      control: h("textarea", { rows: 3, maxlength: 500 }),
    }),
    h("div", { class: "form-outcome" }),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, _("Make the donation"))),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const outcome = form.querySelector(".form-outcome");
    outcome.replaceChildren();
    clearErrors(form);
    const choice = form.querySelector("input[name=amountChoice]:checked")?.value;
    const exponent = currencyExponent(currency);
    const errors = [];
    let amountMinor = null;
    if (!choice) {
      errors.push({ field: "amount.amountMinor", message: _("Choose an amount, or enter another amount.") });
    } else if (choice === "other") {
      const parsed = toMinorUnits(otherInput.value, exponent, data.instance.maxAmountMinor);
      if (parsed.error) errors.push({ field: "otherAmount", message: amountMessage(parsed.error, exponent) });
      else amountMinor = parsed.minor;
    } else {
      amountMinor = Number(choice);
    }
    const provider = form.querySelector("input[name=provider]:checked")?.value;
    if (!provider && providers.length) errors.push({ field: "provider", message: _("Choose how you would like to pay.") });
    if (errors.length || !providers.length) {
      report(form, errors, choice);
      return;
    }
    const donorName = form.elements.donorName.value.trim();
    const message = form.elements.message.value.trim();
    const input = {
      target: targetInput(data),
      amount: { amountMinor, currency },
      provider,
      anonymous: anonymous.checked,
      donorName: donorName || null,
      message: message || null,
    };
    input.idempotencyKey = keyFor(input);
    let payload;
    try {
      payload = await submitting(form, () => mutate("FrontendDonationCreate", { input }, "donationCreate"));
    } catch (error) {
      outcome.replaceChildren(errorState(error, () => form.requestSubmit()));
      focusRegion(outcome.firstChild);
      return;
    }
    if (payload.errors.length) {
      report(form, payload.errors, choice);
      return;
    }
    keepDonation(payload);
    window.location.assign(`/receipt/?donation=${encodeURIComponent(payload.donation.id)}`);
  });

  main.append(form);
}

function targetInput(data) {
  if (data.kind === "request") return { helpRequest: data.node.id };
  if (data.kind === "project") return { project: data.node.id };
  return { generalFund: true };
}

/** The error summary, with the amount's errors at the field the donor used. */
function report(form, errors, choice) {
  const placed = errors.map((error) =>
    error.field === "amount.amountMinor" && choice === "other" ? { ...error, field: "otherAmount" } : error,
  );
  showErrors(form, placed);
  // The group's message goes under its legend, not inside the first choice.
  const group = form.querySelector('[data-field="amount.amountMinor"]');
  const message = group.querySelector(".error-message");
  if (message) group.querySelector(".hint").after(message);
  const providerMessage = form.querySelector('[data-field="provider"] .error-message');
  if (providerMessage) form.querySelector('[data-field="provider"] legend').after(providerMessage);
}

// --- Page ----------------------------------------------------------------------------------

async function load() {
  const requestId = param("request");
  const projectId = param("project");
  const campaignId = param("campaign");
  if (requestId) return { kind: "request", ...(await request("PageDonateRequest", { id: requestId })) };
  if (projectId) return { kind: "project", ...(await request("PageDonateProject", { id: projectId })) };
  if (campaignId) return { kind: "campaign", campaignId, ...(await request("PageShell")) };
  return { kind: "general", ...(await request("PageDonateGeneralFund")) };
}

function render(data, main) {
  main.append(h("h1", {}, _("Make a donation")));
  if ((data.kind === "request" || data.kind === "project") && !data.node) {
    // Visible to fundTotals but not to node: treat as not found.
    main.append(errorState(new ApiError("NOT_FOUND", _("This could not be found. It may have been removed."))));
    return;
  }
  if (data.kind === "campaign") {
    main.append(
      h(
        "div",
        { class: "notice" },
        h("p", {}, _("Crowdfunding campaigns are backed on their own page: your money is only taken if the campaign reaches its goal.")),
        h("p", {}, h("a", { class: "button", href: `/back/?campaign=${encodeURIComponent(data.campaignId)}` }, _("Back this campaign"))),
      ),
    );
    return;
  }
  main.append(targetSummary(data));
  const closed = closedReason(data);
  if (closed) {
    main.append(
      h(
        "div",
        { class: "notice" },
        h("p", {}, closed),
        h("p", {}, h("a", { href: "/donate/" }, _("Give to the general fund instead"))),
      ),
    );
    return;
  }
  donateForm(data, main);
}

startPage({ load, render, title: () => _("Donate"), failureHeading: () => _("Make a donation") });
