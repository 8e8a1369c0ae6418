// Register to help (accountRegister), as a person, an enterprise or an organisation; then
// log in with the same credentials (tokenCreate) and go to /account/ (or `?next=`).
import { mutate, request } from "../core/api.js";
import { labelsOf } from "../core/cards.js";
import { h, param } from "../core/dom.js";
import { field, showErrors, submitting } from "../core/forms.js";
import { _, currentLocale } from "../core/i18n.js";
import { startPage } from "../core/layout.js";
import { safeNext, saveToken } from "../core/session.js";

const KINDS = ["INDIVIDUAL", "ENTERPRISE", "ORGANISATION"];

function kindChoices(labels) {
  return h(
    "fieldset",
    { class: "field", "data-field": "kind" },
    h("legend", {}, _("You register as")),
    h(
      "div",
      { class: "choices" },
      KINDS.map((kind, index) =>
        h(
          "div",
          { class: "choice" },
          h("input", {
            type: "radio",
            name: "kind",
            id: index === 0 ? "field-kind" : `field-kind-${kind.toLowerCase()}`,
            value: kind,
            checked: index === 0 || null,
          }),
          h("label", { for: index === 0 ? "field-kind" : `field-kind-${kind.toLowerCase()}` }, labels.HelperKind?.[kind] || kind),
        ),
      ),
    ),
  );
}

function render(data, main) {
  main.append(h("h1", {}, _("Register to help")));
  if (data?.me) {
    main.append(
      h("p", { class: "notice" }, _("You are logged in as {name}.", { name: data.me.displayName })),
      h("p", { class: "actions" }, h("a", { class: "button", href: "/account/" }, _("Go to my account"))),
    );
    return;
  }
  const labels = labelsOf(data?.enumLabels);
  const organisation = field({
    name: "organisationName",
    label: _("Name of the enterprise or organisation"),
    hint: _("Shown to families and on pairings instead of your own name."),
    autocomplete: "organization",
  });
  organisation.hidden = true;
  const form = h(
    "form",
    { novalidate: true, class: "register-form" },
    field({ name: "displayName", label: _("Your name"), hint: _("Others will see this name."), required: true, autocomplete: "name" }),
    field({ name: "email", label: _("Email address"), hint: _("You log in with it; it is never shown to others."), type: "email", required: true, autocomplete: "email", spellcheck: "false", dir: "auto" }),
    field({ name: "password", label: _("Password"), hint: _("Use at least 10 characters."), type: "password", required: true, autocomplete: "new-password" }),
    kindChoices(labels),
    organisation,
    h("p", {}, h("button", { type: "submit", class: "button" }, _("Register"))),
  );
  const kind = () => form.querySelector("input[name=kind]:checked")?.value || "INDIVIDUAL";
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") organisation.hidden = kind() === "INDIVIDUAL";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    const chosen = kind();
    const input = {
      email,
      password,
      displayName: form.elements.displayName.value.trim(),
      kind: chosen,
      organisationName: chosen === "INDIVIDUAL" ? null : form.elements.organisationName.value.trim() || null,
      locale: currentLocale(),
    };
    try {
      await submitting(form, async () => {
        const registered = await mutate("FrontendRegister", { input }, "accountRegister");
        if (registered.errors.length) {
          showErrors(form, registered.errors);
          return;
        }
        const login = await mutate("FrontendLogin", { email, password }, "tokenCreate");
        if (!login.token) {
          window.location.assign("/login/?next=/account/");
          return;
        }
        saveToken(login.token);
        window.location.assign(safeNext(param("next")));
      });
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  main.append(
    h("p", { class: "lead" }, _("Choose families and requests to help, and follow your donations, pledges and orders in one place.")),
    form,
    h("p", {}, h("a", { href: "/login/" }, _("Already registered? Log in"))),
  );
}

startPage({ load: () => request("PageRegister"), render, title: () => _("Register to help") });
