// Gateway status: state, last contact, sequence gaps and the agent's health.

import { api } from "../api.js";
import { errorLine, fill, h, when } from "../dom.js";

const REFRESH_MS = 15000;

/** Render the gateway table, refreshed every few seconds. */
export function render(root) {
  const body = h("tbody");
  const status = h("p", { class: "muted" }, "loading…");
  root.append(h("section", { class: "card" },
    h("h1", {}, "Gateways"), status,
    h("table", { class: "grid", id: "gateways" },
      h("thead", {}, h("tr", {},
        ["Site", "Gateway", "State", "Last seen"].map((t) => h("th", {}, t)),
        ["Last seq", "Events", "Missing", "Outbox"].map((t) => h("th", { class: "num" }, t)),
        h("th", {}, "Agent"))),
      body)));

  async function refresh() {
    try {
      const gateways = await api("/api/v1/gateways");
      fill(body, gateways.map(row));
      status.textContent = gateways.length ? `as of ${when(new Date().toISOString())}`
        : "No gateway has reported yet.";
    } catch (error) {
      fill(status, errorLine(error));
    }
  }
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

function row(g) {
  return h("tr", { dataset: { gateway: g.gateway } },
    h("td", {}, g.site), h("td", {}, g.gateway),
    h("td", {}, h("span", { class: `badge state-${g.state}` }, g.state)),
    h("td", {}, when(g.last_seen)), h("td", { class: "num" }, g.last_seq ?? "—"),
    h("td", { class: "num" }, g.events_total),
    h("td", { class: g.missing_events ? "num warn" : "num" }, g.missing_events),
    h("td", { class: "num" }, g.health?.outbox_depth ?? "—"),
    h("td", {}, g.agent_version ?? "—"));
}
