// A forgotten password, in two steps on one page: without a token, ask for a reset link
// (passwordResetRequest, always the same neutral answer); the link the API sends opens
// /password-reset#token=..., and then a new password is chosen (passwordResetConfirm).
// The token is read from the fragment and removed from the address bar at once, so it
// stays neither in the history nor on screen.
import { mutate, request } from "../core/api.js";
import { clear, focusRegion, h } from "../core/dom.js";
import { field, showErrors, submitting } from "../core/forms.js";
import { _ } from "../core/i18n.js";
import { startPage } from "../core/layout.js";
import { forgetToken } from "../core/session.js";

function takeToken() {
  const fragment = window.location.hash.replace(/^#/, "");
  if (!fragment) return null;
  const value = new URLSearchParams(fragment).get("token");
  if (value === null) return null;
  window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  return value.trim() || null;
}

/** Text of either direction inside a sentence, kept in its place in right-to-left ones. */
function isolate(text) {
  return `\u2068${text}\u2069`;
}

const resetToken = takeToken();

function answer(main, form, ...content) {
  const notice = h("div", { class: "notice", role: "status" }, ...content);
  form.replaceWith(notice);
  focusRegion(notice);
  return notice;
}

function requestForm(main) {
  const form = h(
    "form",
    { novalidate: true, class: "reset-form" },
    field({ name: "email", label: _("Email address"), type: "email", required: true, autocomplete: "email", spellcheck: "false", dir: "auto" }),
    h("p", {}, h("button", { type: "submit", class: "button" }, _("Send me a link"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements.email.value.trim();
    if (!email) {
      showErrors(form, [{ field: "email", message: _("Enter your email address.") }]);
      return;
    }
    try {
      const payload = await submitting(form, () => mutate("FrontendPasswordResetRequest", { email }, "passwordResetRequest"));
      if (payload.errors.length) {
        showErrors(form, payload.errors);
        return;
      }
      answer(
        main,
        form,
        h("p", {}, _("If an account exists for {email}, we have sent a link to it. Open it within an hour to choose a new password.", { email: isolate(email) })),
        h("p", {}, _("No message? Check your spam folder, or ask again: only the newest link works.")),
      );
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  main.append(
    h("h1", {}, _("Reset your password")),
    h("p", {}, _("Enter the email address of your account. We will send you a link to choose a new password.")),
    form,
    h("p", {}, h("a", { href: "/login/" }, _("Back to log in"))),
  );
}

function confirmForm(main) {
  const form = h(
    "form",
    { novalidate: true, class: "reset-form" },
    field({ name: "newPassword", label: _("New password"), hint: _("Use at least 10 characters."), type: "password", required: true, autocomplete: "new-password" }),
    h("p", {}, h("button", { type: "submit", class: "button" }, _("Save the new password"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const newPassword = form.elements.newPassword.value;
    if (!newPassword) {
      showErrors(form, [{ field: "newPassword", message: _("Enter a new password.") }]);
      return;
    }
    try {
      const payload = await submitting(form, () =>
        mutate("FrontendPasswordResetConfirm", { token: resetToken, newPassword }, "passwordResetConfirm"),
      );
      if (payload.errors.length || !payload.reset) {
        showErrors(form, payload.errors);
        if (payload.errors.some((error) => error.field === "token")) {
          form.querySelector(".error-summary ul").append(
            h("li", {}, h("a", { href: "/password-reset/" }, _("Ask for a new link"))),
          );
        }
        return;
      }
      // Every session of the account was logged out, this browser's included.
      forgetToken();
      answer(
        main,
        form,
        h("p", {}, _("Your password has been changed, and every session of your account was logged out.")),
        h("p", { class: "actions" }, h("a", { class: "button", href: "/login/" }, _("Log in with the new password"))),
      );
    } catch (error) {
      showErrors(form, [{ field: null, message: error.message }]);
    }
  });
  main.append(h("h1", {}, _("Choose a new password")), form);
}

startPage({
  load: () => request("PageShell"),
  title: () => (resetToken ? _("Choose a new password") : _("Reset your password")),
  render: (data, main) => {
    clear(main);
    if (resetToken) confirmForm(main);
    else requestForm(main);
  },
});
