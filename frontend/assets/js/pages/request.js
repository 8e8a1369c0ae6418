// One request: what is needed and why, how much has arrived, the household's public view,
// its thanks and updates; donate (anyone) or pledge (helpers).
import { request } from "../core/api.js";
import { labelsOf, localized } from "../core/cards.js";
import { clear, focusRegion, h, param } from "../core/dom.js";
import { field, showErrors, submitting } from "../core/forms.js";
import { _, ngettext } from "../core/i18n.js";
import { emptyState, startPage } from "../core/layout.js";
import { currencyExponent, toMinorUnits } from "../core/money.js";
import { ApiError } from "../core/api.js";

const requestId = param("id") || "";

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function moneySummary(item) {
  if (!item.target) return null;
  const target = item.target.amountMinor;
  const covered = Math.max(0, target - item.remaining.amountMinor);
  const percent = target > 0 ? Math.floor((covered * 100) / target) : 0;
  return h(
    "section",
    { class: "card", "aria-labelledby": "money-title" },
    h("h2", { id: "money-title" }, _("Money")),
    h("progress", { max: 100, value: Math.min(100, percent), "aria-labelledby": "money-progress-label" }),
    h("p", { id: "money-progress-label", class: "money" }, _("{remaining} still needed of {target}", { remaining: item.remaining.formatted, target: item.target.formatted })),
    h(
      "dl",
      { class: "amounts" },
      h("div", {}, h("dt", {}, _("Pledged by helpers")), h("dd", {}, item.pledged?.formatted ?? "—")),
      h("div", {}, h("dt", {}, _("Donations held for the household")), h("dd", {}, item.held?.formatted ?? "—")),
      h("div", {}, h("dt", {}, _("Paid out to the household")), h("dd", {}, item.disbursed?.formatted ?? "—")),
    ),
  );
}

function itemsSummary(item) {
  if (item.target) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "items-title" },
    h("h2", { id: "items-title" }, _("What is needed")),
    h("ul", {}, item.items.map((entry) => h("li", {}, _("{quantity} {unit} of {name}", { quantity: entry.quantityFormatted, unit: entry.unit, name: entry.name })))),
  );
}

function pledgeForm(item, onDone) {
  const money = Boolean(item.target);
  const form = h("form", { class: "pledge-form", novalidate: true });
  let key = crypto.randomUUID();
  const tomorrow = new Date(Date.now() + 86400000);
  const due = new Date(Date.now() + 14 * 86400000);
  form.append(
    money
      ? field({ name: "amount.amountMinor", label: _("Amount ({currency})", { currency: item.target.currency }), hint: _("At most {amount}.", { amount: item.remaining.formatted }), inputmode: "decimal", autocomplete: "off" })
      : h(
          "fieldset",
          { "data-field": "kind" },
          h("legend", {}, _("What you will give")),
          h(
            "div",
            { class: "choices" },
            [
              ["GOODS", _("Goods")],
              ["SERVICE", _("A service")],
            ].map(([value, text], index) =>
              h("div", { class: "choice" }, h("input", { type: "radio", id: `pledge-kind-${value}`, name: "kind", value, checked: index === 0 || null }), h("label", { for: `pledge-kind-${value}` }, text)),
            ),
          ),
        ),
    money ? null : field({ name: "description", label: _("What exactly you will give or do"), control: h("textarea", { rows: 3, maxlength: 2000 }), required: true }),
    field({ name: "dueOn", label: _("Deliver by"), type: "date", min: isoDay(tomorrow), value: isoDay(due), required: true }),
    h("button", { type: "submit", class: "button" }, _("Pledge")),
  );
  form.addEventListener("input", () => { key = crypto.randomUUID(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const input = { request: item.id, dueOn: String(values.get("dueOn") || ""), idempotencyKey: key };
    if (money) {
      const minor = toMinorUnits(String(values.get("amount.amountMinor") || ""), currencyExponent(item.target.currency)).minor;
      if (!minor) {
        showErrors(form, [{ field: "amount.amountMinor", message: _("Enter an amount, such as 25 or 25.50.") }]);
        return;
      }
      input.kind = "MONEY";
      input.amount = { amountMinor: minor, currency: item.target.currency };
    } else {
      input.kind = String(values.get("kind"));
      input.description = String(values.get("description") || "");
    }
    try {
      const payload = await submitting(form, () => request("RequestPledge", { input }).then((data) => data.pledgeCreate));
      if (payload.errors.length) {
        showErrors(form, payload.errors);
        return;
      }
      onDone(payload.pledge);
    } catch (error) {
      showErrors(form, [{ field: null, message: error instanceof ApiError ? error.message : String(error) }]);
    }
  });
  return form;
}

function actions(data, item) {
  const box = h("section", { class: "card actions-card", "aria-labelledby": "help-title" }, h("h2", { id: "help-title" }, _("Help this household")));
  const open = item.status === "OPEN";
  if (!open) {
    box.append(h("p", {}, _("This request is not taking new help right now.")));
    return box;
  }
  if (item.target) {
    box.append(h("p", {}, h("a", { class: "button", href: `/donate/?request=${encodeURIComponent(item.id)}` }, _("Donate to this request"))));
  }
  if (data.me?.helper) {
    const result = h("div", { id: "pledge-result" });
    box.append(
      h("h3", {}, _("Pledge as {name}", { name: data.me.helper.displayName })),
      result,
      pledgeForm(item, (pledge) => {
        clear(result, h("p", { class: "notice", role: "status" }, _("Thank you. Your pledge is recorded; the household's caseworker will be in touch.")));
        box.querySelector(".pledge-form")?.remove();
        focusRegion(result);
      }),
    );
  } else if (data.me) {
    box.append(h("p", {}, _("Only helper accounts can pledge goods, services or money to deliver yourself.")));
  } else {
    const next = `/request/?id=${encodeURIComponent(item.id)}`;
    box.append(h("p", {}, h("a", { href: `/login/?next=${encodeURIComponent(next)}` }, _("Log in as a helper to pledge what you will deliver yourself"))));
  }
  return box;
}

function render(data, main) {
  const item = data.request;
  if (!item || !item.id) {
    main.append(
      h("h1", {}, _("Request not found")),
      h("div", { class: "state state-error", role: "alert", "data-code": "NOT_FOUND" }, h("p", {}, _("This request does not exist or is no longer public."))),
      h("p", {}, h("a", { href: "/needs/" }, _("See all needs"))),
    );
    return;
  }
  const labels = labelsOf(data.enumLabels);
  const household = item.household;
  main.append(
    h("p", { class: "no-print" }, h("a", { href: "/needs/" }, _("All needs"))),
    h("h1", {}, localized(item.title)),
    h(
      "p",
      { class: "tags" },
      h("span", { class: `badge urgency-${item.urgency.toLowerCase()}` }, labels.Urgency?.[item.urgency] || item.urgency),
      " ",
      h("span", { class: "badge" }, labels.HelpRequestStatus?.[item.status] || item.status),
      " ",
      h("span", { class: "badge" }, item.category.label),
    ),
    h(
      "p",
      { class: "meta" },
      item.publishedAtFormatted ? _("Published {date}", { date: item.publishedAtFormatted }) : null,
      item.deadlineFormatted ? ` · ${_("Needed by {date}", { date: item.deadlineFormatted })}` : null,
    ),
    h("div", { class: "request-layout" },
      h(
        "div",
        { class: "request-main" },
        h("section", { "aria-labelledby": "about-title" }, h("h2", { id: "about-title" }, _("What is needed and why")), h("p", { class: "description" }, localized(item.description))),
        household
          ? h(
              "section",
              { "aria-labelledby": "household-title" },
              h("h2", { id: "household-title" }, _("The household")),
              h("p", {}, _("Household {code} in {region}", { code: household.publicCode, region: household.region.name })),
              h("p", {}, ngettext("{count} person", "{count} people", household.membersCount, { count: household.membersCountFormatted })),
              household.causes.length
                ? h("p", { class: "tags" }, h("span", { class: "meta" }, _("Causes of poverty:")), household.causes.map((cause) => [" ", h("span", { class: "badge" }, cause.label)]))
                : null,
            )
          : null,
        h(
          "section",
          { "aria-labelledby": "thanks-title" },
          h("h2", { id: "thanks-title" }, _("Thanks from the household")),
          item.thanks.length
            ? h("ul", { class: "plain-list" }, item.thanks.map((thanks) => h("li", {}, h("blockquote", {}, thanks.message), h("p", { class: "meta" }, _("To {helper}, {date}", { helper: thanks.helperName, date: thanks.thankedOnFormatted })))))
            : emptyState(_("No thanks yet: the household writes them when help arrives.")),
        ),
        h(
          "section",
          { "aria-labelledby": "updates-title" },
          h("h2", { id: "updates-title" }, _("Updates")),
          item.progressUpdates.length
            ? h("ul", { class: "plain-list" }, item.progressUpdates.map((update) => h("li", {}, h("p", {}, localized(update.body)), h("p", { class: "meta" }, update.postedAtFormatted))))
            : emptyState(_("No updates yet.")),
        ),
      ),
      h("div", { class: "request-side" }, moneySummary(item), itemsSummary(item), actions(data, item)),
    ),
  );
  const others = (household?.openRequests || []).filter((other) => other.id !== item.id);
  if (others.length) {
    main.append(
      h("section", { "aria-labelledby": "others-title" }, h("h2", { id: "others-title" }, _("Other requests of this household")), h("ul", {}, others.map((other) => h("li", {}, h("a", { href: `/request/?id=${encodeURIComponent(other.id)}` }, localized(other.title)))))),
    );
  }
}

startPage({
  load: () => request("PageRequest", { id: requestId }),
  render,
  title: (data) => data?.request?.title?.text || _("Request for help"),
});
