// The console's entry: sign-in state, navigation by role, and a hash router over the views.

import { fill, h } from "./dom.js";
import { pagesFor } from "./roles.js";
import { currentUser, loadUser, signOut } from "./session.js";
import * as board from "./views/board.js";
import * as enterprises from "./views/enterprises.js";
import * as event from "./views/event.js";
import * as gateways from "./views/gateways.js";
import * as login from "./views/login.js";
import * as search from "./views/search.js";

const VIEWS = { board, search, enterprises, gateways };
const TITLES = { board: "Live board", search: "Search", enterprises: "Enterprises",
  gateways: "Gateways" };

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let closeView = null;

/** Show the page the hash names, if the signed-in user's role may open it. */
async function route() {
  if (closeView) closeView();
  closeView = null;
  view.replaceChildren();
  const user = currentUser() ?? await loadUser();
  showUser(user);
  const [page, param] = location.hash.replace(/^#\/?/, "").split("/", 2);
  if (!user) {
    login.render(view, { onSignedIn: (signedIn) => go(`#/${pagesFor(signedIn.role)[0]}`) });
    return;
  }
  const allowed = pagesFor(user.role);
  if (page === "event") {
    closeView = event.render(view, { user, param: decodeURIComponent(param ?? "") });
  } else if (allowed.includes(page)) {
    const closer = VIEWS[page].render(view, { user });
    closeView = typeof closer === "function" ? closer : null;
  } else {
    location.replace(`#/${allowed[0] ?? "search"}`);
  }
  for (const link of nav.querySelectorAll("a")) {
    link.classList.toggle("active", link.dataset.page === page);
  }
}

/** The navigation and the user line: only the pages this role may open. */
function showUser(user) {
  if (!user) {
    fill(nav);
    fill(who);
    return;
  }
  fill(nav, pagesFor(user.role).map((page) =>
    h("a", { href: `#/${page}`, dataset: { page } }, TITLES[page])));
  fill(who, `${user.username} (${user.role}) `, h("button", { class: "link", id: "sign-out",
    onclick: () => { signOut(); go("#/login"); } }, "Sign out"));
}

/** Go to `hash`, showing it again if it is the current one. */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

window.addEventListener("hashchange", route);
route();
