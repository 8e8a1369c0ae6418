import { request } from "../core/api.js";
import { h } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { startPage } from "../core/layout.js";

startPage({
  load: () => request("PageShell"),
  title: () => _("Page not found"),
  render: (data, main) =>
    main.append(
      h("h1", {}, _("Page not found")),
      h("p", {}, _("There is no page at this address. It may have moved.")),
      h("p", {}, h("a", { href: "/" }, _("Go to the home page"))),
    ),
});
