// My account: who is logged in, logging out (here or everywhere), and the histories of
// donations (with their receipts), pledges, orders and campaign backings, each paged with
// "Load more". Logged out, a link to log in and come back.
import { ApiError, mutate, request } from "../core/api.js";
import { labelsOf, localized } from "../core/cards.js";
import { focusRegion, h } from "../core/dom.js";
import { _ } from "../core/i18n.js";
import { emptyState, isLoggedIn, startPage } from "../core/layout.js";
import { forgetToken } from "../core/session.js";

/** Text of either direction inside a sentence, kept in its place in right-to-left ones. */
function isolate(text) {
  return `\u2068${text}\u2069`;
}

const PAGE_SIZE = 10;

async function load() {
  if (!isLoggedIn()) return request("PageShell");
  try {
    return await request("PageAccount", { first: PAGE_SIZE });
  } catch (error) {
    // An expired or revoked token: api.js forgot it; show the way to log in again.
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") return request("PageShell");
    throw error;
  }
}

function status(labels, enumName, value) {
  return h("span", { class: `badge status-${value.toLowerCase()}` }, labels[enumName]?.[value] || value);
}

function donationItem(donation, labels) {
  return h(
    "li",
    { class: "history-item" },
    h("p", { class: "history-title" }, donation.target.title),
    h("p", {}, h("span", { class: "money" }, donation.amount.formatted), " ", status(labels, "DonationStatus", donation.status)),
    h("p", { class: "meta" }, _("Given on {date}", { date: donation.createdAtFormatted })),
    donation.receiptNumber
      ? h("p", {}, h("a", { href: `/receipt/?number=${encodeURIComponent(donation.receiptNumber)}` }, _("Receipt {number}", { number: donation.receiptNumber })))
      : h("p", { class: "meta" }, _("No receipt yet: it is issued when the money arrives.")),
  );
}

function pledgeItem(pledge, labels) {
  const request = pledge.request;
  return h(
    "li",
    { class: "history-item" },
    h(
      "p",
      { class: "history-title" },
      request ? h("a", { href: `/request/?id=${encodeURIComponent(request.id)}` }, localized(request.title)) : _("A request that is no longer public"),
    ),
    h(
      "p",
      {},
      pledge.amount ? h("span", { class: "money" }, pledge.amount.formatted) : h("span", { class: "badge" }, labels.PledgeKind?.[pledge.kind] || pledge.kind),
      pledge.description ? ` ${pledge.description}` : null,
    ),
    h("p", { class: "meta" }, _("Delivery status: {status}", { status: labels.PledgeStatus?.[pledge.status] || pledge.status })),
  );
}

function orderItem(order, labels) {
  return h(
    "li",
    { class: "history-item" },
    h("p", { class: "history-title" }, h("a", { href: `/order/?id=${encodeURIComponent(order.id)}` }, _("Order from {seller}", { seller: order.seller.displayName }))),
    h("p", {}, h("span", { class: "money" }, order.total.formatted), " ", status(labels, "OrderStatus", order.status)),
    h("p", { class: "meta" }, _("Placed on {date}", { date: order.placedAtFormatted })),
  );
}

function backingItem(backing, labels) {
  const campaign = backing.campaign;
  return h(
    "li",
    { class: "history-item" },
    h(
      "p",
      { class: "history-title" },
      campaign ? h("a", { href: `/campaign/?id=${encodeURIComponent(campaign.id)}` }, localized(campaign.title)) : _("A campaign that is no longer public"),
    ),
    h("p", {}, h("span", { class: "money" }, backing.amount.formatted), " ", status(labels, "BackingStatus", backing.status)),
    h("p", { class: "meta" }, _("Given on {date}", { date: backing.createdAtFormatted })),
    backing.receiptNumber ? h("p", { class: "meta" }, _("Receipt number: {number}", { number: backing.receiptNumber })) : null,
  );
}

/** One history: its list, an empty state, and "Load more" while the API has more. */
function historySection({ id, title, empty, connection, item, more, field, labels, extra }) {
  const headingId = `${id}-title`;
  const list = h("ul", { class: "plain-list history" }, connection.nodes.map((node) => item(node, labels)));
  const problem = h("div", { class: "history-problem" });
  let cursor = connection.pageInfo.endCursor;
  const button = h("button", { type: "button", class: "button secondary", "aria-describedby": headingId }, _("Load more"));
  const moreRow = h("p", { class: "load-more" }, button);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = _("Loading…");
    problem.replaceChildren();
    try {
      const page = (await request(more, { first: PAGE_SIZE, after: cursor }))[field];
      const items = page.nodes.map((node) => item(node, labels));
      list.append(...items);
      cursor = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) moreRow.remove();
      if (items.length) focusRegion(items[0]);
    } catch (error) {
      problem.append(h("p", { class: "error-message", role: "alert" }, error.message));
    } finally {
      button.disabled = false;
      button.textContent = _("Load more");
    }
  });
  return h(
    "section",
    { class: "history-section", id, "aria-labelledby": headingId },
    h("h2", { id: headingId }, title),
    connection.nodes.length ? list : emptyState(empty),
    extra && !connection.nodes.length ? extra : null,
    problem,
    connection.pageInfo.hasNextPage ? moreRow : null,
  );
}

async function logOut(buttons, everywhere) {
  for (const button of buttons) button.disabled = true;
  try {
    if (everywhere) await mutate("FrontendLogoutEverywhere", {}, "tokenRevokeAll");
    else await mutate("FrontendLogout", {}, "tokenRevoke");
  } catch {
    // Logged out here all the same: the token is forgotten below.
  } finally {
    forgetToken();
    window.location.assign("/");
  }
}

function loggedOut(main) {
  main.append(
    h("h1", {}, _("My account")),
    h("p", {}, _("Log in to see your donations, pledges, orders and campaign backings.")),
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button", href: "/login/?next=/account/" }, _("Log in")),
      h("a", { class: "button secondary", href: "/register/" }, _("Register to help")),
    ),
  );
}

function render(data, main) {
  if (!data?.me || !data.myDonations) {
    loggedOut(main);
    return;
  }
  const labels = labelsOf(data.enumLabels);
  const logout = h("button", { type: "button", class: "button logout" }, _("Log out"));
  const everywhere = h("button", { type: "button", class: "button secondary logout-everywhere", "aria-describedby": "logout-everywhere-hint" }, _("Log out everywhere"));
  const buttons = [logout, everywhere];
  logout.addEventListener("click", () => logOut(buttons, false));
  everywhere.addEventListener("click", () => logOut(buttons, true));
  main.append(
    h("h1", {}, _("My account")),
    h(
      "section",
      { class: "account-summary", "aria-labelledby": "account-name" },
      h("h2", { id: "account-name", class: "account-name" }, data.me.displayName),
      h("p", { class: "meta" }, _("Logged in as {email}", { email: isolate(data.me.email) })),
      h("p", { class: "actions" }, logout, everywhere),
      h("p", { class: "hint", id: "logout-everywhere-hint" }, _("Log out everywhere ends every session of your account, on every device, this one included.")),
    ),
    historySection({
      id: "donations",
      title: _("My donations"),
      empty: _("You have not made any donations yet."),
      extra: h("p", {}, h("a", { href: "/donate/" }, _("Give to the general fund"))),
      connection: data.myDonations,
      item: donationItem,
      more: "AccountDonations",
      field: "myDonations",
      labels,
    }),
    historySection({
      id: "pledges",
      title: _("My pledges"),
      empty: _("You have not pledged help yet."),
      extra: h("p", {}, h("a", { href: "/needs/" }, _("Find someone to help"))),
      connection: data.myPledges,
      item: pledgeItem,
      more: "AccountPledges",
      field: "myPledges",
      labels,
    }),
    historySection({
      id: "orders",
      title: _("My orders"),
      empty: _("You have not ordered from the mall yet."),
      connection: data.myOrders,
      item: orderItem,
      more: "AccountOrders",
      field: "myOrders",
      labels,
    }),
    historySection({
      id: "backings",
      title: _("My campaign backings"),
      empty: _("You have not backed a campaign yet."),
      connection: data.myBackings,
      item: backingItem,
      more: "AccountBackings",
      field: "myBackings",
      labels,
    }),
  );
}

startPage({ load, render, title: () => _("My account") });
