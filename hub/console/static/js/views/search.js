// Event search: by subject pseudonym or raw ID number (sent in a POST body, never in the
// URL), site, kind and time window; snapshot thumbnails for roles that may see media.

import { api } from "../api.js";
import { errorLine, fill, h } from "../dom.js";
import { eventHead, eventRow } from "../events.js";
import { linksOf, MediaBag } from "../media.js";
import { may } from "../roles.js";

const KINDS = ["", "place_scan", "access", "camera", "vehicle", "sensor"];
const PAGE = 50;

/** Render the search form and its results. */
export function render(root, { user }) {
  const bag = new MediaBag();
  const results = h("tbody", { id: "results" });
  const status = h("p", { class: "muted" });
  const more = h("button", { class: "secondary", hidden: true }, "More");
  const input = (name, label, attrs = {}) =>
    h("label", {}, label, h("input", { name, autocomplete: "off", ...attrs }));
  const form = h("form", { class: "filters", id: "search-form" },
    input("id_number", "ID number", { placeholder: "raw number, hashed by the hub" }),
    input("subject", "Subject pseudonym", { pattern: "[0-9a-f]{64}", placeholder: "64 hex" }),
    user.sites.length  // a property manager searches one of their own sites
      ? h("label", {}, "Site", h("select", { name: "site" },
        user.sites.map((site) => h("option", { value: site }, site))))
      : input("site", "Site"),
    h("label", {}, "Kind", h("select", { name: "kind" },
      KINDS.map((k) => h("option", { value: k }, k || "any")))),
    input("since", "From", { type: "datetime-local", step: 1 }),
    input("until", "Until", { type: "datetime-local", step: 1 }),
    h("button", { type: "submit" }, "Search"));
  root.append(h("section", { class: "card" }, h("h1", {}, "Event search"), form),
    h("section", { class: "card" }, status,
      h("table", { class: "grid" }, eventHead(may(user.role, "viewMedia")), results), more));

  let filters = null;
  let cursor = null;
  const search = async (append) => {
    try {
      const page = await api("/api/v1/events/search", { method: "POST",
        body: { ...filters, limit: PAGE, ...(append ? { cursor } : {}) } });
      if (!append) bag.release();
      const rows = page.items.map((event) => eventRow(event, {
        href: `#/event/${encodeURIComponent(event.id)}`, thumb: thumbnail(event),
      }));
      if (append) results.append(...rows); else fill(results, rows);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = `${results.rows.length} event(s)${cursor ? ", more available" : ""}`;
    } catch (error) {
      fill(status, errorLine(error));
    }
  };
  const thumbnail = (event) => {
    if (!may(user.role, "viewMedia")) return null;
    const [snapshot] = linksOf(event).filter((l) => l.content_type.startsWith("image/"));
    return snapshot ? bag.element(snapshot, { thumb: true }) : "";
  };
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    filters = filtersOf(new FormData(form));
    search(false);
  });
  more.addEventListener("click", () => search(true));
  return () => bag.release();
}

/** The API's filters from the form: empty fields left out, local times as UTC instants. */
function filtersOf(data) {
  const filters = {};
  for (const [name, value] of data.entries()) {
    const text = String(value).trim();
    if (!text) continue;
    filters[name] = name === "since" || name === "until" ? new Date(text).toISOString() : text;
  }
  return filters;
}
