// The live board: occupancy, the latest events and the open alarms, kept current by the
// live stream.

import { api } from "../api.js";
import { errorLine, fill, h, when } from "../dom.js";
import { eventHead, eventRow } from "../events.js";
import { openLive } from "../live.js";
import { may } from "../roles.js";

const MAX_EVENTS = 25;
const OCCUPANCY_MS = 10000;

/** Render the board for `user`; returns what closes its stream and timers. */
export function render(root, { user }) {
  const state = h("span", { class: "badge", id: "live-state" }, "connecting");
  const occupancy = h("div", { id: "occupancy" }, h("p", { class: "muted" }, "loading…"));
  const events = h("tbody", { id: "latest-events" });
  const alarms = h("div", { id: "alarms" });
  const openAlarms = new Map();

  root.append(h("div", { class: "board" },
    h("section", { class: "card occupancy" }, h("h1", {}, "Occupancy"), occupancy),
    h("section", { class: "card alarms" }, h("h1", {}, "Open alarms"), alarms),
    h("section", { class: "card events" }, h("h1", {}, "Latest events ", state),
      h("table", { class: "grid" }, eventHead(), events))));

  const showAlarms = () => {
    const shown = [...openAlarms.values()].sort((a, b) => b.id.localeCompare(a.id));
    fill(alarms, shown.length ? shown.map((a) => alarmCard(a, user, update))
      : h("p", { class: "muted" }, "No open alarms."));
  };
  const update = (alarm) => {
    if (alarm.state === "resolved") openAlarms.delete(alarm.id);
    else openAlarms.set(alarm.id, alarm);
    showAlarms();
  };
  const addEvent = (event) => {
    if (events.querySelector(`[data-event-id="${CSS.escape(event.id)}"]`)) return;
    events.prepend(eventRow(event, { href: `#/event/${encodeURIComponent(event.id)}` }));
    while (events.rows.length > MAX_EVENTS) events.lastElementChild.remove();
  };
  let pending = null;
  const occupancySoon = () => {
    pending ??= setTimeout(() => { pending = null; refreshOccupancy(); }, 1000);
  };
  const refreshOccupancy = async () => {
    try {
      const found = await api("/api/v1/occupancy");
      fill(occupancy, found.sites.length ? found.sites.map(siteOccupancy)
        : h("p", { class: "muted" }, "No sites registered."));
    } catch (error) {
      fill(occupancy, errorLine(error));
    }
  };

  // The stream first, so nothing committed while the lists load is missed.
  const close = openLive({ types: "events,alarms" }, (message) => {
    const data = JSON.parse(message.data);
    if (message.event === "event") {
      addEvent(data);
      occupancySoon();
    }
    else if (message.event === "alarm") update(data.alarm);
    else if (message.event === "dropped") loadLists();
  }, (connection) => {
    state.textContent = connection === "open" ? "live" : connection;
    state.className = `badge live-${connection}`;
  });
  const loadLists = async () => {
    try {
      const [latest, open, acknowledged] = await Promise.all([
        latestEvents(user),
        api("/api/v1/alarms", { query: { state: "open" } }),
        api("/api/v1/alarms", { query: { state: "acknowledged" } }),
      ]);
      latest.forEach(addEvent);
      [...open.items, ...acknowledged.items].forEach((a) => openAlarms.set(a.id, a));
      showAlarms();
    } catch (error) {
      fill(alarms, errorLine(error));
    }
  };
  loadLists();
  refreshOccupancy();
  const timer = setInterval(refreshOccupancy, OCCUPANCY_MS);
  return () => { close(); clearInterval(timer); clearTimeout(pending); };
}

/** The newest events, oldest first; the search wants a site from a manager of several. */
async function latestEvents(user) {
  const sites = user.sites.length > 1 ? user.sites : [null];
  const pages = await Promise.all(sites.map((site) => api("/api/v1/events",
    { query: site ? { site, limit: MAX_EVENTS } : { limit: MAX_EVENTS } })));
  return pages.flatMap((page) => page.items)
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts)).slice(-MAX_EVENTS);
}

function siteOccupancy(site) {
  return h("div", { class: "site" },
    h("p", {}, h("strong", {}, site.site), " ", h("span", { class: "big" }, site.persons),
      h("span", { class: "muted" }, ` persons (${site.source})`)),
    h("ul", { class: "buildings" }, site.buildings.map((b) => h("li", {},
      `${b.building}: ${b.persons ?? "—"}${b.capacity ? ` / ${b.capacity}` : ""}`))));
}

function alarmCard(alarm, user, update) {
  const act = (verb) => async (clicked) => {
    clicked.target.disabled = true;
    try {
      const changed = await api(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/${verb}`,
        { method: "POST", body: {} });
      update(changed.alarm);
    } catch (error) {
      clicked.target.replaceWith(errorLine(error));
    }
  };
  const buttons = may(user.role, "actOnAlarms") ? [
    alarm.state === "open"
      ? h("button", { class: "acknowledge", onclick: act("acknowledge") }, "Acknowledge") : null,
    h("button", { class: "resolve secondary", onclick: act("resolve") }, "Resolve"),
  ] : [];
  return h("article", { class: `alarm severity-${alarm.severity} state-${alarm.state}`,
    dataset: { alarmId: alarm.id, state: alarm.state } },
  h("header", {}, h("span", { class: "badge" }, alarm.severity), " ",
    h("strong", {}, alarm.title)),
  h("p", { class: "muted" }, `${alarm.site} · ${alarm.rule} · ×${alarm.count} · opened `
    + when(alarm.opened_at)),
  h("p", { class: "alarm-state" }, alarm.state
    + (alarm.acknowledged_by ? ` by ${alarm.acknowledged_by}` : "")),
  alarm.event_ids.length ? h("p", {}, alarm.event_ids.slice(0, 3).map((id) =>
    h("a", { href: `#/event/${encodeURIComponent(id)}`, class: "event-link" }, "event "))) : null,
  h("div", { class: "actions" }, buttons));
}
