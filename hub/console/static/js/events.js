// How one event reads in a list: time, place, kind, and what the kind says.

import { h, when } from "./dom.js";

/** The few words that say what happened, by kind. */
export function summary(event) {
  switch (event.kind) {
    case "place_scan":
      return [`${event.method} ${event.verdict}`, `health ${event.health}`,
        event.temperature_c != null ? `${event.temperature_c} °C` : null,
        event.visitor ? "visitor" : null].filter(Boolean).join(" · ");
    case "access":
      return `${event.credential?.type ?? "?"} ${event.direction} ${event.result}`;
    case "camera":
      return `${event.type} × ${event.count}` + (event.score != null ? ` (${event.score})` : "");
    case "vehicle":
      return `${event.plate} ${event.direction} ${event.result}`;
    case "sensor":
      return `${event.metric} ${event.value} ${event.unit ?? ""}${event.alarm ? " ALARM" : ""}`;
    default:
      return "";
  }
}

/** Where, as the registry enrichment names it (enterprise, building, gate), else the device. */
export function place(event) {
  const e = event.enrichment ?? {};
  return [event.site, e.building, e.gate ?? event.device, e.enterprise].filter(Boolean).join(" / ");
}

/** The header of an event table (with a snapshot column when `thumbs`). */
export function eventHead(thumbs = false) {
  return h("thead", {}, h("tr", {}, ["Time", "Kind", "Where", "What"].map((t) => h("th", {}, t)),
    thumbs ? h("th", {}, "Snapshot") : null));
}

/** A table row for an event; `href` makes the time a link to its detail page. */
export function eventRow(event, { href, thumb } = {}) {
  const time = href ? h("a", { href }, when(event.ts)) : when(event.ts);
  return h("tr", { dataset: { eventId: event.id, kind: event.kind } },
    h("td", {}, time),
    h("td", {}, h("span", { class: `kind kind-${event.kind}` }, event.kind)),
    h("td", {}, place(event)),
    h("td", {}, summary(event)),
    thumb === undefined ? null : h("td", { class: "thumb" }, thumb));
}
