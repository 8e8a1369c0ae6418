// A donation's status and receipt. `?number=<receipt number>` for a received donation: the
// donor's own when logged in, or with the payment reference this tab kept (sessionStorage,
// keyed by the receipt number: a secret never goes into a URL). `?donation=<id>` right after
// giving, before a receipt number exists: a guest's tab kept the payment reference from
// donationCreate and follows the donation with it until the money arrives.
import { ApiError, request } from "../core/api.js";
import { labelsOf } from "../core/cards.js";
import { h, param } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { startPage } from "../core/layout.js";

const DONATION_KEY = "aidbridge.donation.";
const REFERENCE_KEY = "aidbridge.receipt.";

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function kept(id) {
  try {
    return JSON.parse(storage()?.getItem(`${DONATION_KEY}${id}`) || "null");
  } catch {
    return null;
  }
}

/** Remember the reference under the receipt number, so `?number=` finds it again in this tab. */
function keepReference(donation) {
  if (donation.receiptNumber && donation.paymentReference) {
    storage()?.setItem(`${REFERENCE_KEY}${donation.receiptNumber}`, donation.paymentReference);
  }
}

async function load() {
  const number = param("number");
  const id = param("donation");
  if (number) {
    const reference = storage()?.getItem(`${REFERENCE_KEY}${number}`) || null;
    const data = await request("PageReceipt", { receiptNumber: number, paymentReference: reference });
    if (!data.donation) {
      throw new ApiError(
        "NOT_FOUND",
        _("No receipt with this number is available to you. Log in with the account you gave from, or open this page in the browser tab where you gave."),
      );
    }
    return { ...data, instructions: null };
  }
  if (id) {
    const stored = kept(id);
    const reference = stored?.donation?.paymentReference;
    // A guest follows the donation by the reference this tab kept; its donor, logged in,
    // by the ID alone. Either way the status is fresh: a receipt appears once paid.
    const data = reference
      ? await request("PageReceiptGuest", { id, paymentReference: reference })
      : await request("PageReceiptPending", { id });
    const donation = reference ? data.donationByPaymentReference : data.node?.id ? data.node : null;
    if (!donation) {
      throw new ApiError(
        "NOT_FOUND",
        _("This donation's details are kept only in the browser tab where it was made, or shown to its donor when logged in."),
      );
    }
    return { ...data, donation, instructions: stored?.instructions || null };
  }
  throw new ApiError("NOT_FOUND", _("No donation was named: this page shows a donation from its receipt number."));
}

function row(label, value, extra = {}) {
  return h("div", { class: "receipt-row", ...extra }, h("dt", {}, label), h("dd", {}, value));
}

function heading(status) {
  if (status === "FAILED") return _("The payment did not go through");
  if (status === "REFUNDED") return _("This donation was refunded");
  return _("Thank you for your donation");
}

function howToPay(donation, instructions) {
  const reference = donation.paymentReference;
  return h(
    "section",
    { class: "card pay-now", "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, _("How to pay")),
    instructions?.text ? h("p", { class: "instructions" }, instructions.text) : h("p", {}, _("Quote the reference {reference} when you pay.", { reference })),
    instructions?.checkoutUrl
      ? h("p", { class: "no-print" }, h("a", { class: "button checkout-link", href: instructions.checkoutUrl }, _("Go to the payment page")))
      : null,
    h("p", { class: "meta" }, _("Your receipt number is issued as soon as the money arrives. Keep the reference {reference} until then.", { reference })),
  );
}

function render(data, main) {
  const labels = labelsOf(data.enumLabels);
  const donation = data.donation;
  const receipt = donation.receipt;
  keepReference(donation);
  const statusLabel = labels.DonationStatus?.[donation.status] || donation.status;
  const targetKind = labels.DonationTargetKind?.[donation.target.kind] || donation.target.kind;
  main.append(h("h1", {}, heading(donation.status)));
  if (donation.status === "PENDING") {
    main.append(h("p", { class: "notice no-print" }, _("Your donation is recorded and waits for your payment.")));
  }
  main.append(
    h(
      "section",
      { class: "receipt", "aria-labelledby": "receipt-title" },
      h("h2", { id: "receipt-title" }, receipt ? _("Donation receipt") : _("Donation details")),
      receipt ? h("p", { class: "receipt-issuer" }, receipt.issuer) : null,
      h(
        "dl",
        { class: "receipt-fields" },
        row(_("Receipt number"), receipt ? receipt.number : _("Issued when the money arrives"), { "data-item": "number" }),
        row(_("Status"), statusLabel, { "data-item": "status" }),
        row(_("Amount"), receipt ? receipt.amountFormatted : donation.amount.formatted, { "data-item": "amount" }),
        row(_("Given to"), _("{title} ({kind})", { title: receipt ? receipt.targetTitle : donation.target.title, kind: targetKind })),
        row(_("Donor"), receipt ? receipt.donorName : donation.donorName || _("Anonymous")),
        row(receipt ? _("Received on") : _("Made on"), receipt ? receipt.issuedOn : donation.createdAtFormatted),
        row(_("Payment reference"), donation.paymentReference, { "data-item": "reference" }),
      ),
      donation.anonymous ? h("p", { class: "meta" }, _("Your name and message are not shown on the public donation wall.")) : null,
      receipt?.refunded ? h("p", { class: "notice" }, _("This donation was refunded after the receipt was issued.")) : null,
    ),
  );
  if (donation.status === "PENDING") main.append(howToPay(donation, data.instructions));
  if (donation.status === "RECEIVED" && donation.disbursed.amountMinor > 0) {
    main.append(h("p", {}, _("{amount} of your gift has reached its target so far.", { amount: donation.disbursed.formatted })));
  }
  main.append(
    h(
      "p",
      { class: "actions no-print" },
      h("button", { type: "button", class: "button print-button", onclick: () => window.print() }, receipt ? _("Print receipt") : _("Print these details")),
      h("a", { class: "button secondary", href: "/transparency/" }, _("See where the money goes")),
    ),
  );
}

startPage({
  load,
  render,
  title: (data) => (data?.donation?.receipt ? _("Donation receipt") : _("Your donation")),
  failureHeading: () => _("Your donation"),
});
