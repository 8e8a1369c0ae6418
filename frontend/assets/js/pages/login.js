// Log in: email and password for a bearer token (tokenCreate), kept in this origin's
// storage, then on to `?next=` when it is a path of this site, else to /account/.
import { mutate, request } from "../core/api.js";
import { h, param } from "../core/dom.js";
import { field, showErrors, submitting } from "../core/forms.js";
import { _ } from "../core/i18n.js";
import { startPage } from "../core/layout.js";
import { safeNext, saveToken } from "../core/session.js";

function loggedIn(me, main) {
  main.append(
    h("h1", {}, _("Log in")),
    h("p", { class: "notice" }, _("You are logged in as {name}.", { name: me.displayName })),
    h("p", { class: "actions" }, h("a", { class: "button", href: "/account/" }, _("Go to my account"))),
  );
}

function render(data, main) {
  if (data?.me) {
    loggedIn(data.me, main);
    return;
  }
  const next = param("next");
  const form = h(
    "form",
    { novalidate: true, class: "login-form" },
    field({ name: "email", label: _("Email address"), type: "email", required: true, autocomplete: "email", spellcheck: "false", dir: "auto" }),
    field({ name: "password", label: _("Password"), type: "password", required: true, autocomplete: "current-password" }),
    h("p", {}, h("button", { type: "submit", class: "button" }, _("Log in"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    const missing = [];
    if (!email) missing.push({ field: "email", message: _("Enter your email address.") });
    if (!password) missing.push({ field: "password", message: _("Enter your password.") });
    if (missing.length) {
      showErrors(form, missing);
      return;
    }
    try {
      const payload = await submitting(form, () => mutate("FrontendLogin", { email, password }, "tokenCreate"));
      if (payload.errors.length || !payload.token) {
        showErrors(form, payload.errors);
        return;
      }
      saveToken(payload.token);
      window.location.assign(safeNext(next));
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  const registerHref = next && safeNext(next, "") ? `/register/?next=${encodeURIComponent(safeNext(next))}` : "/register/";
  main.append(
    h("h1", {}, _("Log in")),
    form,
    h(
      "ul",
      { class: "account-links" },
      h("li", {}, h("a", { href: "/password-reset/" }, _("Forgot your password?"))),
      h("li", {}, h("a", { href: registerHref }, _("No account yet? Register to help"))),
    ),
  );
}

startPage({ load: () => request("PageShell"), render, title: () => _("Log in") });
