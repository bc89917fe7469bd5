// The enterprise board: each tenant's colour in force, and the reasons for it.

import { api } from "../api.js";
import { errorLine, h } from "../dom.js";

/** Render the board, worst colours first. */
export async function render(root) {
  const section = h("section", { class: "card" }, h("h1", {}, "Enterprises"));
  root.append(section);
  try {
    const entries = await api("/api/v1/enterprises");
    if (!entries.length) section.append(h("p", { class: "muted" }, "No enterprises registered."));
    const rank = { red: 0, orange: 1, yellow: 2, blue: 3, green: 4 };
    entries.sort((a, b) => (rank[a.colour.colour] ?? 5) - (rank[b.colour.colour] ?? 5)
      || a.name.localeCompare(b.name));
    section.append(h("div", { class: "tiles", id: "enterprises" }, entries.map(tile)));
  } catch (error) {
    section.append(errorLine(error));
  }
}

function tile(entry) {
  const { colour, headcount } = entry;
  const shown = colour.colour ?? "unassessed";
  const trend = headcount.change == null ? "" : ` (${headcount.change > 0 ? "+" : ""}`
    + `${Math.round(headcount.change * 100)}%)`;
  return h("article", { class: `tile colour-${shown}`, dataset: { enterprise: entry.enterprise } },
    h("header", {}, h("span", { class: "swatch", title: shown }), h("strong", {}, entry.name)),
    h("p", { class: "muted" },
      `${entry.site} · ${entry.building} floor ${entry.floor} · today ${headcount.today}${trend}`),
    colour.override ? h("p", { class: "override" },
      `Set ${colour.override.colour} by ${colour.override.by}: ${colour.override.reason}`) : null,
    colour.reasons.length
      ? h("ul", { class: "reasons" }, colour.reasons.map((r) =>
        h("li", { class: `colour-${r.colour}` }, r.text)))
      : h("p", { class: "muted" }, colour.colour ? "No findings." : "Not assessed yet."));
}
