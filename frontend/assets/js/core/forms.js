// Forms: labelled fields, hints, and an error summary that lists every problem with a link
// to its field, as the GOV.UK Design System does. Messages come localized from the API.
import { focusRegion, h } from "./dom.js";
import { _ } from "./i18n.js";

/** A labelled input (or select/textarea via `control`), with an optional hint. */
export function field({ name, label, type = "text", hint, control, required, ...attrs }) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : null;
  const input =
    control ||
    h("input", { id, name, type, required: required || null, "aria-describedby": hintId, ...attrs });
  if (control) {
    input.id = id;
    input.name = name;
    if (hintId) input.setAttribute("aria-describedby", hintId);
    if (required) input.required = true;
  }
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: id }, label, required ? null : h("span", { class: "optional" }, ` (${_("optional")})`)),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input,
  );
}

export function select(options, selected) {
  return h(
    "select",
    {},
    options.map(([value, text]) => h("option", { value, selected: value === selected || null }, text)),
  );
}

/** One choice of a radio group, its hint (if any) inside the label so it is read with it;
 * the id is `${name}-${value}` in lower case unless given. */
export function radio(name, value, label, { checked, hint, id = `${name}-${value.toLowerCase()}` } = {}) {
  const hintId = hint ? `${id}-hint` : null;
  return h(
    "div",
    { class: "choice" },
    h("input", { type: "radio", id, name, value, checked: checked || null, "aria-describedby": hintId }),
    h("label", { for: id }, label, hint ? h("span", { class: "hint", id: hintId }, hint) : null),
  );
}

/** Show `errors` ([{field, message}]) on `form`: a summary first, then at each field. */
export function showErrors(form, errors) {
  clearErrors(form);
  if (!errors.length) return;
  const items = errors.map((error) => {
    const wrapper = error.field && form.querySelector(`[data-field="${error.field}"]`);
    if (!wrapper) return h("li", {}, error.message);
    const input = wrapper.querySelector("input, select, textarea");
    const messageId = `${input.id}-error`;
    wrapper.classList.add("field-error");
    input.setAttribute("aria-invalid", "true");
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${messageId}` : messageId);
    wrapper.querySelector("label").after(h("p", { class: "error-message", id: messageId }, error.message));
    return h("li", {}, h("a", { href: `#${input.id}` }, error.message));
  });
  const summary = h(
    "div",
    { class: "error-summary", role: "alert", "aria-labelledby": "error-summary-title" },
    h("h2", { id: "error-summary-title" }, _("There is a problem")),
    h("ul", {}, items),
  );
  form.prepend(summary);
  focusRegion(summary);
}

export function clearErrors(form) {
  form.querySelector(".error-summary")?.remove();
  for (const message of form.querySelectorAll(".error-message")) {
    const input = document.getElementById(message.id.replace(/-error$/, ""));
    if (input) {
      input.removeAttribute("aria-invalid");
      const rest = (input.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter((id) => id && id !== message.id);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    message.remove();
  }
  for (const wrapper of form.querySelectorAll(".field-error")) wrapper.classList.remove("field-error");
}

/** Disable a form's submit button while `work` runs, announcing progress. */
export async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  const label = button?.textContent;
  if (button) {
    button.disabled = true;
    button.textContent = _("Sending…");
  }
  try {
    return await work();
  } finally {
    if (button) {
      button.disabled = false;
      button.textContent = label;
    }
  }
}
